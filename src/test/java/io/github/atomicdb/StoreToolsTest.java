package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.contract.ContractTypes.Point;
import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.Space;
import io.github.atomicdb.contract.TestClock;
import io.github.atomicdb.tools.ImportResult;
import io.github.atomicdb.tools.ItemRecord;
import io.github.atomicdb.tools.QueueEntryState;
import io.github.atomicdb.tools.QueueRecord;
import io.github.atomicdb.tools.StoreCounts;
import io.github.atomicdb.tools.StoreTools;
import io.github.atomicdb.tools.StoredValue;
import io.github.atomicdb.tools.VerifyReport;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The operator API on every engine-backed store: reads as stored, imports through the engine. */
class StoreToolsTest {
  enum Kind {
    MEMORY,
    ROCKS
  }

  @TempDir Path tmp;
  private int opened;

  /** A store that knows Point (id 100), or (knowsPoint false) knows no user class. */
  private AtomicDb open(Kind kind, Clock clock, boolean knowsPoint) {
    if (kind == Kind.MEMORY) {
      AtomicMemoryDb.Builder b = AtomicMemoryDb.builder().clock(clock);
      return knowsPoint ? b.register(Point.class, 100).build() : b.build();
    }
    AtomicRocksDb.Builder b = AtomicRocksDb.builder(tmp.resolve("s" + opened++)).clock(clock);
    return knowsPoint ? b.register(Point.class, 100).open() : b.open();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void exportedRecordsImportIntoAStoreThatDoesNotKnowTheirClassesAndBack(Kind kind) {
    TestClock clock = new TestClock(1_000_000_000_000L);
    long live = clock.seconds() + 3600;
    try (AtomicDb src = open(kind, clock, true);
        AtomicDb blind = open(kind, clock, false);
        AtomicDb back = open(kind, clock, true)) {
      src.set(Item.of("p", "a", new Point(1, 2)).withTtl(live));
      src.set(Item.of("p", "b", List.of(new Point(3, 4))));
      src.set(Item.of("p", "c", Map.of("k", 5L)));
      src.set(Item.of("p", "gone", "x").withTtl(clock.seconds() - 1));
      src.queuePush(QueueItemInput.of("q", "1", new Point(5, 6)));
      src.queuePush(QueueItemInput.of("q", "2", "two"));
      src.queuePull(QueuePullOptions.of("q"));

      List<ItemRecord> items = new ArrayList<>();
      assertEquals(1, StoreTools.of(src).exportItems(items::add), "the expired item is left out");
      List<QueueRecord> entries = new ArrayList<>();
      assertEquals(2, StoreTools.of(src).exportQueueEntries(entries::add));
      assertEquals(List.of("a", "b", "c"), items.stream().map(ItemRecord::sk).toList());
      assertEquals(QueueEntryState.IN_FLIGHT, entries.get(0).state());
      assertEquals(1, entries.get(0).attempts());

      // Through a store that cannot decode Point: kept as bytes, written back unchanged.
      StoreTools b = StoreTools.of(blind);
      assertEquals(new ImportResult(3, 0), b.importItems(items));
      assertEquals(new ImportResult(2, 0), b.importQueueEntries(entries));
      ItemRecord a = b.item("p", "a").orElseThrow();
      assertFalse(a.value().isDecoded());
      assertEquals(100, a.value().classId());
      assertEquals(live, a.ttl());
      assertFalse(b.item("p", "b").orElseThrow().value().isDecoded(), "a list holding a Point");
      assertEquals(Map.of("k", 5L), b.item("p", "c").orElseThrow().value().value());
      assertThrows(IllegalStateException.class, () -> a.value().value());

      List<ItemRecord> again = new ArrayList<>();
      b.exportItems(again::add);
      List<QueueRecord> entriesAgain = new ArrayList<>();
      b.exportQueueEntries(entriesAgain::add);
      StoreTools.of(back).importItems(again);
      StoreTools.of(back).importQueueEntries(entriesAgain);
      assertEquals(new Point(1, 2), back.get(ItemKey.of("p", "a")).orElseThrow().data());
      assertEquals(List.of(new Point(3, 4)), back.get(ItemKey.of("p", "b")).orElseThrow().data());
      assertArrayEquals(items.get(0).value().bytes(),
          StoreTools.of(back).item("p", "a").orElseThrow().value().bytes());
      // Queue entries arrive available, attempts reset, in queue order, through the push path.
      assertEquals(new QueueStats(2, 0, 0, 0), back.queueStats("q"));
      QueueItem first = back.queuePull(QueuePullOptions.of("q")).orElseThrow();
      assertEquals(new Point(5, 6), first.data());
      assertEquals(1, first.attempts());
      // Importing the same entries again leaves the queued ones alone.
      assertEquals(new ImportResult(0, 2), StoreTools.of(back).importQueueEntries(entriesAgain));
      assertTrue(StoreTools.of(back).verify(10, n -> {}).ok());
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void importChecksEveryItemAsSetDoesAndWritesNothingIfOneIsRefused(Kind kind) {
    TestClock clock = new TestClock(1_000_000_000_000L);
    try (AtomicDb db = open(kind, clock, false)) {
      StoreTools t = StoreTools.of(db);
      ItemRecord good = new ItemRecord("p", "a", null, StoredValue.of("x"));
      List<List<ItemRecord>> refused = List.of(
          List.of(good, new ItemRecord("p", "a", null, StoredValue.of("y"))), // key twice
          List.of(good, new ItemRecord("p", "b", -1L, StoredValue.of("y"))), // ttl
          List.of(good, new ItemRecord("__LOCK__p", "b", null, StoredValue.of("y"))), // reserved
          List.of(good, new ItemRecord("p", "b", null, StoredValue.of(new Point(1, 1))))); // class
      for (List<ItemRecord> batch : refused) {
        assertThrows(IllegalArgumentException.class, () -> t.importItems(batch), batch::toString);
      }
      assertTrue(db.get(ItemKey.of("p", "a")).isEmpty(), "nothing written");
      // Bytes of a class this store does not know are taken as they are (it cannot check them);
      // a built-in value whose bytes are damaged is refused.
      assertEquals(new ImportResult(1, 0), t.importItems(
          List.of(new ItemRecord("p", "raw", null, StoredValue.raw(new byte[] {102, 1})))));
      byte[] text = java.util.Arrays.copyOf(bytesOf(db, "hello"), 4); // cut short
      assertThrows(IllegalArgumentException.class, () -> t.importItems(
          List.of(new ItemRecord("p", "c", null, StoredValue.raw(text)))));
      assertEquals(new ImportResult(1, 1), t.importItems(List.of(good,
          new ItemRecord("p", "old", clock.seconds() - 1, StoredValue.of(1)))));
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void peekCountsAndQueueNamesChangeNothing(Kind kind) {
    TestClock clock = new TestClock(1_000_000_000_000L);
    try (AtomicDb db = open(kind, clock, false)) {
      db.queuePush(List.of(QueueItemInput.of("q", "1", "a"), QueueItemInput.of("q", "2", "b"),
          QueueItemInput.of("q", "3", "c").withDelaySeconds(60)));
      db.queuePull(QueuePullOptions.of("q").withTtlSeconds(10));
      db.set(Item.of("p", "a", 1));
      db.set(Item.of("p", "b", 1).withTtl(clock.seconds() + 5));
      db.getLock(ItemKey.of("p", "a"));
      StoreTools t = StoreTools.of(db);
      assertEquals(List.of(QueueEntryState.IN_FLIGHT, QueueEntryState.AVAILABLE,
          QueueEntryState.DELAYED), t.peek("q", 0).stream().map(QueueRecord::state).toList());
      clock.advanceSeconds(61);
      assertEquals(List.of(QueueEntryState.LEASE_EXPIRED, QueueEntryState.AVAILABLE),
          t.peek("q", 2).stream().map(QueueRecord::state).toList());
      assertEquals(QueueEntryState.DELAY_PASSED, t.peek("q", 0).get(2).state());
      assertEquals(new StoreCounts(1, 1, 1, 3), t.counts(n -> {}));
      assertEquals(List.of("q"), t.queueNames());
      assertFalse(t.queueExists("nope"));
      assertEquals(List.of("q"), t.queueNames(), "asking about a queue creates nothing");
      assertEquals(1, db.queuePull(QueuePullOptions.of("q")).orElseThrow().attempts() - 1,
          "peek is not a delivery: the timed-out entry comes back on its second delivery");
      assertThrows(IllegalArgumentException.class, () -> t.peek("q", -1));
      assertThrows(IllegalArgumentException.class, () -> t.queueExists(""));
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void verifyFindsAnIndexLeftBehindAndCountersThatDoNotAddUp(Kind kind) {
    try (AtomicDb db = open(kind, Clock.systemUTC(), false)) {
      db.queuePush(QueueItemInput.of("q", "1", "a"));
      db.set(Item.of("p", "a", 1));
      VerifyReport ok = StoreTools.of(db).verify(10, n -> {});
      assertTrue(ok.ok(), ok::toString);
      assertEquals(1, ok.items());
      assertEquals(1, ok.queueEntries());
      assertEquals(2, ok.queueIndexRecords(), "counters and the ready index");
      deleteQueueEntryRecord(db, "q", "1");
      VerifyReport bad = StoreTools.of(db).verify(10, n -> {});
      assertEquals(2, bad.problemCount(), bad::toString);
      assertTrue(bad.problems().get(0).problem().contains("index record without a matching"), bad::toString);
      assertTrue(bad.problems().get(1).problem().contains("counters do not account"), bad::toString);
      assertEquals(1, StoreTools.of(db).verify(1, n -> {}).problems().size(), "listing is capped");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void toolsRefuseACacheAndAClosedStore(Kind kind) {
    AtomicDb db = open(kind, Clock.systemUTC(), false);
    try (AtomicLRUCache cache = new AtomicLRUCache(db, 10)) {
      assertThrows(IllegalArgumentException.class, () -> StoreTools.of(cache));
      StoreTools t = StoreTools.of(db);
      db.close();
      assertThrows(IllegalStateException.class, () -> t.counts(n -> {}));
      assertThrows(IllegalStateException.class, () -> StoreTools.of(db));
    }
  }

  private static byte[] bytesOf(AtomicDb db, Object value) {
    return ((EngineDb) db).codec.encode(value);
  }

  /** Deletes an entry record behind the engine's back, leaving its index and counters. */
  private static void deleteQueueEntryRecord(AtomicDb db, String pk, String sk) {
    ((EngineDb) db).kv.write(List.of(KvOp.delete(Space.QUEUE, KeyCodec.encode(pk, sk))));
    ((EngineDb) db).queue.forgetRecords();
  }
}
