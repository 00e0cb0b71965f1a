package io.github.atomicdb.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the real command in this JVM with captured output. */
final class Cli {
  private Cli() {}

  record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- out:\n" + out + "--- err:\n" + err;
    }
  }

  static Result run(String... args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    int code = Main.commandLine(new RocksBackend(), new PrintWriter(o, true), new PrintWriter(e, true))
        .execute(args);
    return new Result(code, o.toString(), e.toString());
  }
}
