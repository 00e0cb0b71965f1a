package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicRocksDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test-scope main for {@link LiveStoreTest}: the application that holds the store in args[0].
 * Step i sets the item (live, counter) to i and (live, item-i), pushes queue entry i to
 * live-jobs, and on every fourth step pulls and acknowledges the first entry; every 100 steps it
 * compacts its store. It prints "wrote i" after step i returned. When the file args[1] exists it
 * stops, prints "stopped N" (N steps done), closes the store and prints "closed".
 */
public final class LiveStoreChild {
  static final String QUEUE = "live-jobs";

  private LiveStoreChild() {}

  static String sk(long i) {
    return String.format("%09d", i);
  }

  /** Entries left in the queue after {@code steps} steps. */
  static long queued(long steps) {
    return steps - steps / 4;
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    Path stop = Path.of(args[1]);
    long i = 0;
    try (AtomicRocksDb db = AtomicRocksDb.open(Path.of(args[0]))) {
      out.println("ready");
      for (; !Files.exists(stop); i++) {
        db.set(Item.of("live", "counter", i));
        db.set(Item.of("live", "item-" + sk(i), "value " + i));
        db.queuePush(QueueItemInput.of(QUEUE, sk(i), i));
        if (i % 4 == 3) {
          QueueItem got = db.queuePull(QueuePullOptions.of(QUEUE)).orElseThrow();
          if (!db.queueAcknowledge(got)) {
            throw new AssertionError("ack of " + got + " failed");
          }
        }
        if (i % 100 == 99) {
          db.compact();
        }
        out.println("wrote " + i);
        Thread.sleep(2);
      }
      out.println("stopped " + i);
    }
    out.println("closed");
  }
}
