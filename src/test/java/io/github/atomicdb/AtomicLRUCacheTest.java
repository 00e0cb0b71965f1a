package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.contract.ContractTypes;
import io.github.atomicdb.contract.TestClock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** AtomicLRUCache over a counting store: what is cached, what passes through, failures, TTL, copies. */
class AtomicLRUCacheTest {
  private final TestClock clock = new TestClock();
  private final CountingDb store = new CountingDb(memory(clock));
  private final AtomicLRUCache cache = new AtomicLRUCache(store, 1000, clock);

  private static AtomicMemoryDb memory(TestClock clock) {
    AtomicMemoryDb.Builder b = AtomicMemoryDb.builder().clock(clock);
    ContractTypes.registerAll(b::register);
    return b.build();
  }

  @AfterEach
  void close() {
    cache.close();
  }

  private static ItemKey key(String sk) {
    return ItemKey.of("p", sk);
  }

  private static Item item(String sk, Object data) {
    return Item.of("p", sk, data);
  }

  // ------------------------------------------------------------------ hits and misses

  @Test
  void hitDoesNotTouchTheStore() {
    store.inner.set(item("a", "written directly"));
    assertEquals("written directly", cache.get(key("a")).orElseThrow().data());
    assertEquals(1, store.calls("get"));
    for (int i = 0; i < 5; i++) {
      assertEquals("written directly", cache.get(key("a")).orElseThrow().data());
    }
    assertEquals(1, store.calls("get"), "hits must not read the store");
    assertEquals(new CacheStats(5, 1, 0, 5 / 6.0), cache.stats());
  }

  @Test
  void setWritesThroughAndCaches() {
    cache.set(item("a", new ArrayList<>(List.of("x", "y"))));
    assertEquals(1, store.calls("set"));
    assertEquals(Optional.of(item("a", List.of("x", "y"))), store.inner.get(key("a")));
    assertEquals(List.of("x", "y"), cache.get(key("a")).orElseThrow().data());
    assertEquals(0, store.calls("get"));
  }

  @Test
  void absentKeysAreCachedAndDeleteCachesTheAbsence() {
    assertEquals(Optional.empty(), cache.get(key("none")));
    assertEquals(Optional.empty(), cache.get(key("none")));
    assertEquals(1, store.calls("get"), "the absence is cached");
    cache.set(item("none", 7L));
    assertEquals(7L, cache.get(key("none")).orElseThrow().data());
    cache.delete(key("none"));
    assertEquals(Optional.empty(), store.inner.get(key("none")));
    assertEquals(Optional.empty(), cache.get(key("none")));
    assertEquals(1, store.calls("get"));
  }

  @Test
  void getManyServesHitsAndFetchesAllMissesInOneCallInOrder() {
    cache.set(item("b", "B"));
    cache.set(item("d", "D"));
    store.inner.set(item("a", "A"));
    store.inner.set(item("e", "E"));
    List<ItemKey> keys = List.of(key("a"), key("b"), key("c"), key("d"), key("e"), key("a"));
    List<Optional<Item>> got = cache.getMany(keys);
    assertEquals(store.inner.getMany(keys), got);
    assertEquals(1, store.calls("getMany"));
    assertEquals(0, store.calls("get"));
    assertEquals(List.of(key("a"), key("c"), key("e"), key("a")), store.lastGetManyKeys);

    assertEquals(got, cache.getMany(keys), "second read all hits");
    assertEquals(1, store.calls("getMany"));
    assertEquals(new CacheStats(2 + 6, 4, 0, 8 / 12.0), cache.stats());
    assertEquals(List.of(), cache.getMany(List.of()));
  }

  @Test
  void getManyStaysOneConsistentMomentWhenAWriteRacesIt() {
    cache.set(item("k1", "v1"));
    store.inner.set(item("k2", "v1"));
    // While the store reads the miss k2, another writer replaces both keys in one step.
    store.hook =
        (point, arg) -> {
          if (point.equals("getMany:before-read") && store.calls("getMany") == 1) {
            cache.set(List.of(item("k1", "v2"), item("k2", "v2")));
          }
        };
    List<Optional<Item>> got = cache.getMany(List.of(key("k1"), key("k2")));
    assertEquals(List.of(Optional.of(item("k1", "v2")), Optional.of(item("k2", "v2"))), got,
        "a hit from before the write must not be mixed with a miss read after it");
    assertEquals(2, store.calls("getMany"));
  }

  // ------------------------------------------------------------------ pass through

  @Test
  void locksQueriesStreamsAndQueuesPassThrough() {
    cache.set(List.of(item("a", 1L), item("b", 2L)));
    for (int i = 0; i < 2; i++) {
      ItemLock l1 = cache.getLock(key("a"));
      assertEquals(store.inner.getLock(key("a")), l1);
      assertEquals(store.inner.query(Query.of("p")), cache.query(Query.of("p")));
      try (Stream<Item> s = cache.stream(Query.of("p"))) {
        assertEquals(List.of(item("a", 1L), item("b", 2L)), s.toList());
      }
    }
    assertEquals(2, store.calls("getLock"));
    assertEquals(2, store.calls("query"));
    assertEquals(2, store.calls("stream"));

    cache.queuePush(QueueItemInput.of("q", "s1", "job1"));
    cache.queuePush(List.of(QueueItemInput.of("q", "s2", "job2"), QueueItemInput.of("q", "s3", "job3")));
    QueueItem d1 = cache.queuePull(QueuePullOptions.of("q")).orElseThrow();
    assertEquals("job1", d1.data());
    assertTrue(cache.queueExtend(d1, 60));
    assertTrue(cache.queueRelease(d1));
    List<QueueItem> batch = cache.queuePullBatch(QueuePullOptions.of("q"), 3);
    assertEquals(3, batch.size());
    assertTrue(cache.queueAcknowledge(batch.get(0)));
    cache.queueRelease(batch.get(1).key());
    cache.queueAcknowledge(batch.get(1).key());
    assertEquals(store.inner.queueStats("q"), cache.queueStats("q"));
    assertEquals(0, cache.queueRedrive("q-dlq", "q"));
    for (String m : List.of("queuePush", "queuePushList", "queuePull", "queueExtend", "queueRelease",
        "queuePullBatch", "queueAcknowledge", "queueReleaseKey", "queueAcknowledgeKey", "queueStats",
        "queueRedrive")) {
      assertEquals(1, store.calls(m), m);
    }
    assertEquals(0, store.calls("get") + store.calls("getMany"), "queues never read items");
  }

  @Test
  void setAtomicWritesThroughAndCachesAfterSuccess() {
    ItemLock lock = cache.getLock(key("a"));
    cache.setAtomic(item("a", 1L), lock);
    assertEquals(1L, cache.get(key("a")).orElseThrow().data());
    ItemLock la = cache.getLock(key("a"));
    ItemLock lb = cache.getLock(key("b"));
    cache.setAtomic(List.of(item("a", 2L), item("b", 3L)), List.of(la, lb));
    assertEquals(List.of(Optional.of(item("a", 2L)), Optional.of(item("b", 3L))),
        cache.getMany(List.of(key("a"), key("b"))));
    assertEquals(0, store.calls("get") + store.calls("getMany"));
  }

  // ------------------------------------------------------------------ failures

  @Test
  void failedSetLeavesNoStaleEntry() {
    cache.set(item("a", "v1"));
    // The store takes v2 and then reports a failure: the cache must not keep v1.
    store.failAfterWrite.set(new AtomicDbException("disk on fire"));
    assertThrows(AtomicDbException.class, () -> cache.set(item("a", "v2")));
    assertFalse(cache.isCached(key("a")));
    assertEquals("v2", cache.get(key("a")).orElseThrow().data());
    // The store refuses v3 before writing: the cache must not hold v3.
    store.failBeforeWrite.set(new AtomicDbException("disk full"));
    assertThrows(AtomicDbException.class, () -> cache.set(List.of(item("a", "v3"), item("b", "v3"))));
    assertFalse(cache.isCached(key("a")));
    assertFalse(cache.isCached(key("b")));
    assertEquals(Optional.of(item("a", "v2")), cache.get(key("a")));
    assertEquals(Optional.empty(), cache.get(key("b")));
  }

  @Test
  void refusedWritesLeaveNoEntry() {
    cache.set(item("a", "v1"));
    cache.get(key("b"));
    assertThrows(IllegalArgumentException.class,
        () -> cache.set(List.of(item("a", "v2"), item("b", "v2"), item("a", "v3"))));
    assertThrows(IllegalArgumentException.class,
        () -> cache.set(List.of(item("b", "v2"), Item.of("p", "", "bad key"))));
    assertThrows(IllegalArgumentException.class,
        () -> cache.set(item("a", new ContractTypes.Unregistered("x"))));
    assertEquals(Optional.of(item("a", "v1")), cache.get(key("a")));
    assertEquals(Optional.empty(), cache.get(key("b")));
    assertThrows(NullPointerException.class, () -> cache.set((Item) null));
    assertThrows(NullPointerException.class, () -> cache.set(Arrays.asList(item("a", "v4"), null)));
    assertThrows(NullPointerException.class, () -> cache.get(null));
    assertThrows(IllegalArgumentException.class, () -> cache.get(ItemKey.of("", "x")));
    assertEquals(Optional.of(item("a", "v1")), cache.get(key("a")));
  }

  @Test
  void raceConditionLeavesNoStaleEntry() {
    ItemLock stale = cache.getLock(key("a"));
    cache.setAtomic(item("a", "v1"), stale);
    assertEquals("v1", cache.get(key("a")).orElseThrow().data());
    assertThrows(RaceConditionException.class, () -> cache.setAtomic(item("a", "v2"), stale));
    assertFalse(cache.isCached(key("a")));
    assertEquals("v1", cache.get(key("a")).orElseThrow().data());
    ItemLock fresh = cache.getLock(key("b"));
    assertThrows(RaceConditionException.class,
        () -> cache.setAtomic(List.of(item("a", "v3"), item("b", "v3")), List.of(stale, fresh)));
    assertEquals(List.of(Optional.of(item("a", "v1")), Optional.empty()),
        cache.getMany(List.of(key("a"), key("b"))));
  }

  @Test
  void failedDeleteLeavesNoStaleEntry() {
    cache.set(item("a", "v1"));
    store.failAfterWrite.set(new AtomicDbException("lost ack"));
    assertThrows(AtomicDbException.class, () -> cache.delete(List.of(key("a"))));
    assertFalse(cache.isCached(key("a")));
    assertEquals(Optional.empty(), cache.get(key("a")));
  }

  // ------------------------------------------------------------------ eviction

  @Test
  void evictionHonoursMaxItems() {
    AtomicLRUCache small = new AtomicLRUCache(new CountingDb(memory(clock)), 10, clock);
    try {
      for (int i = 0; i < 100; i++) {
        small.set(item("k" + i, (long) i));
      }
      small.cleanUp();
      assertTrue(small.estimatedSize() <= 10, "size " + small.estimatedSize());
      assertEquals(90, small.stats().evictions());
      int cached = 0;
      for (int i = 0; i < 100; i++) {
        cached += small.isCached(key("k" + i)) ? 1 : 0;
        assertEquals((long) i, small.get(key("k" + i)).orElseThrow().data(), "k" + i);
      }
      assertTrue(cached <= 10);
      small.cleanUp();
      assertTrue(small.estimatedSize() <= 10, "size " + small.estimatedSize());
      assertEquals(100 - cached, small.stats().misses(), "evicted keys are read from the store");
    } finally {
      small.close();
    }
  }

  @Test
  void maxItemsMustBePositive() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new AtomicLRUCache(store, 0));
    assertTrue(e.getMessage().contains("maxItems") && e.getMessage().contains("0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new AtomicLRUCache(store, -5, clock));
    assertTrue(e.getMessage().contains("maxItems") && e.getMessage().contains("-5"), e.getMessage());
    assertThrows(NullPointerException.class, () -> new AtomicLRUCache(null, 10));
    assertThrows(NullPointerException.class, () -> new AtomicLRUCache(store, 10, null));
    assertEquals(1, new AtomicLRUCache(store, 1).maxItems());
  }

  // ------------------------------------------------------------------ ttl

  @Test
  void cachedItemPastItsTtlIsNeverReturned() {
    long ttl = clock.seconds() + 10;
    cache.set(item("a", "short-lived").withTtl(ttl));
    cache.set(item("b", List.of("mutable?", "no")).withTtl(ttl));
    cache.set(item("c", new ArrayList<>(List.of(1L))).withTtl(ttl));
    clock.setMillis(ttl * 1000); // now == ttl: still visible
    assertEquals(Optional.of(item("a", "short-lived").withTtl(ttl)), cache.get(key("a")));
    assertEquals(3, cache.getMany(List.of(key("a"), key("b"), key("c"))).stream()
        .filter(Optional::isPresent).count());
    clock.setMillis(ttl * 1000 + 1); // now > ttl: expired
    assertEquals(List.of(Optional.empty(), Optional.empty(), Optional.empty()),
        cache.getMany(List.of(key("a"), key("b"), key("c"))));
    assertEquals(0, store.calls("get") + store.calls("getMany"), "decided by the cache alone");
    assertFalse(cache.isCached(key("a")), "the expired entry is dropped");
    cache.set(item("d", 4L).withTtl(ttl));
    assertEquals(Optional.empty(), cache.get(key("d")));
    assertEquals(0, store.calls("get") + store.calls("getMany"), "decided by the cache alone");
    assertEquals(Optional.empty(), store.inner.get(key("a")), "consistent with the store");
    assertEquals(Optional.empty(), cache.get(key("a")));
    assertEquals(1, store.calls("get"));
  }

  @Test
  void twoArgumentConstructorReadsTheStoreClock() {
    // TestClock starts on 2026-01-01, before the wall clock: an item that expires 10 s after the
    // test clock's now is expired by the wall clock, so only the store's clock keeps it visible.
    AtomicLRUCache c = new AtomicLRUCache(memory(clock), 100);
    try {
      long ttl = clock.seconds() + 10;
      c.set(item("a", "x").withTtl(ttl));
      assertEquals("x", c.get(key("a")).orElseThrow().data());
      assertEquals(1, c.stats().hits());
      clock.advanceSeconds(11);
      assertEquals(Optional.empty(), c.get(key("a")));
      assertEquals(2, c.stats().hits());
    } finally {
      c.close();
    }
  }

  // ------------------------------------------------------------------ copies

  @Test
  void mutatingAfterSetOrAfterGetChangesNothingCached() {
    AtomicLRUCache c = new AtomicLRUCache(memory(clock), 100);
    try {
      ContractTypes.Box box = new ContractTypes.Box();
      box.items.add("one");
      c.set(Item.of("p", "box", box));
      box.items.add("mutated after set");
      ContractTypes.Box got = c.get(key("box")).orElseThrow().data(ContractTypes.Box.class);
      assertEquals(List.of("one"), got.items);
      got.items.add("mutated after get");
      ContractTypes.Box again = c.get(key("box")).orElseThrow().data(ContractTypes.Box.class);
      assertEquals(List.of("one"), again.items);
      assertNotSame(got, again);
      assertEquals(2, c.stats().hits());

      // The miss path too: the value read from the store is cached, not shared with the caller.
      ArrayList<Object> list = new ArrayList<>(List.of("a", new ArrayList<>(List.of("b"))));
      Map<String, Object> map = new java.util.HashMap<>(Map.of("k", list));
      c.set(List.of(Item.of("p", "map", map), Item.of("p", "arr", new int[] {1, 2})));
      c.delete(key("nothing"));
      c.get(key("map")).orElseThrow().data(Map.class).clear();
      ((int[]) c.get(key("arr")).orElseThrow().data())[0] = 99;
      list.add("late");
      assertEquals(Map.of("k", List.of("a", List.of("b"))), c.get(key("map")).orElseThrow().data());
      assertTrue(Arrays.equals(new int[] {1, 2}, (int[]) c.get(key("arr")).orElseThrow().data()));
    } finally {
      c.close();
    }
  }

  @Test
  void missPathCopiesWhatTheStoreReturned() {
    store.inner.set(item("a", new ArrayList<>(List.of("x"))));
    @SuppressWarnings("unchecked")
    List<String> first = (List<String>) cache.get(key("a")).orElseThrow().data();
    first.add("mutated after a miss");
    assertEquals(List.of("x"), cache.get(key("a")).orElseThrow().data());
    assertEquals(1, store.calls("get"));
  }

  @Test
  void deeplyImmutableValuesAreSharedOthersAreNot() {
    int[] budget = {1024};
    assertTrue(AtomicLRUCache.isDeeplyImmutable(List.of("a", Map.of("b", 1L)), 0, budget));
    assertTrue(AtomicLRUCache.isDeeplyImmutable(null, 0, new int[] {1024}));
    assertTrue(AtomicLRUCache.isDeeplyImmutable(java.time.Instant.EPOCH, 0, new int[] {1024}));
    assertFalse(AtomicLRUCache.isDeeplyImmutable(List.of(new ArrayList<>()), 0, new int[] {1024}));
    assertFalse(AtomicLRUCache.isDeeplyImmutable(
        java.util.Collections.unmodifiableList(new ArrayList<>()), 0, new int[] {1024}));
    assertFalse(AtomicLRUCache.isDeeplyImmutable(new java.math.BigDecimal("1") {}, 0,
        new int[] {1024}));
    assertFalse(AtomicLRUCache.isDeeplyImmutable(new java.util.Date(), 0, new int[] {1024}));
    assertFalse(AtomicLRUCache.isDeeplyImmutable(new byte[0], 0, new int[] {1024}));
    assertFalse(AtomicLRUCache.isDeeplyImmutable(new ContractTypes.Point(1, 2), 0, new int[] {1024}));
  }

  @Test
  void userTypesOfAForeignStorePassThroughUncached() {
    // CountingDb is not built by this library: the cache cannot encode Box, so it does not cache it.
    ContractTypes.Box box = new ContractTypes.Box();
    box.items.add("x");
    cache.set(item("box", box));
    assertFalse(cache.isCached(key("box")));
    assertEquals(box, cache.get(key("box")).orElseThrow().data());
    assertEquals(box, cache.get(key("box")).orElseThrow().data());
    assertEquals(2, store.calls("get"));
  }

  // ------------------------------------------------------------------ lifecycle

  @Test
  void closingTheWrappedStoreDirectlyStopsHitsToo() {
    AtomicMemoryDb mem = memory(clock);
    AtomicLRUCache c = new AtomicLRUCache(mem, 10);
    c.set(item("a", "x"));
    assertEquals("x", c.get(key("a")).orElseThrow().data());
    mem.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.get(key("a")));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    c.close();
    c.close();
  }

  @Test
  void closeClosesTheStoreOnceAndUseAfterCloseThrows() {
    cache.set(item("a", "x"));
    cache.close();
    cache.close();
    assertEquals(1, store.calls("close"));
    assertThrows(IllegalStateException.class, () -> store.inner.get(key("a")));
    assertThrows(IllegalStateException.class, () -> cache.get(key("a")));
    assertThrows(IllegalStateException.class, () -> cache.getMany(List.of(key("a"))));
    assertThrows(IllegalStateException.class, () -> cache.set(item("a", "y")));
    assertThrows(IllegalStateException.class, () -> cache.delete(key("a")));
    assertThrows(IllegalStateException.class, () -> cache.getLock(key("a")));
    assertThrows(IllegalStateException.class, () -> cache.query(Query.of("p")));
    assertThrows(IllegalStateException.class, () -> cache.queuePull(QueuePullOptions.of("q")));
  }
}
