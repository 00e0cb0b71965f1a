package io.github.atomicdb;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Test-scope main for {@link FormatUpgradeCrashTest}: prints "opening", opens the store in
 * args[0] (upgrading it), prints "open", then waits to be killed.
 */
public final class UpgradeChild {
  private UpgradeChild() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    out.println("opening");
    AtomicRocksDb db = AtomicRocksDb.open(Path.of(args[0]));
    out.println("open");
    Thread.sleep(Long.MAX_VALUE);
    db.close();
  }
}
