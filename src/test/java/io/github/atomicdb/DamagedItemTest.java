package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.contract.TestClock;
import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.Space;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rule for a damaged item or lock, the same on every backend: every read that meets it
 * throws {@link CorruptDataException} carrying its key (a query over its range too; a stream
 * returns the items before it first); nothing is skipped silently; {@code delete} (and {@code
 * set}) of that key always work, and afterwards everything reads normally. A record copied to
 * another key counts as damaged there.
 */
class DamagedItemTest {
  @TempDir Path dir;
  private EngineDb db;

  private EngineDb open(String kind) {
    TestClock clock = new TestClock();
    db = kind.equals("memory")
        ? AtomicMemoryDb.builder().clock(clock).build()
        : AtomicRocksDb.builder(dir.resolve("store")).clock(clock).open();
    return db;
  }

  @AfterEach
  void close() {
    db.close();
  }

  private static void damage(EngineDb db, Space space, ItemKey key) {
    byte[] k = KeyCodec.encode(key);
    byte[] v = db.kv.get(space, k).clone();
    v[v.length - 10] ^= 0x10;
    db.kv.write(List.of(KvOp.put(space, k, v)));
  }

  private static void assertNames(ItemKey key, CorruptDataException e) {
    assertEquals(key, e.key().orElseThrow(), e.getMessage());
    assertTrue(e.getMessage().contains("'" + key.sk() + "'"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocks"})
  void aDamagedItemIsReportedByEveryReadAndDeleteAlwaysClearsIt(String kind) {
    EngineDb db = open(kind);
    for (int i = 0; i < 5; i++) {
      db.set(Item.of("p", "k" + i, "value " + i));
    }
    ItemKey bad = ItemKey.of("p", "k2");
    damage(db, Space.ITEMS, bad);

    assertNames(bad, assertThrows(CorruptDataException.class, () -> db.get(bad)));
    assertNames(bad, assertThrows(CorruptDataException.class,
        () -> db.getMany(List.of(ItemKey.of("p", "k1"), bad))));
    assertNames(bad, assertThrows(CorruptDataException.class, () -> db.query(Query.of("p"))));
    assertNames(bad, assertThrows(CorruptDataException.class, () -> db.query(Query.of("p").reversed())));
    List<Object> before = new ArrayList<>();
    try (Stream<Item> s = db.stream(Query.of("p"))) {
      Iterator<Item> it = s.iterator();
      before.add(it.next().data());
      before.add(it.next().data());
      assertNames(bad, assertThrows(CorruptDataException.class, it::next));
    }
    assertEquals(List.of("value 0", "value 1"), before, "a stream returns what lies before it");
    assertEquals(2, db.query(Query.of("p").withLimit(2)).size(), "a range that stops before it");
    assertEquals(1, db.query(Query.of("p").withSkPrefix("k4")).size(), "a range without it");

    db.delete(bad);
    assertEquals(4, db.query(Query.of("p")).size());

    damage(db, Space.ITEMS, ItemKey.of("p", "k3"));
    db.set(Item.of("p", "k3", "rewritten")); // set does not read what it replaces
    assertEquals("rewritten", db.get(ItemKey.of("p", "k3")).orElseThrow().data());
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocks"})
  void aDamagedLockIsReportedAndDeleteClearsIt(String kind) {
    EngineDb db = open(kind);
    ItemKey key = ItemKey.of("p", "locked");
    ItemLock lock = db.getLock(key);
    damage(db, Space.LOCKS, key);
    assertNames(key, assertThrows(CorruptDataException.class, () -> db.getLock(key)));
    assertNames(key, assertThrows(CorruptDataException.class,
        () -> db.setAtomic(Item.of("p", "locked", 1), lock)));
    db.delete(key);
    db.setAtomic(Item.of("p", "locked", 2), db.getLock(key));
    assertEquals(2, db.get(key).orElseThrow().data());
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocks"})
  void aRecordCopiedToAnotherKeyDoesNotReadAsValid(String kind) {
    EngineDb db = open(kind);
    db.set(Item.of("p", "a", "mine"));
    db.getLock(ItemKey.of("p", "a"));
    for (Space space : List.of(Space.ITEMS, Space.LOCKS)) {
      db.kv.write(List.of(KvOp.put(space, KeyCodec.encode("p", "b"), db.kv.get(space, KeyCodec.encode("p", "a")))));
    }
    assertNames(ItemKey.of("p", "b"), assertThrows(CorruptDataException.class, () -> db.get(ItemKey.of("p", "b"))));
    assertNames(ItemKey.of("p", "b"), assertThrows(CorruptDataException.class, () -> db.getLock(ItemKey.of("p", "b"))));
    // and an item's bytes copied into the lock space at the same key
    db.kv.write(List.of(KvOp.put(Space.LOCKS, KeyCodec.encode("p", "a"), db.kv.get(Space.ITEMS, KeyCodec.encode("p", "a")))));
    assertThrows(CorruptDataException.class, () -> db.getLock(ItemKey.of("p", "a")));
  }
}
