package io.github.atomicdb;

import java.nio.file.Path;

/**
 * Test-scope main: tries to open the store in args[0] and prints "opened DIR", or "refused: " and the
 * exception's message. With args[1] = "hold", keeps it open until stdin closes.
 */
public final class OpenProbe {
  private OpenProbe() {}

  public static void main(String[] args) throws Exception {
    try (AtomicRocksDb db = AtomicRocksDb.open(Path.of(args[0]))) {
      System.out.println("opened " + db.dir());
      System.out.flush();
      if (args.length > 1 && args[1].equals("hold")) {
        while (System.in.read() >= 0) {
          // hold until the parent closes our stdin
        }
      }
    } catch (AtomicDbException e) {
      System.out.println("refused: " + e.getMessage());
    }
    System.out.flush();
  }
}
