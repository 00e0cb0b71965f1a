package io.github.atomicdb;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Test-scope main for {@link RocksCrashTest}: opens the store in args[0] (args[1]: syncWrites),
 * then loops forever: increments the counter item with getLock + setAtomic and prints
 * "inc N", then pushes an entry with sk args[2]-i and prints "push SK". Each line is printed
 * and flushed only after the call returned, so every printed line is an acknowledged operation.
 * The parent kills it with SIGKILL.
 */
public final class CrashChild {
  static final ItemKey COUNTER = ItemKey.of("crash", "counter");
  static final String QUEUE = "crash-jobs";

  private CrashChild() {}

  public static void main(String[] args) {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    AtomicRocksDb db = AtomicRocksDb.builder(Path.of(args[0]))
        .syncWrites(Boolean.parseBoolean(args[1]))
        .open();
    out.println("ready");
    String prefix = args[2];
    for (long i = 0; ; i++) {
      ItemLock lock = db.getLock(COUNTER);
      long n = db.get(COUNTER).map(it -> (Long) it.data()).orElse(0L) + 1;
      db.setAtomic(Item.of(COUNTER.pk(), COUNTER.sk(), n), lock);
      out.println("inc " + n);
      String sk = prefix + "-" + String.format("%09d", i);
      db.queuePush(QueueItemInput.of(QUEUE, sk, n));
      out.println("push " + sk);
    }
  }
}
