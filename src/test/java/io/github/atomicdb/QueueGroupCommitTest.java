package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Producers pushing to one queue at once (their pushes committed in shared batches on a
 * single-writer store, with fsync per batch on RocksDB with syncWrites): every push is there
 * exactly once, and each producer's pushes come out in the order it made them.
 */
class QueueGroupCommitTest {
  @TempDir Path dir;

  private AtomicDb open(String impl) {
    return switch (impl) {
      case "memory" -> new AtomicMemoryDb();
      case "rocks-sync" -> AtomicRocksDb.builder(dir.resolve("db")).syncWrites(true).open();
      case "shared-rocks" -> SharedKv.rocks(dir.resolve("db"), java.time.Clock.systemUTC());
      default -> throw new AssertionError(impl);
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocks-sync", "shared-rocks"})
  void everyPushOnceAndInOrderPerProducer(String impl) throws Exception {
    int producers = 4;
    int each = 200;
    try (AtomicDb db = open(impl)) {
      ExecutorService pool = Executors.newFixedThreadPool(producers);
      CyclicBarrier start = new CyclicBarrier(producers);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
          int id = p;
          fs.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < each; i++) {
              if (i % 10 == 9) { // a list push now and then: two entries in one call
                db.queuePush(List.of(QueueItemInput.of("shared", id + ":" + i), QueueItemInput.of("shared", id + ":" + (i + 1000))));
              } else {
                db.queuePush(QueueItemInput.of("shared", id + ":" + i));
              }
            }
            return null;
          }));
        }
        for (Future<?> f : fs) {
          f.get(120, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      int expected = producers * (each + each / 10);
      assertEquals(new QueueStats(expected, 0, 0, db.queueStats("shared").oldestAvailableAgeSeconds()),
          db.queueStats("shared"));
      Set<String> seen = new HashSet<>();
      Map<Integer, Integer> lastOf = new HashMap<>();
      for (List<QueueItem> batch; !(batch = db.queuePullBatch(QueuePullOptions.of("shared"), 500)).isEmpty(); ) {
        for (QueueItem qi : batch) {
          String v = (String) qi.data();
          assertTrue(seen.add(v), "delivered twice: " + v);
          String[] parts = v.split(":");
          int producer = Integer.parseInt(parts[0]);
          int i = Integer.parseInt(parts[1]);
          int order = i >= 1000 ? i - 1000 : i; // the list's second entry follows its first
          int last = lastOf.getOrDefault(producer, -1);
          assertTrue(order >= last, "producer " + producer + ": " + v + " after push " + last);
          lastOf.put(producer, order);
        }
      }
      assertEquals(expected, seen.size(), "every push is there once");
    }
  }
}
