package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.internal.MemoryKv;
import io.github.atomicdb.spi.Engines;
import io.github.atomicdb.spi.TypeRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * exactly once, and each producer's pushes come out in the order it made them. And threads that
 * each push, pull and acknowledge on one queue (also on stores that sync their writes, whose
 * waiting group members park until served instead of queueing for the lock): every push is
 * delivered once, in order.
 */
class QueueGroupCommitTest {
  @TempDir Path dir;

  private AtomicDb open(String impl) {
    return switch (impl) {
      case "memory" -> new AtomicMemoryDb();
      case "rocks-sync" -> AtomicRocksDb.builder(dir.resolve("db")).syncWrites(true).open();
      // Says it syncs, so that its group commits wait as on rocks-sync, at memory speed.
      case "memory-syncing" -> Engines.open("syncing memory", new ForwardingKv(new MemoryKv()) {
        @Override
        public boolean syncsWrites() {
          return true;
        }
      }, java.time.Clock.systemUTC(), new TypeRegistry());
      case "shared-rocks" -> SharedKv.rocks(dir.resolve("db"), java.time.Clock.systemUTC());
      default -> throw new AssertionError(impl);
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "memory-syncing", "rocks-sync", "shared-rocks"})
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

  /**
   * Threads that each push, pull and acknowledge, all on one queue: every push is pulled exactly
   * once, acknowledged, and the queue ends empty; and since the queue is FIFO, the pushes of one
   * producer that one thread pulls come in the order they were pushed.
   */
  @ParameterizedTest
  @ValueSource(strings = {"memory", "memory-syncing", "rocks-sync"})
  void cyclesOnOneQueueLoseNothingAndKeepOrder(String impl) throws Exception {
    int threads = 4;
    int cycles = impl.equals("rocks-sync") ? 150 : 2000;
    try (AtomicDb db = open(impl)) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CyclicBarrier start = new CyclicBarrier(threads);
      try {
        List<Future<List<String>>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int id = t;
          fs.add(pool.submit(() -> {
            List<String> pulled = new ArrayList<>();
            start.await();
            for (int i = 0; i < cycles; i++) {
              db.queuePush(QueueItemInput.of("cycle", id + ":" + i));
              // Another thread may take this push, but then an entry of another is left: every
              // thread pushes before it pulls.
              Optional<QueueItem> got = db.queuePull(QueuePullOptions.of("cycle").withTtlSeconds(300));
              for (long tries = 0; got.isEmpty(); tries++) {
                assertTrue(tries < 10_000_000, "the queue stayed empty after a push");
                Thread.onSpinWait();
                got = db.queuePull(QueuePullOptions.of("cycle").withTtlSeconds(300));
              }
              assertTrue(db.queueAcknowledge(got.get()), "ack refused: " + got.get().sk());
              pulled.add((String) got.get().data());
            }
            return pulled;
          }));
        }
        Set<String> seen = new HashSet<>();
        for (Future<List<String>> f : fs) {
          Map<Integer, Integer> lastOf = new HashMap<>();
          for (String v : f.get(300, TimeUnit.SECONDS)) {
            assertTrue(seen.add(v), "delivered twice: " + v);
            String[] parts = v.split(":");
            int producer = Integer.parseInt(parts[0]);
            int i = Integer.parseInt(parts[1]);
            int last = lastOf.getOrDefault(producer, -1);
            assertTrue(i > last, "producer " + producer + ": " + v + " pulled after push " + last);
            lastOf.put(producer, i);
          }
        }
        assertEquals(threads * cycles, seen.size(), "every push pulled once");
      } finally {
        pool.shutdownNow();
      }
      assertEquals(new QueueStats(0, 0, 0, 0), db.queueStats("cycle"));
      assertTrue(db.queuePull(QueuePullOptions.of("cycle")).isEmpty());
    }
  }
}
