package io.github.atomicdb.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Aligned text columns: the default output of the inspection commands. Not thread-safe. */
final class Table {
  private final List<String[]> rows = new ArrayList<>();
  private final boolean[] rightAligned;

  /** @param header the column names; a name starting with '>' is right-aligned (the '>' is dropped) */
  Table(String... header) {
    rightAligned = new boolean[header.length];
    String[] h = new String[header.length];
    for (int i = 0; i < header.length; i++) {
      rightAligned[i] = header[i].startsWith(">");
      h[i] = rightAligned[i] ? header[i].substring(1) : header[i];
    }
    rows.add(h);
  }

  Table row(Object... cells) {
    String[] r = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      r[i] = String.valueOf(cells[i]);
    }
    rows.add(r);
    return this;
  }

  int size() {
    return rows.size() - 1;
  }

  void print(PrintWriter out) {
    int cols = rows.get(0).length;
    int[] w = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols; i++) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        if (i > 0) {
          sb.append("  ");
        }
        String c = r[i];
        boolean last = i == cols - 1;
        if (rightAligned[i]) {
          sb.append(" ".repeat(w[i] - c.length())).append(c);
        } else {
          sb.append(c);
          if (!last) {
            sb.append(" ".repeat(w[i] - c.length()));
          }
        }
      }
      out.println(sb.toString().stripTrailing());
    }
    out.flush();
  }

  /** Two-column "name  value" lines. */
  static void pairs(PrintWriter out, Object... nameValue) {
    int w = 0;
    for (int i = 0; i < nameValue.length; i += 2) {
      w = Math.max(w, String.valueOf(nameValue[i]).length());
    }
    for (int i = 0; i < nameValue.length; i += 2) {
      String n = String.valueOf(nameValue[i]);
      out.println(n + " ".repeat(w - n.length()) + "  " + nameValue[i + 1]);
    }
    out.flush();
  }
}
