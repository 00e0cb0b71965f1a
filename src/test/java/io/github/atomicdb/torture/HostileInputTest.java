package io.github.atomicdb.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.ItemLock;
import io.github.atomicdb.Query;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import io.github.atomicdb.QueueStats;
import io.github.atomicdb.contract.ContractTypes;
import io.github.atomicdb.contract.TestClock;
import io.github.atomicdb.torture.Stores.Kind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Hostile input on every implementation: every method that takes a key, given null, empty,
 * oversized, invalid-UTF-16 and reserved keys, refuses with the documented exception whose
 * message names the field, and writes nothing; setAtomic naming a key or lock twice; 10,000-item
 * batches; values of unregistered classes.
 */
class HostileInputTest {
  @TempDir Path dir;
  private AtomicDb db;
  private final TestClock clock = new TestClock(System.currentTimeMillis());

  private AtomicDb open(Kind kind) {
    db = Stores.open(kind, dir.resolve("store"), clock);
    return db;
  }

  @AfterEach
  void close() {
    if (db != null) {
      db.close();
    }
  }

  /** A bad key part: its value, and what it must raise. */
  record Bad(String name, String value, Class<? extends RuntimeException> error, String mentions) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Bad> badParts(String field, int maxBytes) {
    return List.of(
        new Bad("empty " + field, "", IllegalArgumentException.class, field),
        new Bad("oversized ASCII " + field, "k".repeat(maxBytes + 1), IllegalArgumentException.class, String.valueOf(maxBytes)),
        // 2-byte UTF-8 characters: few chars, too many bytes (the limit is in bytes, not chars)
        new Bad("oversized UTF-8 " + field, "\u00e9".repeat(maxBytes / 2 + 1), IllegalArgumentException.class, String.valueOf(maxBytes)),
        new Bad("lone high surrogate in " + field, "ab\ud83d", IllegalArgumentException.class, field),
        new Bad("lone low surrogate in " + field, "\ude00ab", IllegalArgumentException.class, field),
        new Bad("reversed surrogate pair in " + field, "\ude00\ud83d", IllegalArgumentException.class, field),
        new Bad("reserved __LOCK__ " + field, "__LOCK__x", IllegalArgumentException.class, "__LOCK__"),
        new Bad("reserved __ATOMICDB__ " + field, "__ATOMICDB__", IllegalArgumentException.class, "__ATOMICDB__"));
  }

  /** Every call of the API that takes (pk, sk), as a function of the key. */
  static Map<String, Function<ItemKey, Executable>> keyCalls(AtomicDb db) {
    Map<String, Function<ItemKey, Executable>> m = new java.util.LinkedHashMap<>();
    m.put("get", k -> () -> db.get(k));
    m.put("getMany", k -> () -> db.getMany(List.of(ItemKey.of("ok", "ok"), k)));
    m.put("getLock", k -> () -> db.getLock(k));
    m.put("set", k -> () -> db.set(Item.of(k.pk(), k.sk(), 1)));
    m.put("set(list)", k -> () -> db.set(List.of(Item.of("ok", "ok", 1), Item.of(k.pk(), k.sk(), 1))));
    m.put("setAtomic(item)", k -> () -> db.setAtomic(Item.of(k.pk(), k.sk(), 1), new ItemLock("ok", "ok", "v", 0L)));
    m.put("setAtomic(lock)", k -> () -> db.setAtomic(Item.of("ok", "ok", 1), new ItemLock(k.pk(), k.sk(), "v", 0L)));
    m.put("setAtomic(lists)", k -> () -> db.setAtomic(
        List.of(Item.of("ok", "ok", 1), Item.of(k.pk(), k.sk(), 1)),
        List.of(new ItemLock("ok", "ok", "v", 0L), new ItemLock("ok", "ok2", "v", 0L))));
    m.put("delete", k -> () -> db.delete(k));
    m.put("delete(list)", k -> () -> db.delete(List.of(ItemKey.of("ok", "ok"), k)));
    m.put("queuePush", k -> () -> db.queuePush(QueueItemInput.of(k.pk(), k.sk(), 1)));
    m.put("queuePush(list)", k -> () -> db.queuePush(List.of(QueueItemInput.of("okq", "ok", 1), QueueItemInput.of(k.pk(), k.sk(), 1))));
    m.put("queueAcknowledge(key)", k -> () -> db.queueAcknowledge(k));
    m.put("queueRelease(key)", k -> () -> db.queueRelease(k));
    m.put("queueAcknowledge(delivery)", k -> () -> db.queueAcknowledge(delivery(k)));
    m.put("queueRelease(delivery)", k -> () -> db.queueRelease(delivery(k)));
    m.put("queueExtend(delivery)", k -> () -> db.queueExtend(delivery(k), 10));
    return m;
  }

  /** Every call of the API that takes only a pk (a partition or a queue). */
  static Map<String, Function<String, Executable>> pkCalls(AtomicDb db) {
    Map<String, Function<String, Executable>> m = new java.util.LinkedHashMap<>();
    m.put("query", pk -> () -> db.query(Query.of(pk)));
    m.put("stream", pk -> () -> {
      try (Stream<Item> s = db.stream(Query.of(pk))) {
        s.count();
      }
    });
    m.put("queuePush(generated sk)", pk -> () -> db.queuePush(QueueItemInput.of(pk, 1)));
    m.put("queuePull", pk -> () -> db.queuePull(QueuePullOptions.of(pk)));
    m.put("queuePullBatch", pk -> () -> db.queuePullBatch(QueuePullOptions.of(pk), 3));
    m.put("queuePull(dead-letter queue)", pk -> () -> db.queuePull(QueuePullOptions.of("okq").withMaxAttempts(1).withDeadLetterQueue(pk)));
    m.put("queueStats", pk -> () -> db.queueStats(pk));
    m.put("queueRedrive(from)", pk -> () -> db.queueRedrive(pk, "okq"));
    m.put("queueRedrive(to)", pk -> () -> db.queueRedrive("okq", pk));
    return m;
  }

  static QueueItem delivery(ItemKey k) {
    return new QueueItem(k.pk(), k.sk(), null, true, 0, 1, "01ARZ3NDEKTSV4RRFFQ69G5FAV");
  }

  private static void refused(String what, Bad bad, Executable call) {
    RuntimeException e = assertThrows(bad.error(), call, what + " with " + bad);
    String msg = String.valueOf(e.getMessage());
    assertTrue(msg.contains(bad.mentions()), what + " with " + bad + ": message should name "
        + bad.mentions() + ", was: " + msg);
  }

  /** Nothing any refused call tried to write is there. */
  private void assertNothingWritten() {
    assertEquals(List.of(), db.query(Query.of("ok")), "refused calls wrote items");
    assertEquals(new QueueStats(0, 0, 0, 0), db.queueStats("okq"), "refused calls pushed entries");
    assertTrue(db.queuePull(QueuePullOptions.of("okq")).isEmpty());
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void everyKeyTakingMethodRefusesBadKeysAndWritesNothing(Kind kind) {
    open(kind);
    int checked = 0;
    for (Map.Entry<String, Function<ItemKey, Executable>> c : keyCalls(db).entrySet()) {
      for (Bad bad : badParts("pk", 2048)) {
        refused(c.getKey(), bad, c.getValue().apply(ItemKey.of(bad.value(), "ok")));
        checked++;
      }
      for (Bad bad : badParts("sk", 1024)) {
        refused(c.getKey(), bad, c.getValue().apply(ItemKey.of("ok", bad.value())));
        checked++;
      }
    }
    for (Map.Entry<String, Function<String, Executable>> c : pkCalls(db).entrySet()) {
      for (Bad bad : badParts("pk", 2048)) {
        refused(c.getKey(), bad, c.getValue().apply(bad.value()));
        checked++;
      }
    }
    // A bad sort-key prefix in a query (a lone surrogate, or longer than any sk).
    for (String p : List.of("\ud83d", "\ude00x", "k".repeat(1025))) {
      assertThrows(IllegalArgumentException.class, () -> db.query(Query.of("ok").withSkPrefix(p)), "prefix " + p);
      checked++;
    }
    assertNothingWritten();
    assertTrue(checked > 300, "checked " + checked);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void keysAtTheLimitsAreAccepted(Kind kind) {
    open(kind);
    String pk = "p".repeat(2048); // 2048 bytes
    String sk = "\u00e9".repeat(512); // 1024 bytes
    String astral = "\ud83d\ude00".repeat(256); // 1024 bytes, valid surrogate pairs
    db.set(Item.of(pk, sk, 1));
    db.set(Item.of(pk, astral, 2));
    assertEquals(1, db.get(ItemKey.of(pk, sk)).orElseThrow().data());
    assertEquals(2, db.get(ItemKey.of(pk, astral)).orElseThrow().data());
    ItemLock l = db.getLock(ItemKey.of(pk, astral));
    db.setAtomic(Item.of(pk, astral, 5), l);
    assertEquals(5, db.get(ItemKey.of(pk, astral)).orElseThrow().data());
    db.queuePush(QueueItemInput.of(pk, sk, "x"));
    assertEquals(sk, db.queuePull(QueuePullOptions.of(pk)).orElseThrow().sk());
    // Reserved prefixes only count at the start; NUL and 0xFF-free UTF-8 inside keys are fine.
    db.set(Item.of("x__LOCK__", "y__ATOMICDB__", 3));
    db.set(Item.of("a\u0000b", "\u0000", 4));
    assertEquals(3, db.get(ItemKey.of("x__LOCK__", "y__ATOMICDB__")).orElseThrow().data());
    assertEquals(4, db.get(ItemKey.of("a\u0000b", "\u0000")).orElseThrow().data());
    assertTrue(db.get(ItemKey.of("a", "\u0000")).isEmpty());
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void nullsAreRefusedWithNullPointerException(Kind kind) {
    open(kind);
    assertThrows(NullPointerException.class, () -> ItemKey.of(null, "s"));
    assertThrows(NullPointerException.class, () -> ItemKey.of("p", null));
    assertThrows(NullPointerException.class, () -> Item.of(null, "s", 1));
    assertThrows(NullPointerException.class, () -> QueueItemInput.of(null, 1));
    assertThrows(NullPointerException.class, () -> Query.of(null));
    assertThrows(NullPointerException.class, () -> db.get(null));
    assertThrows(NullPointerException.class, () -> db.getMany(null));
    assertThrows(NullPointerException.class, () -> db.getMany(Arrays.asList(ItemKey.of("ok", "ok"), null)));
    assertThrows(NullPointerException.class, () -> db.getLock(null));
    assertThrows(NullPointerException.class, () -> db.set((Item) null));
    assertThrows(NullPointerException.class, () -> db.set((List<Item>) null));
    assertThrows(NullPointerException.class, () -> db.set(Arrays.asList(Item.of("ok", "ok", 1), null)));
    assertThrows(NullPointerException.class, () -> db.setAtomic(null, db.getLock(ItemKey.of("ok", "l"))));
    assertThrows(NullPointerException.class, () -> db.setAtomic(Item.of("ok", "ok", 1), null));
    assertThrows(NullPointerException.class, () -> db.setAtomic(null, List.of()));
    assertThrows(NullPointerException.class, () -> db.setAtomic(
        Arrays.asList(Item.of("ok", "ok", 1)), Arrays.asList((ItemLock) null)));
    assertThrows(NullPointerException.class, () -> db.delete((ItemKey) null));
    assertThrows(NullPointerException.class, () -> db.delete(Arrays.asList(ItemKey.of("ok", "ok"), null)));
    assertThrows(NullPointerException.class, () -> db.query(null));
    assertThrows(NullPointerException.class, () -> db.stream(null));
    assertThrows(NullPointerException.class, () -> db.queuePush((QueueItemInput) null));
    assertThrows(NullPointerException.class, () -> db.queuePush(Arrays.asList(QueueItemInput.of("okq", 1), null)));
    assertThrows(NullPointerException.class, () -> db.queuePull(null));
    assertThrows(NullPointerException.class, () -> db.queuePullBatch(null, 1));
    assertThrows(NullPointerException.class, () -> db.queueAcknowledge((ItemKey) null));
    assertThrows(NullPointerException.class, () -> db.queueAcknowledge((QueueItem) null));
    assertThrows(NullPointerException.class, () -> db.queueRelease((ItemKey) null));
    assertThrows(NullPointerException.class, () -> db.queueRelease((QueueItem) null));
    assertThrows(NullPointerException.class, () -> db.queueExtend(null, 10));
    assertThrows(NullPointerException.class, () -> db.queueStats(null));
    assertThrows(NullPointerException.class, () -> db.queueRedrive(null, "okq"));
    assertThrows(NullPointerException.class, () -> db.queueRedrive("okq", null));
    assertEquals(List.of(), db.query(Query.of("ok")));
    assertEquals(new QueueStats(0, 0, 0, 0), db.queueStats("okq"));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void setAtomicNamingAKeyOrALockTwiceIsRefusedAndWritesNothing(Kind kind) {
    open(kind);
    ItemLock a = db.getLock(ItemKey.of("ok", "a"));
    ItemLock b = db.getLock(ItemKey.of("ok", "b"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> db.setAtomic(
        List.of(Item.of("ok", "a", 1), Item.of("ok", "a", 2)), List.of(a, b)));
    assertTrue(e.getMessage().contains("twice"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> db.setAtomic(
        List.of(Item.of("ok", "a", 1), Item.of("ok", "b", 2)), List.of(a, a)));
    assertTrue(e.getMessage().contains("twice"), e.getMessage());
    // The same lock twice with different version strings is still the same lock.
    ItemLock a2 = new ItemLock("ok", "a", "other", a.ttl());
    assertThrows(IllegalArgumentException.class, () -> db.setAtomic(
        List.of(Item.of("ok", "a", 1), Item.of("ok", "b", 2)), List.of(a, a2)));
    assertThrows(IllegalArgumentException.class, () -> db.setAtomic(
        List.of(Item.of("ok", "a", 1)), List.of(a, b)));
    assertThrows(IllegalArgumentException.class, () -> db.set(
        List.of(Item.of("ok", "a", 1), Item.of("ok", "a", 2))));
    assertThrows(IllegalArgumentException.class, () -> db.queuePush(
        List.of(QueueItemInput.of("okq", "s", 1), QueueItemInput.of("okq", "s", 2))));
    assertEquals(List.of(), db.query(Query.of("ok")));
    assertEquals(new QueueStats(0, 0, 0, 0), db.queueStats("okq"));
    // The locks were not consumed by the refused calls.
    db.setAtomic(List.of(Item.of("ok", "a", 1), Item.of("ok", "b", 2)), List.of(a, b));
    assertEquals(2, db.query(Query.of("ok")).size());
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void tenThousandItemBatches(Kind kind) {
    open(kind);
    int n = 10_000;
    List<Item> items = new ArrayList<>(n);
    List<ItemKey> keys = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      items.add(Item.of("big", String.format("%05d", i), i));
      keys.add(ItemKey.of("big", String.format("%05d", i)));
    }
    // One bad item at the very end: the whole batch is refused.
    List<Item> withBad = new ArrayList<>(items);
    withBad.add(Item.of("big", "", 0));
    assertThrows(IllegalArgumentException.class, () -> db.set(withBad));
    assertEquals(0, db.query(Query.of("big").withLimit(1)).size());

    db.set(items);
    List<Item> all = db.query(Query.of("big"));
    assertEquals(n, all.size());
    for (int i = 0; i < n; i++) {
      assertEquals(i, all.get(i).data());
    }
    List<java.util.Optional<Item>> many = db.getMany(keys);
    assertEquals(n, many.size());
    assertEquals(n - 1, many.get(n - 1).orElseThrow().data());
    List<ItemKey> withBadKey = new ArrayList<>(keys);
    withBadKey.add(ItemKey.of("big", "__LOCK__"));
    assertThrows(IllegalArgumentException.class, () -> db.delete(withBadKey));
    assertEquals(n, db.query(Query.of("big")).size());
    db.delete(keys);
    assertEquals(0, db.query(Query.of("big")).size());

    List<QueueItemInput> pushes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      pushes.add(QueueItemInput.of("bigq", i));
    }
    List<QueueItemInput> badPushes = new ArrayList<>(pushes);
    badPushes.add(QueueItemInput.of("bigq", new ContractTypes.Unregistered("x")));
    assertThrows(IllegalArgumentException.class, () -> db.queuePush(badPushes));
    assertEquals(new QueueStats(0, 0, 0, 0), db.queueStats("bigq"));
    db.queuePush(pushes);
    assertEquals(n, db.queueStats("bigq").available());
    int next = 0;
    while (true) {
      List<QueueItem> got = db.queuePullBatch(QueuePullOptions.of("bigq"), 1000);
      if (got.isEmpty()) {
        break;
      }
      for (QueueItem q : got) {
        assertEquals(next++, q.data(), "push order");
        assertTrue(db.queueAcknowledge(q));
      }
    }
    assertEquals(n, next);
    assertEquals(new QueueStats(0, 0, 0, 0), db.queueStats("bigq"));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void valuesOfUnregisteredClassesAreRefusedNamingTheClass(Kind kind) {
    open(kind);
    Object[] bad = {
      new ContractTypes.Unregistered("x"),
      List.of(1, new ContractTypes.Unregistered("nested")),
      Map.of("k", new ContractTypes.Unregistered("in a map")),
      new StringBuilder("a JDK class that is not built in"),
      new Thread(() -> {}),
    };
    for (Object v : bad) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> db.set(Item.of("ok", "v", v)));
      assertTrue(e.getMessage().contains(v.getClass() == Thread.class ? "Thread" : v instanceof StringBuilder ? "StringBuilder" : "Unregistered"),
          e.getMessage());
      assertTrue(e.getMessage().contains("register("), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> db.queuePush(QueueItemInput.of("okq", v)));
      assertThrows(IllegalArgumentException.class, () -> db.setAtomic(Item.of("ok", "v", v), db.getLock(ItemKey.of("ok", "v"))));
    }
    assertFalse(db.get(ItemKey.of("ok", "v")).isPresent());
    assertNothingWritten();
    // The lock was never consumed: a good write with it succeeds.
    db.setAtomic(Item.of("ok", "v", 1), db.getLock(ItemKey.of("ok", "v")));
    assertEquals(1, db.get(ItemKey.of("ok", "v")).orElseThrow().data());
  }
}
