package io.github.atomicdb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressTest {
  @Test
  void drawsABarOnATerminalAndClearsItAtTheEnd() {
    StringWriter w = new StringWriter();
    try (Progress p = new Progress(new PrintWriter(w), true, "importing", 200)) {
      p.step(50, "records");
    }
    String s = w.toString();
    assertTrue(s.startsWith("\rimporting [#######                       ] 25% 50 records"), s);
    assertTrue(s.endsWith("\r"), "the line is cleared: " + s);
  }

  @Test
  void staysQuietWhenNotOnATerminal() {
    StringWriter w = new StringWriter();
    try (Progress p = new Progress(new PrintWriter(w), false, "exporting", 0)) {
      for (int i = 0; i < 1000; i++) {
        p.step(1, "records");
      }
    }
    assertEquals("", w.toString());
  }

  @Test
  void tablesAlignColumns() {
    StringWriter w = new StringWriter();
    Table t = new Table("queue", ">available");
    t.row("a", 1).row("longer-name", 12345);
    t.print(new PrintWriter(w));
    assertEquals("queue        available\na                    1\nlonger-name      12345\n",
        w.toString().replace(System.lineSeparator(), "\n"));
  }
}
