package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.contract.TestClock;
import io.github.atomicdb.internal.MemoryKv;
import io.github.atomicdb.internal.QueueLayout;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.Space;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One damaged queue entry never stops its queue, on every engine path (single writer and shared,
 * memory and RocksDB): a pull moves it aside and goes on to the next entry, and key-based
 * acknowledge, release, extend and redrive never throw because of it. Counters stay exact.
 */
class DamagedQueueEntryTest {
  @TempDir Path dir;
  private EngineDb db;
  private final TestClock clock = new TestClock();

  private EngineDb open(String kind) {
    db = switch (kind) {
      case "memory" -> AtomicMemoryDb.builder().clock(clock).build();
      case "rocks" -> AtomicRocksDb.builder(dir.resolve("store")).clock(clock).open();
      case "shared-memory" -> (EngineDb) SharedKv.open("shared memory", new MemoryKv(), clock);
      default -> (EngineDb) SharedKv.rocks(dir.resolve("shared"), clock);
    };
    return db;
  }

  @AfterEach
  void close() {
    db.close();
  }

  /** Flips a bit inside the stored entry record of (pk, sk). */
  static void damage(EngineDb db, String pk, String sk) {
    byte[] k = QueueLayout.entryKey(QueueLayout.part(pk), sk.getBytes(StandardCharsets.UTF_8));
    byte[] v = db.kv.get(Space.QUEUE, k).clone();
    v[v.length - 6] ^= 0x20;
    db.kv.write(List.of(KvOp.put(Space.QUEUE, k, v)));
  }

  private void push(String pk, int n) {
    for (int i = 0; i < n; i++) {
      db.queuePush(QueueItemInput.of(pk, String.format("e%02d", i), "job " + i));
    }
  }

  private List<String> drain(String pk) {
    List<String> out = new ArrayList<>();
    for (Optional<QueueItem> it; (it = db.queuePull(QueuePullOptions.of(pk))).isPresent(); ) {
      out.add(it.get().sk());
      db.queueAcknowledge(it.get());
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocks", "shared-memory", "shared-rocks"})
  void pullsFlowPastADamagedAvailableEntry(String kind) {
    open(kind);
    push("q", 5);
    damage(db, "q", "e02");
    assertEquals(List.of("e00", "e01", "e03", "e04"), drain("q"));
    assertEquals(new QueueStats(0, 0, 0, 0), db.queueStats("q"));
    push("q", 1); // the queue still takes work
    assertEquals(List.of("e00"), drain("q"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocks", "shared-memory", "shared-rocks"})
  void pullsFlowPastADamagedEntryInFlightOrDelayed(String kind) {
    open(kind);
    push("q", 3);
    QueueItem first = db.queuePull(QueuePullOptions.of("q").withTtlSeconds(10)).orElseThrow();
    db.queuePush(QueueItemInput.of("q", "later", "delayed").withDelaySeconds(5));
    damage(db, "q", first.sk());
    damage(db, "q", "later");
    assertEquals(new QueueStats(2, 1, 1, 0), db.queueStats("q"));
    clock.advanceSeconds(20); // the delivery timed out, the delay passed: both due
    assertEquals(List.of("e01", "e02"), drain("q"));
    assertEquals(new QueueStats(0, 0, 0, 0), db.queueStats("q"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocks", "shared-memory", "shared-rocks"})
  void keyOperationsOnADamagedEntryDoNotThrow(String kind) {
    open(kind);
    push("q", 4);
    damage(db, "q", "e00");
    db.queueRelease(ItemKey.of("q", "e00"));
    assertEquals(new QueueStats(3, 0, 0, 0), db.queueStats("q"));

    damage(db, "q", "e01");
    db.queueAcknowledge(ItemKey.of("q", "e01"));
    assertEquals(new QueueStats(2, 0, 0, 0), db.queueStats("q"));

    damage(db, "q", "e02");
    assertEquals(1, db.queueRedrive("q", "r"), "only the intact entry moves");
    assertEquals(new QueueStats(0, 0, 0, 0), db.queueStats("q"));
    assertEquals(List.of("e03"), drain("r"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocks", "shared-memory", "shared-rocks"})
  void aPushOverADamagedEntryReplacesIt(String kind) {
    open(kind);
    push("q", 2);
    damage(db, "q", "e01");
    db.queuePush(QueueItemInput.of("q", "e01", "fresh"));
    QueueItem a = db.queuePull(QueuePullOptions.of("q")).orElseThrow();
    QueueItem b = db.queuePull(QueuePullOptions.of("q")).orElseThrow();
    assertEquals("e01", b.sk());
    assertEquals("fresh", b.data());
    assertTrue(db.queueAcknowledge(a) && db.queueAcknowledge(b));
    assertEquals(new QueueStats(0, 0, 0, 0), db.queueStats("q"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocks", "shared-memory", "shared-rocks"})
  void deadLetteringOntoADamagedEntryGoesOn(String kind) {
    open(kind);
    push("q", 2);
    db.queuePush(QueueItemInput.of("q-dlq", "e00", "old dead letter"));
    QueueItem got = db.queuePull(QueuePullOptions.of("q").withTtlSeconds(1).withMaxAttempts(1)).orElseThrow();
    assertEquals("e00", got.sk());
    damage(db, "q-dlq", "e00");
    clock.advanceSeconds(5);
    QueueItem next = db.queuePull(QueuePullOptions.of("q").withMaxAttempts(1)).orElseThrow();
    assertEquals("e01", next.sk());
    assertEquals(List.of("e00"), drain("q-dlq"));
  }
}
