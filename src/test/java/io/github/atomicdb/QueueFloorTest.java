package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The queue's ready window (QueueHints) lists the lowest ready sks and the pull reads the index
 * only past its end: every way of making an entry ready below that end must still be seen by the
 * next pull, on every backend.
 */
class QueueFloorTest {
  @TempDir Path dir;

  private AtomicDb open(String impl) {
    return impl.equals("memory") ? new AtomicMemoryDb() : AtomicRocksDb.open(dir.resolve("db"));
  }

  private static String pullSk(AtomicDb db, String q) {
    return db.queuePull(QueuePullOptions.of(q)).orElseThrow(() -> new AssertionError(q + " empty")).sk();
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocks"})
  void entriesMadeReadyBelowTheFloorComeFirst(String impl) {
    try (AtomicDb db = open(impl)) {
      db.queuePush(List.of(QueueItemInput.of("q", "m", 1), QueueItemInput.of("q", "n", 2),
          QueueItemInput.of("q", "z", 3)));
      assertEquals("m", pullSk(db, "q")); // floor now at "n"
      db.queuePush(QueueItemInput.of("q", "b", 4)); // single-queue push below the floor
      assertEquals("b", pullSk(db, "q"));
      // a push naming two queues commits without the queue's stripe lock
      db.queuePush(List.of(QueueItemInput.of("q", "c", 5), QueueItemInput.of("other", "x", 6)));
      assertEquals("c", pullSk(db, "q"));
      // redrive moves entries below the floor
      db.queuePush(List.of(QueueItemInput.of("src", "a", 7), QueueItemInput.of("src", "d", 8)));
      assertEquals(2, db.queueRedrive("src", "q"));
      assertEquals("a", pullSk(db, "q"));
      assertEquals("d", pullSk(db, "q"));
      // release below the floor
      db.queueRelease(ItemKey.of("q", "b"));
      assertEquals("b", pullSk(db, "q"));
      assertEquals("n", pullSk(db, "q"));
      assertEquals("z", pullSk(db, "q"));
      assertTrue(db.queuePull(QueuePullOptions.of("q")).isEmpty());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocks"})
  void concurrentPushesOfRandomSksAreNeverHidden(String impl) throws Exception {
    int producers = 3;
    int each = 300;
    try (AtomicDb db = open(impl)) {
      ExecutorService ex = Executors.newFixedThreadPool(producers + 1);
      List<Future<?>> fs = new ArrayList<>();
      for (int p = 0; p < producers; p++) {
        int seed = p;
        fs.add(ex.submit(() -> {
          SplittableRandom r = new SplittableRandom(seed);
          for (int i = 0; i < each; i++) {
            String sk = String.format("%06d-%d-%d", r.nextInt(1_000_000), seed, i);
            if (i % 3 == 0) { // also through the multi-queue path
              db.queuePush(List.of(QueueItemInput.of("mix", sk, i), QueueItemInput.of("side" + seed, sk, i)));
            } else {
              db.queuePush(QueueItemInput.of("mix", sk, i));
            }
          }
        }));
      }
      Set<String> got = new HashSet<>();
      Future<?> consumer = ex.submit(() -> {
        for (int i = 0; i < producers * each / 2; i++) {
          db.queuePull(QueuePullOptions.of("mix")).ifPresent(qi -> {
            got.add(qi.sk());
            db.queueAcknowledge(qi);
          });
        }
      });
      for (Future<?> f : fs) {
        f.get(60, TimeUnit.SECONDS);
      }
      consumer.get(60, TimeUnit.SECONDS);
      ex.shutdown();
      for (Optional<QueueItem> qi; (qi = db.queuePull(QueuePullOptions.of("mix"))).isPresent(); ) {
        assertTrue(got.add(qi.get().sk()), "delivered twice: " + qi.get().sk());
        db.queueAcknowledge(qi.get());
      }
      assertEquals(producers * each, got.size(), "every pushed entry is pulled");
      assertEquals(0, db.queueStats("mix").available());
    }
  }

  /**
   * Random pushes (explicit sks, often below everything already listed, in batches larger than
   * the ready window), pulls of 1 to 40, releases and acknowledgements of one queue, against a
   * sorted set of the available sks: every pull must return exactly the lowest available ones.
   */
  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocks"})
  void pullsAlwaysTakeTheLowestAvailableSks(String impl) {
    SplittableRandom r = new SplittableRandom(11);
    java.util.TreeSet<String> ready = new java.util.TreeSet<>();
    List<QueueItem> inFlight = new ArrayList<>();
    try (AtomicDb db = open(impl)) {
      for (int step = 0; step < 600; step++) {
        int op = r.nextInt(10);
        if (op < 4) {
          int n = r.nextInt(5) == 0 ? 1 + r.nextInt(3 * QueueHints.MAX_WINDOW) : 1 + r.nextInt(4);
          List<QueueItemInput> batch = new ArrayList<>();
          Set<String> inBatch = new HashSet<>();
          for (int i = 0; i < n; i++) {
            String sk = String.format("%05d", r.nextInt(20_000));
            boolean flying = inFlight.stream().anyMatch(d -> d.sk().equals(sk));
            if (!flying && inBatch.add(sk)) {
              batch.add(QueueItemInput.of("q", sk, step));
            }
          }
          if (r.nextBoolean() && !batch.isEmpty()) {
            batch.add(QueueItemInput.of("other", "x" + step, step)); // the multi-queue path
          }
          db.queuePush(batch);
          batch.stream().filter(i -> i.pk().equals("q")).forEach(i -> ready.add(i.sk()));
        } else if (op < 8) {
          int max = 1 + r.nextInt(40);
          List<QueueItem> got = db.queuePullBatch(QueuePullOptions.of("q"), max);
          List<String> expected = new ArrayList<>();
          for (String sk : ready) {
            if (expected.size() == max) {
              break;
            }
            expected.add(sk);
          }
          assertEquals(expected, got.stream().map(QueueItem::sk).toList(), "step " + step);
          expected.forEach(ready::remove);
          inFlight.addAll(got);
        } else if (!inFlight.isEmpty()) {
          QueueItem d = inFlight.remove(r.nextInt(inFlight.size()));
          if (op == 8) {
            assertTrue(db.queueRelease(d));
            ready.add(d.sk());
          } else {
            assertTrue(db.queueAcknowledge(d));
          }
        }
      }
      assertEquals(ready.size(), db.queueStats("q").available());
    }
  }
}
