package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.StoreListener.Operation;
import io.github.atomicdb.StoreListener.QueueEvent;
import io.github.atomicdb.contract.TestClock;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** StoreListener: what the engine reports, on the memory and the RocksDB store alike. */
class StoreListenerTest {
  @TempDir Path tmp;

  /** Counts everything it hears. */
  static final class Recorder implements StoreListener {
    final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    final Map<Operation, AtomicLong> nanos = new ConcurrentHashMap<>();

    long get(String key) {
      AtomicLong n = counts.get(key);
      return n == null ? 0 : n.get();
    }

    private void add(String key, long n) {
      counts.computeIfAbsent(key, k -> new AtomicLong()).addAndGet(n);
    }

    @Override
    public void operation(Operation op, long ns) {
      add(op.name(), 1);
      nanos.computeIfAbsent(op, k -> new AtomicLong()).addAndGet(ns);
    }

    @Override
    public void conflict() {
      add("conflict", 1);
    }

    @Override
    public void queueEvents(String queue, QueueEvent event, int count) {
      add(queue + " " + event, count);
    }
  }

  private EngineDb open(String kind, TestClock clock) {
    return switch (kind) {
      case "memory" -> (EngineDb) AtomicMemoryDb.builder().clock(clock).build();
      default -> AtomicRocksDb.builder(tmp.resolve("store")).clock(clock).open();
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocks"})
  void everyEventIsReportedOnceAndOnlyWhenItTookEffect(String kind) {
    TestClock clock = new TestClock();
    try (EngineDb db = open(kind, clock)) {
      Recorder r = new Recorder();
      db.addListener(r);
      db.queuePush(List.of(QueueItemInput.of("jobs", "a", 1), QueueItemInput.of("jobs", "b", 2),
          QueueItemInput.of("jobs", "c", 3)));
      QueuePullOptions once = QueuePullOptions.of("jobs").withTtlSeconds(10).withMaxAttempts(1);
      QueueItem a = db.queuePull(once).orElseThrow();
      assertEquals(3, r.get("jobs PUSHED"));
      assertEquals(1, r.get("jobs PULLED"));
      assertEquals(1, r.get("PULL"));

      clock.advanceSeconds(11); // a's delivery times out; with maxAttempts 1 it is dead-lettered
      List<QueueItem> got = db.queuePullBatch(once, 5);
      assertEquals(List.of("b", "c"), got.stream().map(QueueItem::sk).toList());
      assertEquals(1, r.get("jobs TIMED_OUT"));
      assertEquals(1, r.get("jobs DEAD_LETTERED"));
      assertEquals(1, r.get("jobs-dlq PUSHED"), "the dead-letter queue received it");
      assertEquals(3, r.get("jobs PULLED"));
      assertEquals(2, r.get("PULL"));

      assertTrue(db.queueAcknowledge(got.get(0)));
      assertFalse(db.queueAcknowledge(a), "a is no longer a's delivery: not an acknowledgement");
      assertEquals(1, r.get("jobs ACKNOWLEDGED"));

      db.set(Item.of("p", "s", 1));
      db.get(ItemKey.of("p", "s"));
      ItemLock lock = db.getLock(ItemKey.of("p", "s"));
      db.setAtomic(Item.of("p", "s", 2), lock);
      assertThrows(RaceConditionException.class, () -> db.setAtomic(Item.of("p", "s", 3), lock));
      assertEquals(1, r.get("SET"));
      assertEquals(1, r.get("GET"));
      assertEquals(2, r.get("SET_ATOMIC"), "timed whether it succeeded or not");
      assertEquals(1, r.get("conflict"));
      assertTrue(r.nanos.get(Operation.GET).get() > 0);

      // removed: nothing more is heard; a listener that throws breaks nothing
      assertTrue(db.removeListener(r));
      assertFalse(db.removeListener(r));
      db.addListener(new StoreListener() {
        @Override
        public void queueEvents(String queue, QueueEvent event, int count) {
          throw new IllegalStateException("a broken listener");
        }

        @Override
        public void operation(Operation op, long ns) {
          throw new IllegalStateException("a broken listener");
        }
      });
      db.queuePush(QueueItemInput.of("jobs", "d", 4));
      assertEquals("d", db.queuePull(QueuePullOptions.of("jobs")).orElseThrow().sk());
      assertEquals(3, r.get("jobs PUSHED"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocks"})
  void aRefusedPushReportsNothingAndSeveralListenersEachHearEverything(String kind) {
    try (EngineDb db = open(kind, new TestClock())) {
      Recorder one = new Recorder();
      Recorder two = new Recorder();
      db.addListener(one);
      db.addListener(two);
      assertThrows(IllegalArgumentException.class, () -> db.queuePush(List.of(
          QueueItemInput.of("jobs", "a", 1), QueueItemInput.of("jobs", "a", 2))));
      db.queuePush(QueueItemInput.of("jobs", "b", 1));
      for (Recorder r : List.of(one, two)) {
        assertEquals(1, r.get("jobs PUSHED"), r.counts::toString);
      }
    }
  }
}
