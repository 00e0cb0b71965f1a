package io.github.atomicdb.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicRocksDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.ItemLock;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import io.github.atomicdb.QueueStats;
import io.github.atomicdb.RaceConditionException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several threads hammer one key with getLock/setAtomic and one queue with push/pull/ack on
 * {@link AtomicRocksDb} at once; the final state must be exact: every increment counted once, no
 * two increments writing the same value, every pushed entry delivered and acknowledged exactly
 * once, the queue empty, and the same after a reopen. Real clock, visibility timeout far longer
 * than the test, so no redelivery is legitimate.
 */
class RocksStressTest {
  static final int INCREMENTERS = 4;
  static final int INCREMENTS = 250;
  static final int PRODUCERS = 2;
  static final int PUSHES = 1500;
  static final int CONSUMERS = 3;

  @TempDir Path dir;

  @Test
  void hammeringOneKeyAndOneQueueGivesAnExactFinalState() throws Exception {
    ItemKey hot = ItemKey.of("stress", "hot");
    String queue = "stress-q";
    Set<Long> written = ConcurrentHashMap.newKeySet();
    Set<String> acked = ConcurrentHashMap.newKeySet();
    AtomicInteger duplicateAcks = new AtomicInteger();
    AtomicInteger producersLeft = new AtomicInteger(PRODUCERS);
    AtomicLong races = new AtomicLong();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(INCREMENTERS + PRODUCERS + CONSUMERS + 1);
    try (AtomicDb db = AtomicRocksDb.builder(dir).open()) {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < INCREMENTERS; t++) {
        fs.add(pool.submit(() -> {
          start.await();
          for (int done = 0; done < INCREMENTS; ) {
            ItemLock l = db.getLock(hot);
            long v = db.get(hot).map(i -> (Long) i.data()).orElse(0L) + 1;
            try {
              db.setAtomic(Item.of(hot.pk(), hot.sk(), v), l);
              assertTrue(written.add(v), "two increments both wrote " + v + ": a lost update");
              done++;
            } catch (RaceConditionException lost) {
              races.incrementAndGet();
            }
          }
          return null;
        }));
      }
      fs.add(pool.submit(() -> { // a reader: the counter never goes back
        start.await();
        long last = 0;
        while (written.size() < INCREMENTERS * INCREMENTS) {
          long v = db.get(hot).map(i -> (Long) i.data()).orElse(0L);
          assertTrue(v >= last, "counter went back from " + last + " to " + v);
          last = v;
        }
        return null;
      }));
      for (int p = 0; p < PRODUCERS; p++) {
        int producer = p;
        fs.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < PUSHES; ) {
            if (i % 10 == 0) {
              List<QueueItemInput> batch = new ArrayList<>();
              for (int j = 0; j < 5; j++, i++) {
                batch.add(QueueItemInput.of(queue, producer + "-" + i));
              }
              db.queuePush(batch);
            } else {
              db.queuePush(QueueItemInput.of(queue, producer + "-" + i));
              i++;
            }
          }
          producersLeft.decrementAndGet();
          return null;
        }));
      }
      for (int c = 0; c < CONSUMERS; c++) {
        int consumer = c;
        fs.add(pool.submit(() -> {
          start.await();
          while (true) {
            List<QueueItem> got = consumer == 0
                ? db.queuePullBatch(QueuePullOptions.of(queue), 4)
                : db.queuePull(QueuePullOptions.of(queue)).map(List::of).orElse(List.of());
            if (got.isEmpty()) {
              if (producersLeft.get() == 0 && acked.size() == PRODUCERS * PUSHES) {
                return null;
              }
              Thread.onSpinWait();
              continue;
            }
            for (QueueItem d : got) {
              assertEquals(1, d.attempts(), "redelivered within its timeout: " + d);
              assertTrue(db.queueAcknowledge(d), "acknowledge lost its lease: " + d);
              if (!acked.add((String) d.data())) {
                duplicateAcks.incrementAndGet();
              }
            }
          }
        }));
      }
      start.countDown();
      for (Future<?> f : fs) {
        f.get(120, TimeUnit.SECONDS);
      }
      assertFinalState(db, hot, queue);
      assertEquals(0, duplicateAcks.get(), "entries delivered twice");
      assertEquals(PRODUCERS * PUSHES, acked.size());
      assertEquals(INCREMENTERS * INCREMENTS, written.size());
      System.out.println("RocksStressTest: " + races.get() + " lost races retried");
    } finally {
      pool.shutdownNow();
    }
    try (AtomicDb db = AtomicRocksDb.builder(dir).open()) {
      assertFinalState(db, hot, queue);
    }
  }

  private static void assertFinalState(AtomicDb db, ItemKey hot, String queue) {
    Optional<Item> v = db.get(hot);
    assertEquals((long) INCREMENTERS * INCREMENTS, v.orElseThrow().data());
    assertEquals(new QueueStats(0, 0, 0, 0), db.queueStats(queue));
    assertTrue(db.queuePull(QueuePullOptions.of(queue)).isEmpty());
    ItemLock l = db.getLock(hot);
    db.setAtomic(Item.of(hot.pk(), hot.sk(), v.get().data()), l);
  }
}
