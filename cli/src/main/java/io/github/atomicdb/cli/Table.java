package io.github.atomicdb.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Aligned text columns: the default output of the inspection commands. Not thread-safe.
 *
 * <p>picocli's {@code Help.TextTable} needs column widths fixed up front and cannot right-align,
 * which the numeric columns need; the alignment here is one pass over the cells.
 */
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

  /** A byte count for people: {@code 512 B}, {@code 1.5 KiB}, {@code 3.2 MiB}. */
  static String humanBytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] u = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int i = -1;
    do {
      v /= 1024;
      i++;
    } while (v >= 1024 && i < u.length - 1);
    return String.format(java.util.Locale.ROOT, "%.1f %s", v, u[i]);
  }

  /** {@code n} and the noun in the form that goes with it: "1 item", "2 items". */
  static String count(long n, String one, String many) {
    return n + " " + (n == 1 ? one : many);
  }
}
