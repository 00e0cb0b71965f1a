package io.github.atomicdb;

import static io.github.atomicdb.FormatV1Stores.BIG;
import static io.github.atomicdb.FormatV1Stores.LOCK_TTL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.Records;
import io.github.atomicdb.internal.RocksKv;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening a format-1 store upgrades it in place to the current format (data-format.md,
 * "Upgrading a store"): every value, ttl and lock version kept; an interrupted upgrade finished;
 * damaged records left as they were and then readable as damaged and deletable; nothing done by
 * a way of opening that cannot upgrade, or to a store whose upgrade mark is damaged.
 */
class FormatUpgradeTest {
  static final int ITEMS = 2500;
  static final int LOCKS = 1200;

  @TempDir Path tmp;

  /** Everything the big partition and its locks must hold after an upgrade, read through the API. */
  static void assertBigPartitionIntact(AtomicDb db, int items, int locks) {
    List<Item> got = db.query(Query.of(BIG));
    assertEquals(items, got.size());
    for (int i = 0; i < items; i++) {
      Item expected = FormatV1Stores.bigItem(i);
      assertEquals(expected.key(), got.get(i).key());
      assertEquals(expected.data(), got.get(i).data());
      assertEquals(expected.ttl(), got.get(i).ttl(), expected.sk());
    }
    for (int i = 0; i < locks; i += 97) {
      ItemLock l = db.getLock(ItemKey.of(BIG, FormatV1Stores.sk(i)));
      assertEquals(FormatV1Stores.lockVersion(i), l.version());
      assertEquals(LOCK_TTL, l.ttl());
    }
  }

  /** Raw check of a closed store: current format, no upgrade mark, no format-1 item or lock left. */
  static void assertFullyUpgraded(Path dir) throws Exception {
    FormatV1Stores.withRaw(dir, raw -> {
      assertEquals(RocksKv.FORMAT_VERSION, raw.metaInt("format"));
      assertNull(raw.metaInt("upgrade-from"));
      for (byte[][] kv : raw.all("items")) {
        Records.openItem(kv[0], kv[1], KeyCodec.hex(kv[0]));
      }
      for (byte[][] kv : raw.all("locks")) {
        Records.openLock(kv[0], kv[1], KeyCodec.hex(kv[0]));
      }
    });
  }

  @Test
  void aFormat1StoreIsUpgradedAndReadsBackExactly() throws Exception {
    Path dir = FormatV1Stores.bigV1Store(tmp.resolve("store"), ITEMS, LOCKS);
    try (AtomicDb db = FormatV1Generator.builder(dir).open()) {
      assertBigPartitionIntact(db, ITEMS, LOCKS);
      assertEquals(11, db.query(Query.of("fixture")).size());
    }
    assertFullyUpgraded(dir);
    try (AtomicDb db = FormatV1Generator.builder(dir).open()) { // no upgrade this time
      assertBigPartitionIntact(db, ITEMS, LOCKS);
    }
  }

  @Test
  void anInterruptedUpgradeIsFinishedByTheNextOpen() throws Exception {
    Path dir = FormatV1Stores.bigV1Store(tmp.resolve("store"), ITEMS, LOCKS);
    // What a crash in the middle leaves: the mark, and some records converted, some not.
    FormatV1Stores.withRaw(dir, raw -> {
      raw.db().put(raw.cf("meta"), "format".getBytes(StandardCharsets.US_ASCII), ByteBuffer.allocate(4).putInt(2).array());
      raw.db().put(raw.cf("meta"), "upgrade-from".getBytes(StandardCharsets.US_ASCII), ByteBuffer.allocate(4).putInt(1).array());
      for (int i = 0; i < ITEMS; i += 2) {
        byte[] k = KeyCodec.encode(BIG, FormatV1Stores.sk(i));
        byte[] v1 = raw.get("items", k);
        Records.ItemView iv = Records.openItemV1(v1, "test");
        byte[] kryo = java.util.Arrays.copyOfRange(v1, iv.kryoOffset(), iv.kryoOffset() + iv.kryoLength());
        raw.db().put(raw.cf("items"), k, Records.item(k, kryo, iv.ttl()));
      }
      for (int i = 0; i < LOCKS / 2; i++) {
        byte[] k = KeyCodec.encode(BIG, FormatV1Stores.sk(i));
        Records.LockView lv = Records.openLockV1(raw.get("locks", k), "test");
        raw.db().put(raw.cf("locks"), k, Records.lock(k, lv.version(), lv.ttl()));
      }
    });
    try (AtomicDb db = FormatV1Generator.builder(dir).open()) {
      assertBigPartitionIntact(db, ITEMS, LOCKS);
    }
    assertFullyUpgraded(dir);
  }

  @Test
  void damagedFormat1RecordsAreKeptReadAsDamagedAndDeletable() throws Exception {
    Path dir = FormatV1Stores.bigV1Store(tmp.resolve("store"), 10, 10);
    byte[] badItem = KeyCodec.encode(BIG, FormatV1Stores.sk(4));
    byte[] badLock = KeyCodec.encode(BIG, FormatV1Stores.sk(5));
    FormatV1Stores.withRaw(dir, raw -> {
      byte[] v = raw.get("items", badItem);
      v[v.length - 6] ^= 1; // in the Kryo bytes
      raw.db().put(raw.cf("items"), badItem, v);
      byte[] l = raw.get("locks", badLock);
      l[12] ^= 1; // in the version
      raw.db().put(raw.cf("locks"), badLock, l);
    });
    try (AtomicDb db = FormatV1Generator.builder(dir).open()) {
      CorruptDataException e = assertThrows(CorruptDataException.class, () -> db.get(ItemKey.of(BIG, FormatV1Stores.sk(4))));
      assertTrue(e.getMessage().contains("'" + FormatV1Stores.sk(4) + "'"), e.getMessage());
      assertThrows(CorruptDataException.class, () -> db.query(Query.of(BIG)));
      assertThrows(CorruptDataException.class, () -> db.getLock(ItemKey.of(BIG, FormatV1Stores.sk(5))));
      db.delete(List.of(ItemKey.of(BIG, FormatV1Stores.sk(4)), ItemKey.of(BIG, FormatV1Stores.sk(5))));
      assertEquals(8, db.query(Query.of(BIG)).size(), "items 4 and 5 deleted");
      ItemLock fresh = db.getLock(ItemKey.of(BIG, FormatV1Stores.sk(5)));
      db.setAtomic(Item.of(BIG, FormatV1Stores.sk(5), "again"), fresh);
      assertEquals(FormatV1Stores.lockVersion(6), db.getLock(ItemKey.of(BIG, FormatV1Stores.sk(6))).version());
    }
  }

  @Test
  void aWayOfOpeningThatCannotUpgradeLeavesTheStoreUntouched() throws Exception {
    Path dir = FormatV1Stores.copyFixture(tmp.resolve("store"));
    Map<String, String> before = DirState.of(dir);
    AtomicDbException e = assertThrows(AtomicDbException.class, () -> RocksKv.open(dir,
        new RocksKv.Settings(false, 1 << 20, Compression.LZ4, 1 << 20)));
    assertTrue(e.getMessage().contains("format 1") && e.getMessage().contains("AtomicRocksDb"), e.getMessage());
    assertEquals(before, DirState.of(dir));
    try (AtomicDb db = FormatV1Generator.builder(dir).open()) {
      assertEquals(11, db.query(Query.of("fixture")).size(), "and it still upgrades afterwards");
    }
  }

  @Test
  void aDamagedUpgradeMarkIsRefusedAndUntouched() throws Exception {
    Path dir = FormatV1Stores.copyFixture(tmp.resolve("store"));
    FormatV1Stores.withRaw(dir, raw -> raw.db().put(raw.cf("meta"),
        "upgrade-from".getBytes(StandardCharsets.US_ASCII), ByteBuffer.allocate(4).putInt(7).array()));
    Map<String, String> before = DirState.of(dir);
    AtomicDbException e = assertThrows(AtomicDbException.class, () -> AtomicRocksDb.open(dir));
    assertTrue(e.getMessage().contains("upgrade record is damaged"), e.getMessage());
    assertEquals(before, DirState.of(dir));
  }
}
