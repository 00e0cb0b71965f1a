package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.contract.TestClock;
import io.github.atomicdb.internal.MemoryKv;
import io.github.atomicdb.internal.QueueLayout;
import io.github.atomicdb.internal.RocksKv;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.Space;
import io.github.atomicdb.tools.QuarantinedEntry;
import io.github.atomicdb.tools.StoreTools;
import io.github.atomicdb.tools.VerifyReport;
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

  /** Flips a bit inside the stored entry record of (pk, sk); returns the damaged bytes. */
  static byte[] damage(EngineDb db, String pk, String sk) {
    byte[] k = QueueLayout.entryKey(QueueLayout.part(pk), sk.getBytes(StandardCharsets.UTF_8));
    byte[] v = db.kv.get(Space.QUEUE, k).clone();
    v[v.length - 6] ^= 0x20;
    db.kv.write(List.of(KvOp.put(Space.QUEUE, k, v)));
    db.queue.forgetRecords(); // a running writer serves its recent records from memory
    return v;
  }

  /** The operator API over any of the engines (StoreTools.of takes the public stores only). */
  private StoreTools tools() {
    return new EngineTools(db);
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

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocks", "shared-memory", "shared-rocks"})
  void theQuarantineKeepsTheBytesReportsThemAndCanBeCleared(String kind) {
    open(kind);
    StoreTools tools = tools();
    push("q", 3);
    byte[] bad = damage(db, "q", "e01");
    assertFalse(tools.verify(100, n -> {}).ok(), "verify sees the damaged entry");
    assertEquals(List.of("e00", "e02"), drain("q"));

    List<QuarantinedEntry> held = tools.quarantined("q", 0);
    assertEquals(1, held.size());
    QuarantinedEntry e = held.get(0);
    assertEquals("q", e.pk());
    assertEquals("e01", e.sk());
    assertEquals(clock.millis(), e.quarantinedAtMillis());
    assertTrue(e.intact() && e.reason().contains("checksum"), e.reason());
    assertArrayEquals(bad, e.bytes(), "the bytes exactly as found");
    assertEquals(1, tools.quarantinedCount("q"));
    assertEquals(1, tools.quarantinedCount(null));
    assertEquals(0, tools.quarantinedCount("other"));
    assertEquals(held, tools.quarantined(null, 0));

    VerifyReport r = tools.verify(100, n -> {});
    assertEquals(1, r.problemCount(), r.problems().toString());
    VerifyReport.Problem p = r.problems().get(0);
    assertEquals("quarantine", p.space());
    assertEquals("queue entry (pk 'q', sk 'e01')", p.key());

    // the same sk damaged again is kept beside the first copy
    db.queuePush(QueueItemInput.of("q", "e01", "again"));
    damage(db, "q", "e01");
    clock.advanceSeconds(1);
    assertEquals(List.of(), drain("q"));
    assertEquals(2, tools.quarantinedCount("q"));
    assertEquals(2, tools.deleteQuarantined("q", "e01"));
    assertEquals(0, tools.deleteQuarantined("q", "e01"));
    assertTrue(tools.verify(100, n -> {}).ok(), tools.verify(100, n -> {}).problems().toString());

    // key-based acknowledge of a quarantined key deletes the copy; of a damaged entry, the entry
    push("q", 3);
    damage(db, "q", "e00");
    damage(db, "q", "e01");
    assertEquals(List.of("e02"), drain("q"));
    db.queueAcknowledge(ItemKey.of("q", "e00"));
    assertEquals(List.of("e01"), tools.quarantined("q", 0).stream().map(QuarantinedEntry::sk).toList());
    push("q", 1);
    damage(db, "q", "e00");
    db.queueAcknowledge(ItemKey.of("q", "e00"));
    assertEquals(1, tools.quarantinedCount("q"), "deleted, not moved aside");
    assertEquals(new QueueStats(0, 0, 0, 0), db.queueStats("q"));
    db.queueAcknowledge(ItemKey.of("q", "e01"));
    assertEquals(0, tools.quarantinedCount(null));
    assertTrue(tools.verify(100, n -> {}).ok());
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocks", "shared-memory", "shared-rocks"})
  void dataThatDoesNotDecodeUnderAValidChecksumIsQuarantinedToo(String kind) {
    open(kind);
    push("q", 3);
    byte[] part = QueueLayout.part("q");
    byte[] k = QueueLayout.entryKey(part, "e01".getBytes(StandardCharsets.UTF_8));
    QueueLayout.Entry e = QueueLayout.openEntry(k, db.kv.get(Space.QUEUE, k), "e01");
    // a byte[] (class id 10) claiming 100 bytes, with none
    byte[] forged = QueueLayout.entry(k, new QueueLayout.Entry(e.state(), e.attempts(), e.time(),
        e.enqueuedAt(), e.flags(), e.receipt(), new byte[] {0x0C, 0x65}));
    db.kv.write(List.of(KvOp.put(Space.QUEUE, k, forged)));
    db.queue.forgetRecords();
    assertEquals(List.of("e00", "e02"), drain("q"));
    assertEquals(new QueueStats(0, 0, 0, 0), db.queueStats("q"));
    List<QuarantinedEntry> held = tools().quarantined("q", 0);
    assertEquals(1, held.size());
    assertArrayEquals(forged, held.get(0).bytes());
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocks", "shared-memory", "shared-rocks"})
  void damagedCountersAreCountedAgainFromTheIndexes(String kind) {
    open(kind);
    push("q", 3);
    db.queuePull(QueuePullOptions.of("q")).orElseThrow();
    db.queuePush(QueueItemInput.of("q", "later", "x").withDelaySeconds(60));
    byte[] k = QueueLayout.countersKey(QueueLayout.part("q"));
    if (kind.equals("rocks")) {
      // One writer keeps the counters in memory and writes them back at close: damage the
      // record on disk with the store closed, then a new engine reads it.
      db.close();
      try (RocksKv kv = RocksKv.open(dir.resolve("store"),
          new RocksKv.Settings(false, 8L << 20, Compression.LZ4, 4L << 20))) {
        byte[] v = kv.get(Space.QINDEX, k).clone();
        v[3] ^= 0x01;
        kv.write(List.of(KvOp.put(Space.QINDEX, k, v)));
      }
      open(kind);
    } else {
      byte[] v = db.kv.get(Space.QINDEX, k).clone();
      v[3] ^= 0x01;
      db.kv.write(List.of(KvOp.put(Space.QINDEX, k, v)));
    }
    assertEquals(new QueueStats(2, 1, 1, 0), db.queueStats("q"));
    assertEquals(List.of("e01", "e02"), drain("q"));
    assertEquals(new QueueStats(0, 1, 1, 0), db.queueStats("q"));
    assertTrue(tools().verify(100, n -> {}).ok(), tools().verify(100, n -> {}).problems().toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocks", "shared-memory", "shared-rocks"})
  void aSweepSetsAsideOnlyTheDamagedEntriesWithoutDeliveringAny(String kind) {
    open(kind);
    StoreTools tools = tools();
    push("q", 5);
    QueueItem held = db.queuePull(QueuePullOptions.of("q")).orElseThrow(); // e00 in flight
    damage(db, "q", "e00");
    damage(db, "q", "e03");
    assertEquals(2, tools.setAsideDamaged("q"));
    assertEquals(0, tools.setAsideDamaged("q"));
    assertEquals(0, tools.setAsideDamaged("never-used"));
    assertEquals(List.of("e01", "e02", "e04"),
        tools.peek("q", 0).stream().map(io.github.atomicdb.tools.QueueRecord::sk).toList());
    assertEquals(new QueueStats(3, 0, 0, 0), db.queueStats("q"));
    assertFalse(db.queueAcknowledge(held), "the damaged delivery's entry is gone");
    assertEquals(2, tools.quarantinedCount("q"));
    assertEquals(List.of("e01", "e02", "e04"), drain("q"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "shared-memory"})
  void quarantineCallsCheckTheirArguments(String kind) {
    open(kind);
    StoreTools tools = tools();
    assertThrows(IllegalArgumentException.class, () -> tools.quarantined("q", -1));
    assertThrows(IllegalArgumentException.class, () -> tools.quarantined("", 0));
    assertThrows(IllegalArgumentException.class, () -> tools.quarantinedCount("__LOCK__x"));
    assertThrows(IllegalArgumentException.class, () -> tools.deleteQuarantined("q", ""));
    assertThrows(IllegalArgumentException.class, () -> tools.setAsideDamaged(""));
    assertEquals(List.of(), tools.quarantined(null, 0));
    assertEquals(0, tools.quarantinedCount(null));
  }
}
