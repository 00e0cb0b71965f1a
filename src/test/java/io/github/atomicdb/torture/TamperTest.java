package io.github.atomicdb.torture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.CorruptDataException;
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
import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.tools.QuarantinedEntry;
import io.github.atomicdb.tools.StoreTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values altered on disk (STYLE.md habit 11): the store is closed, its directory opened with plain
 * RocksDB, and one bit flipped in a stored item, lock or queue entry, at every byte position of
 * the record in turn. Reading each item or lock afterwards must throw a {@link
 * CorruptDataException} that names the key; a damaged queue entry is set aside so its queue goes
 * on. Never return data silently, never crash the JVM.
 */
class TamperTest {
  @TempDir Path dir;
  private final TestClock clock = new TestClock((System.currentTimeMillis() / 1000) * 1000);
  private static final int[] MASKS = {0x01, 0x80};

  private AtomicDb open() {
    return Stores.open(Stores.Kind.ROCKS, dir, clock);
  }

  private static void corrupt(String what, ItemKey k, Executable read) {
    CorruptDataException e = assertThrows(CorruptDataException.class, read, what + " of " + k);
    String m = e.getMessage();
    assertTrue(m.contains("'" + k.pk() + "'") && m.contains("'" + k.sk() + "'"),
        what + ": message must name pk and sk of " + k + ", was: " + m);
  }

  private static byte[] key(String pk, String sk) {
    return KeyCodec.encode(pk, sk);
  }

  @Test
  void everyFlippedBitOfAnItemIsDetected() throws Exception {
    Object data = new ContractTypes.Order("o-1", List.of("apple", "pear"), java.util.Map.of("apple", 2));
    long ttl = clock.seconds() + 10 * 24 * 3600;
    List<ItemKey> keys = new ArrayList<>();
    int plainLen;
    int expiringLen;
    try (AtomicDb db = open()) {
      db.set(Item.of("t", "probe-plain", data));
      db.set(Item.of("t", "probe-exp", data).withTtl(ttl));
    }
    try (RawRocks raw = new RawRocks(dir)) {
      plainLen = raw.get("items", key("t", "probe-plain")).length;
      expiringLen = raw.get("items", key("t", "probe-exp")).length;
    }
    try (AtomicDb db = open()) {
      for (int mask : MASKS) {
        for (int i = 0; i < plainLen; i++) {
          db.set(Item.of("t", String.format("p%d-%03d", mask, i), data));
        }
        for (int i = 0; i < expiringLen; i++) {
          db.set(Item.of("t", String.format("e%d-%03d", mask, i), data).withTtl(ttl));
        }
      }
    }
    try (RawRocks raw = new RawRocks(dir)) {
      for (int mask : MASKS) {
        for (int i = 0; i < plainLen; i++) {
          raw.flip("items", key("t", String.format("p%d-%03d", mask, i)), i, mask);
          keys.add(ItemKey.of("t", String.format("p%d-%03d", mask, i)));
        }
        for (int i = 0; i < expiringLen; i++) {
          raw.flip("items", key("t", String.format("e%d-%03d", mask, i)), i, mask);
          keys.add(ItemKey.of("t", String.format("e%d-%03d", mask, i)));
        }
      }
    }
    try (AtomicDb db = open()) {
      for (ItemKey k : keys) {
        corrupt("get", k, () -> db.get(k));
        corrupt("getMany", k, () -> db.getMany(List.of(ItemKey.of("t", "probe-plain"), k)));
        corrupt("query", k, () -> db.query(Query.of("t").withSkPrefix(k.sk())));
        corrupt("stream", k, () -> {
          try (Stream<Item> s = db.stream(Query.of("t").withSkPrefix(k.sk()).reversed())) {
            s.forEach(x -> {});
          }
        });
      }
      // The intact ones still read, and a damaged item can be overwritten or deleted.
      assertEquals(data, db.get(ItemKey.of("t", "probe-plain")).orElseThrow().data());
      assertEquals(data, db.get(ItemKey.of("t", "probe-exp")).orElseThrow().data());
      ItemKey first = keys.get(0);
      db.set(Item.of(first.pk(), first.sk(), "fixed"));
      assertEquals("fixed", db.get(first).orElseThrow().data());
      db.delete(keys.get(1));
      assertTrue(db.get(keys.get(1)).isEmpty());
    }
  }

  @Test
  void everyFlippedBitOfALockIsDetected() throws Exception {
    int len;
    List<ItemLock> locks = new ArrayList<>();
    try (AtomicDb db = open()) {
      db.getLock(ItemKey.of("t", "probe"));
    }
    try (RawRocks raw = new RawRocks(dir)) {
      len = raw.get("locks", key("t", "probe")).length;
    }
    try (AtomicDb db = open()) {
      for (int mask : MASKS) {
        for (int i = 0; i < len; i++) {
          locks.add(db.getLock(ItemKey.of("t", "l" + mask + "-" + i)));
        }
      }
    }
    try (RawRocks raw = new RawRocks(dir)) {
      int n = 0;
      for (int mask : MASKS) {
        for (int i = 0; i < len; i++) {
          ItemLock l = locks.get(n++);
          raw.flip("locks", key(l.pk(), l.sk()), i, mask);
        }
      }
    }
    try (AtomicDb db = open()) {
      for (ItemLock l : locks) {
        corrupt("getLock", l.key(), () -> db.getLock(l.key()));
        corrupt("setAtomic", l.key(), () -> db.setAtomic(Item.of(l.pk(), l.sk(), 1), l));
        assertTrue(db.get(l.key()).isEmpty(), "nothing written by a refused setAtomic");
      }
      // delete removes a damaged lock; the key then works again.
      ItemLock l = locks.get(0);
      db.delete(l.key());
      db.setAtomic(Item.of(l.pk(), l.sk(), 2), db.getLock(l.key()));
      assertEquals(2, db.get(l.key()).orElseThrow().data());
    }
  }

  /**
   * A queue entry with a flipped bit is never delivered and never stops its queue: the pull (or a
   * key-based release) that meets it moves its bytes, exactly as found, to the queue's quarantine
   * and the entry behind it is delivered.
   */
  @Test
  void everyFlippedBitOfAQueueEntryIsDetectedAndSetAside() throws Exception {
    Object data = List.of("job", 42);
    int len;
    try (AtomicDb db = open()) {
      db.queuePush(QueueItemInput.of("probe", "e", data));
    }
    try (RawRocks raw = new RawRocks(dir)) {
      len = raw.get("queue", key("probe", "e")).length;
    }
    List<String> queues = new ArrayList<>();
    try (AtomicDb db = open()) {
      for (int mask : MASKS) {
        for (int i = 0; i < len; i++) {
          String q = "tq" + mask + "-" + i;
          db.queuePush(List.of(QueueItemInput.of(q, "e", data), QueueItemInput.of(q, "f", "behind")));
          queues.add(q);
        }
      }
    }
    Map<String, byte[]> flipped = new HashMap<>();
    try (RawRocks raw = new RawRocks(dir)) {
      int n = 0;
      for (int mask : MASKS) {
        for (int i = 0; i < len; i++) {
          String q = queues.get(n++);
          flipped.put(q, raw.flip("queue", key(q, "e"), i, mask));
        }
      }
    }
    try (AtomicDb db = open()) {
      StoreTools tools = StoreTools.of(db);
      // verify finds each: the entry, its index record (no entry that opens), its queue's counters
      assertEquals(3L * queues.size(), tools.verify(0, x -> {}).problemCount());
      for (int n = 0; n < queues.size(); n++) {
        String q = queues.get(n);
        if (n % 2 == 0) {
          db.queueRelease(ItemKey.of(q, "e")); // does not throw: sets it aside
          assertEquals(new QueueStats(1, 0, 0, 0), db.queueStats(q), q);
        }
        QueueItem got = db.queuePull(QueuePullOptions.of(q)).orElseThrow(() -> new AssertionError(q));
        assertEquals("f", got.sk(), q);
        assertEquals("behind", got.data(), q);
        assertTrue(db.queuePull(QueuePullOptions.of(q)).isEmpty(), q);
        assertEquals(new QueueStats(0, 1, 0, 0), db.queueStats(q), q);
        List<QuarantinedEntry> held = tools.quarantined(q, 0);
        assertEquals(1, held.size(), q);
        assertEquals("e", held.get(0).sk());
        assertArrayEquals(flipped.get(q), held.get(0).bytes(), q);
        assertTrue(held.get(0).reason().contains("'" + q + "'"), held.get(0).reason());
      }
      assertEquals(queues.size(), tools.quarantinedCount(null));
      assertEquals(data, db.queuePull(QueuePullOptions.of("probe")).orElseThrow().data());
    }
    try (AtomicDb db = open()) { // moved aside durably
      assertEquals(queues.size(), StoreTools.of(db).quarantinedCount(null));
      assertEquals(queues.size(), StoreTools.of(db).verify(0, x -> {}).problemCount());
    }
  }

  @Test
  void rawColumnFamiliesAreTheDocumentedOnes() throws Exception {
    try (AtomicDb db = open()) {
      db.set(Item.of("a", "b", 1));
    }
    try (RawRocks raw = new RawRocks(dir)) {
      for (String cf : List.of("items", "locks", "queue", "qindex", "meta")) {
        raw.keys(cf); // throws if missing
      }
      assertEquals("a\u0000b", new String(raw.keys("items").get(0), StandardCharsets.UTF_8));
    }
  }
}
