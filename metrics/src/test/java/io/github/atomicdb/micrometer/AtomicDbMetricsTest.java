package io.github.atomicdb.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.AtomicLRUCache;
import io.github.atomicdb.AtomicMemoryDb;
import io.github.atomicdb.AtomicRocksDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.ItemLock;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import io.github.atomicdb.RaceConditionException;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicDbMetricsTest {
  @TempDir Path tmp;

  /** A clock the test moves. */
  static final class ManualClock extends Clock {
    final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

    void advanceSeconds(long s) {
      millis.addAndGet(s * 1000);
    }

    @Override
    public long millis() {
      return millis.get();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }

  private static double gauge(MeterRegistry r, String name, String queue) {
    Gauge g = r.find(name).tag("queue", queue).gauge();
    assertTrue(g != null, name + " of " + queue + " is registered");
    return g.value();
  }

  private static double counter(MeterRegistry r, String name, String queue) {
    FunctionCounter c = r.find(name).tag("queue", queue).functionCounter();
    assertTrue(c != null, name + " of " + queue + " is registered");
    return c.count();
  }

  private static Timer timer(MeterRegistry r, String op) {
    Timer t = r.find("atomicdb.operation").tag("operation", op).timer();
    assertTrue(t != null, "timer of " + op);
    return t;
  }

  @Test
  void queueGaugesAndCountersFollowPushesPullsAcksTimeoutsAndDeadLetters() {
    ManualClock clock = new ManualClock();
    try (AtomicMemoryDb db = AtomicMemoryDb.builder().clock(clock).build();
        AtomicDbMetrics metrics = AtomicDbMetrics.builder(db).tags(Tags.of("store", "test")).build()) {
      MeterRegistry r = new SimpleMeterRegistry();
      metrics.bindTo(r);
      db.queuePush(List.of(QueueItemInput.of("jobs", "a", 1), QueueItemInput.of("jobs", "b", 2),
          QueueItemInput.of("jobs", "c", 3)));
      QueuePullOptions once = QueuePullOptions.of("jobs").withTtlSeconds(10).withMaxAttempts(1);
      db.queuePull(once).orElseThrow();

      assertEquals(2, gauge(r, "atomicdb.queue.available", "jobs"));
      assertEquals(1, gauge(r, "atomicdb.queue.in.flight", "jobs"));
      assertEquals(0, gauge(r, "atomicdb.queue.delayed", "jobs"));
      assertEquals(3, counter(r, "atomicdb.queue.pushes", "jobs"));
      assertEquals(1, counter(r, "atomicdb.queue.pulls", "jobs"));
      assertEquals(0, counter(r, "atomicdb.queue.timeouts", "jobs"));
      assertEquals("test", r.find("atomicdb.queue.pushes").tag("queue", "jobs").functionCounter()
          .getId().getTag("store"));

      clock.advanceSeconds(5);
      TimeGauge age = r.find("atomicdb.queue.oldest.age").tag("queue", "jobs").timeGauge();
      assertEquals(5, age.value(TimeUnit.SECONDS), 0.001);
      assertEquals("seconds", age.getId().getBaseUnit());

      clock.advanceSeconds(6); // a times out; with maxAttempts 1 the next pull dead-letters it
      List<QueueItem> got = db.queuePullBatch(once, 10);
      assertEquals(List.of("b", "c"), got.stream().map(QueueItem::sk).toList());
      assertEquals(1, counter(r, "atomicdb.queue.timeouts", "jobs"));
      assertEquals(1, counter(r, "atomicdb.queue.dead.letters", "jobs"));
      assertEquals(1, gauge(r, "atomicdb.queue.dead.letter.depth", "jobs"));
      assertEquals(1, counter(r, "atomicdb.queue.pushes", "jobs-dlq"),
          "the dead-letter queue got its meters at its first event");
      assertEquals(1, gauge(r, "atomicdb.queue.available", "jobs-dlq"));
      assertNull(r.find("atomicdb.queue.dead.letter.depth").tag("queue", "jobs-dlq").gauge(),
          "a dead-letter queue has no dead-letter queue of its own");

      assertTrue(db.queueAcknowledge(got.get(0)));
      assertEquals(1, counter(r, "atomicdb.queue.acks", "jobs"));
      assertEquals(0, gauge(r, "atomicdb.queue.available", "jobs"));
      assertEquals(1, gauge(r, "atomicdb.queue.in.flight", "jobs"));
      assertEquals(3, counter(r, "atomicdb.queue.pulls", "jobs"));
      assertEquals(2, timer(r, "pull").count());
    }
  }

  @Test
  void timersConflictsAndTheCacheHitRatio() {
    try (AtomicMemoryDb db = new AtomicMemoryDb();
        AtomicLRUCache cache = new AtomicLRUCache(db, 100)) {
      assertThrows(IllegalArgumentException.class, () -> AtomicDbMetrics.builder(cache));
      AtomicDbMetrics metrics = AtomicDbMetrics.builder(db).cache(cache).build();
      MeterRegistry r = new SimpleMeterRegistry();
      metrics.bindTo(r);

      cache.set(Item.of("p", "s", 1));
      cache.get(ItemKey.of("p", "none")); // miss: read from the store
      cache.get(ItemKey.of("p", "none")); // hit: the absence is cached
      ItemLock lock = cache.getLock(ItemKey.of("p", "s"));
      cache.setAtomic(Item.of("p", "s", 2), lock);
      assertThrows(RaceConditionException.class, () -> cache.setAtomic(Item.of("p", "s", 3), lock));

      assertEquals(1, timer(r, "set").count());
      assertEquals(1, timer(r, "get").count(), "only the miss reached the store");
      assertEquals(2, timer(r, "setAtomic").count());
      assertTrue(timer(r, "get").totalTime(TimeUnit.NANOSECONDS) > 0);
      assertEquals(0, timer(r, "pull").count());
      assertEquals(1, r.find("atomicdb.conflicts").functionCounter().count());
      assertEquals(1, r.find("atomicdb.cache.hits").functionCounter().count());
      assertEquals(1, r.find("atomicdb.cache.misses").functionCounter().count());
      assertEquals(0.5, r.find("atomicdb.cache.hit.ratio").gauge().value(), 1e-9);

      metrics.close();
      assertNull(r.find("atomicdb.operation").timer(), "close removes its meters");
      cache.set(Item.of("p", "t", 1)); // and stops listening: nothing breaks
    }
  }

  @Test
  void rocksFiguresExistingQueuesSeveralRegistriesAndClose() {
    try (AtomicRocksDb db = AtomicRocksDb.open(tmp.resolve("store"))) {
      db.queuePush(QueueItemInput.of("before", "x", 1));
      AtomicDbMetrics metrics = AtomicDbMetrics.builder(db).queues("named").build();
      MeterRegistry one = new SimpleMeterRegistry();
      MeterRegistry two = new SimpleMeterRegistry();
      metrics.bindTo(one);
      metrics.bindTo(two);
      for (MeterRegistry r : List.of(one, two)) {
        assertEquals(1, gauge(r, "atomicdb.queue.available", "before"), "an existing queue");
        assertEquals(0, gauge(r, "atomicdb.queue.available", "named"), "a named queue");
      }
      for (int i = 0; i < 2000; i++) {
        db.set(Item.of("p", String.format("%05d", i), "value " + i));
      }
      db.queuePush(QueueItemInput.of("after", "y", 1));
      for (MeterRegistry r : List.of(one, two)) {
        assertEquals(1, counter(r, "atomicdb.queue.pushes", "after"));
        assertEquals(2000, timer(r, "set").count());
        assertTrue(r.find("atomicdb.rocksdb.memtable.size").gauge().value() > 0);
        assertEquals("bytes", r.find("atomicdb.rocksdb.memtable.size").gauge().getId().getBaseUnit());
      }
      assertEquals(0, one.find("atomicdb.rocksdb.live.data.size").gauge().value(),
          "nothing in data files before a flush");
      db.compact();
      assertTrue(one.find("atomicdb.rocksdb.live.data.size").gauge().value() > 0);
      assertTrue(one.find("atomicdb.rocksdb.block.cache.usage").gauge().value() >= 0);
      assertTrue(one.find("atomicdb.rocksdb.pending.compaction.size").gauge().value() >= 0);
      metrics.close();
      assertTrue(one.getMeters().isEmpty() && two.getMeters().isEmpty());
    }
  }

  @Test
  void theReadmeRegistrationWorksAsPrinted() throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    Path dataDir = tmp.resolve("data");
    String snippet = """
        AtomicRocksDb db = AtomicRocksDb.open(Path.of("data"));
        AtomicDbMetrics metrics = AtomicDbMetrics.builder(db)
            .tags(Tags.of("store", "orders"))
            .build();
        metrics.bindTo(registry);""";
    String readme = Files.readString(Path.of("..", "README.md"));
    assertTrue(readme.contains(snippet), "README shows the lines this test runs");
    // the same lines, with the store in a temporary directory
    AtomicRocksDb db = AtomicRocksDb.open(dataDir);
    AtomicDbMetrics metrics = AtomicDbMetrics.builder(db)
        .tags(Tags.of("store", "orders"))
        .build();
    metrics.bindTo(registry);
    try (db; metrics) {
      db.queuePush(QueueItemInput.of("jobs", "j"));
      assertEquals(1, registry.find("atomicdb.queue.available").tags("store", "orders", "queue", "jobs")
          .gauge().value());
    }
  }
}
