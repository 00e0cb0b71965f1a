package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import io.github.atomicdb.contract.ContractTypes;
import io.github.atomicdb.contract.TestClock;
import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.QueueLayout;
import io.github.atomicdb.internal.Records;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.Space;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/**
 * Security of the torture suite (issue 7): only registered classes are ever deserialized, and a
 * new store directory is readable by its owner only.
 *
 * <p>Stored values are forged with a <em>valid</em> checksum, so they get past the CRC and reach
 * the value codec: through the memory backend's SPI, and through plain RocksDB on a closed
 * durable store. Each forged value names a class id that is not registered, or a class by name
 * (Kryo's unregistered-class form, the classic gadget route). Reading it must throw an {@link
 * AtomicDbException} naming the id (or class) and the key ({@link UnregisteredTypeException} for an
 * id), and instantiate nothing. In package
 * {@code io.github.atomicdb} for the engine's package-private backend.
 */
class TortureSecurityTest {
  @TempDir Path dir;
  private final TestClock clock = new TestClock((System.currentTimeMillis() / 1000) * 1000);

  /** Set when a {@link Canary} is initialised or constructed: deserialization must never do it. */
  static volatile boolean canaryFired;

  /** A class a forged value names by name; loading is harmless, initialising or building is not. */
  public static final class Canary {
    static {
      canaryFired = true;
    }

    public String payload = "x";

    public Canary() {
      canaryFired = true;
    }
  }

  /** Kryo's positive varint. */
  static byte[] varint(int v) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    while ((v & ~0x7F) != 0) {
      b.write((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    b.write(v);
    return b.toByteArray();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }

  /** Kryo bytes of an object of unregistered class id {@code id} (Kryo writes id + 2). */
  static byte[] unregisteredId(int id) {
    return concat(varint(id + 2), new byte[] {1, 2, 3});
  }

  /**
   * An ArrayList (a built-in) holding one element of class id {@code id}: a nested gadget. Made
   * from the real bytes of an ArrayList holding a Point (id 100), with the element's id replaced.
   */
  static byte[] nestedUnregisteredId(int id) {
    byte[] real;
    try (AtomicMemoryDb db = AtomicMemoryDb.builder().register(ContractTypes.Point.class, 100).build()) {
      real = db.codec.encode(new java.util.ArrayList<>(List.of(new ContractTypes.Point(1, 2))));
    }
    // [ArrayList id + 2 = 31][flag "one element class" + (size + 1 = 2)][Point id + 2 = 102][Point]
    if (real[0] != 31 || real[1] != (byte) 0x82 || real[2] != 102) {
      throw new AssertionError("unexpected Kryo layout " + KeyCodec.hex(real));
    }
    return concat(java.util.Arrays.copyOf(real, 2), varint(id + 2),
        java.util.Arrays.copyOfRange(real, 3, real.length));
  }

  /**
   * Kryo bytes naming {@link Canary} by class name, as a Kryo without required registration
   * writes them (the bytes the old Java-serialization-style gadget chains need).
   */
  static byte[] byName() {
    canaryFired = false;
    Kryo k = new Kryo();
    k.setRegistrationRequired(false);
    try (Output out = new Output(256, -1)) {
      k.writeClassAndObject(out, new Canary());
      canaryFired = false;
      return out.toBytes();
    }
  }

  /**
   * A pull meeting a forged entry: a class id that is not registered stops it with {@link
   * UnregisteredTypeException} (a setup error: nothing is damaged); any other refused value is
   * set aside into the queue's quarantine with the reason naming the class and key, and nothing
   * is delivered. Either way no class named by stored bytes is initialised.
   */
  private void assertPullRefused(String what, String idOrClass, AtomicDb db, String pk) {
    if (idOrClass.chars().allMatch(Character::isDigit)) {
      assertRefused(what, idOrClass, pk, "e", () -> db.queuePull(QueuePullOptions.of(pk)));
      return;
    }
    canaryFired = false;
    assertTrue(db.queuePull(QueuePullOptions.of(pk)).isEmpty(), what + ": nothing is delivered");
    List<io.github.atomicdb.tools.QuarantinedEntry> held = io.github.atomicdb.tools.StoreTools.of(db).quarantined(pk, 0);
    assertEquals(1, held.size(), what);
    String m = held.get(0).reason();
    assertTrue(m.contains(idOrClass) && m.contains("'" + pk + "'") && m.contains("'e'"),
        what + ": the reason names " + idOrClass + " and the key: " + m);
    assertFalse(canaryFired, what + ": a class named by stored bytes was initialised or built");
  }

  private void assertRefused(String what, String idOrClass, String pk, String sk, Runnable read) {
    canaryFired = false;
    AtomicDbException e = assertThrows(AtomicDbException.class, read::run, what);
    if (idOrClass.chars().allMatch(Character::isDigit)) {
      // the record is intact (its checksum matched): a missing registration, not damage
      UnregisteredTypeException u = assertInstanceOf(UnregisteredTypeException.class, e, what);
      assertEquals(Integer.parseInt(idOrClass), u.classId(), what);
      assertTrue(e.getMessage().contains("register("), what + ": names the fix: " + e.getMessage());
    }
    String m = e.getMessage();
    assertTrue(m.contains(idOrClass), what + ": message must name " + idOrClass + ": " + m);
    assertTrue(m.contains("'" + pk + "'") && m.contains("'" + sk + "'"),
        what + ": message must name the key (" + pk + ", " + sk + "): " + m);
    assertFalse(canaryFired, what + ": a class named by stored bytes was initialised or built");
  }

  private AtomicMemoryDb memory() {
    AtomicMemoryDb.Builder b = AtomicMemoryDb.builder().clock(clock);
    ContractTypes.registerAll(b::register);
    return b.build();
  }

  private AtomicDb rocks(Path d) {
    AtomicRocksDb.Builder b = AtomicRocksDb.builder(d).clock(clock);
    ContractTypes.registerAll(b::register);
    return b.open();
  }

  /** Forged values, by what the message must name. */
  private static List<Object[]> forged() {
    return List.of(
        new Object[] {"id7777", "7777", unregisteredId(7777)},
        new Object[] {"id103", "103", unregisteredId(103)}, // just past the registered user ids
        new Object[] {"id65", "65", unregisteredId(65)}, // just past the built-ins
        new Object[] {"nested", "7778", nestedUnregisteredId(7778)},
        new Object[] {"byName", "Canary", byName()});
  }

  private static byte[] entryWith(byte[] key, byte[] original, byte[] kryo) {
    QueueLayout.Entry e = QueueLayout.openEntry(key, original, "test");
    return QueueLayout.entry(key, new QueueLayout.Entry(e.state(), e.attempts(), e.time(), e.enqueuedAt(),
        e.flags(), e.receipt(), kryo));
  }

  @Test
  void memoryBackendRefusesUnregisteredClassIds() {
    try (AtomicMemoryDb db = memory()) {
      for (Object[] f : forged()) {
        String sk = (String) f[0];
        byte[] kryo = (byte[]) f[2];
        byte[] ik = KeyCodec.encode("sec", sk);
        db.kv.write(List.of(KvOp.put(Space.ITEMS, ik, Records.item(ik, kryo, null))));
        assertRefused("get " + sk, (String) f[1], "sec", sk, () -> db.get(ItemKey.of("sec", sk)));
        assertRefused("query " + sk, (String) f[1], "sec", sk,
            () -> db.query(Query.of("sec").withSkPrefix(sk)));
        // Queue entries: replace the data of a pushed entry, keeping a valid record around it.
        db.queuePush(QueueItemInput.of("secq-" + sk, "e", "ok"));
        byte[] ek = QueueLayout.entryKey(QueueLayout.part("secq-" + sk), "e".getBytes(StandardCharsets.UTF_8));
        byte[] forgedEntry = entryWith(ek, db.kv.get(Space.QUEUE, ek), kryo);
        db.kv.write(List.of(KvOp.put(Space.QUEUE, ek, forgedEntry)));
        db.queue.forgetRecords();
        assertPullRefused("pull " + sk, (String) f[1], db, "secq-" + sk);
      }
    }
  }

  @Test
  void durableStoreRefusesUnregisteredClassIdsWrittenToItsFiles() throws Exception {
    Path d = dir.resolve("store");
    try (AtomicDb db = rocks(d)) {
      for (Object[] f : forged()) {
        db.set(Item.of("sec", (String) f[0], "placeholder"));
        db.queuePush(QueueItemInput.of("secq-" + f[0], "e", "ok"));
      }
    }
    withRaw(d, (raw) -> {
      for (Object[] f : forged()) {
        byte[] kryo = (byte[]) f[2];
        byte[] ik = KeyCodec.encode("sec", (String) f[0]);
        raw.put("items", ik, Records.item(ik, kryo, null));
        byte[] ek = KeyCodec.encode("secq-" + f[0], "e");
        raw.put("queue", ek, entryWith(ek, raw.get("queue", ek), kryo));
      }
    });
    try (AtomicDb db = rocks(d)) {
      for (Object[] f : forged()) {
        String sk = (String) f[0];
        assertRefused("get " + sk, (String) f[1], "sec", sk, () -> db.get(ItemKey.of("sec", sk)));
        assertRefused("getMany " + sk, (String) f[1], "sec", sk, () -> db.getMany(List.of(ItemKey.of("sec", sk))));
        assertPullRefused("pull " + sk, (String) f[1], db, "secq-" + sk);
      }
    }
  }

  @Test
  void anUnregisteredClassIdWithAValidRecordIsTheOnlyThingRefused() {
    // Control: the same forged path with a registered id reads back, so the refusals above are
    // about the class id and not about the forging.
    try (AtomicMemoryDb db = memory()) {
      byte[] kryo = db.codec.encode(new ContractTypes.Point(7, 8));
      assertEquals(100, io.github.atomicdb.internal.ValueCodec.classIdAt(kryo, 0, kryo.length));
      byte[] ik = KeyCodec.encode("sec", "ok");
      db.kv.write(List.of(KvOp.put(Space.ITEMS, ik, Records.item(ik, kryo, null))));
      Object got = db.get(ItemKey.of("sec", "ok")).orElseThrow().data();
      assertTrue(got instanceof ContractTypes.Point, "got " + got);
    }
  }

  @Test
  void aNewStoreDirectoryIsReadableByItsOwnerOnly() throws Exception {
    Path d = dir.resolve("new-store");
    try (AtomicDb db = rocks(d)) {
      db.set(Item.of("a", "b", 1));
    }
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
    // A missing parent is created too; the store directory itself is still owner-only.
    Path deep = dir.resolve("x/y/store");
    try (AtomicDb db = rocks(deep)) {
      db.set(Item.of("a", "b", 1));
    }
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(deep)));
  }

  // ------------------------------------------------------------------ raw RocksDB

  interface Raw {
    byte[] get(String cf, byte[] key) throws Exception;

    void put(String cf, byte[] key, byte[] value) throws Exception;
  }

  interface RawBody {
    void run(Raw raw) throws Exception;
  }

  static void withRaw(Path d, RawBody body) throws Exception {
    RocksDB.loadLibrary();
    List<byte[]> names;
    try (Options o = new Options()) {
      names = RocksDB.listColumnFamilies(o, d.toString());
    }
    List<ColumnFamilyHandle> handles = new java.util.ArrayList<>();
    try (DBOptions o = new DBOptions(); ColumnFamilyOptions c = new ColumnFamilyOptions()) {
      List<ColumnFamilyDescriptor> descs = names.stream().map(n -> new ColumnFamilyDescriptor(n, c)).toList();
      try (RocksDB db = RocksDB.open(o, d.toString(), descs, handles)) {
        java.util.Map<String, ColumnFamilyHandle> by = new java.util.HashMap<>();
        for (int i = 0; i < names.size(); i++) {
          by.put(new String(names.get(i), StandardCharsets.UTF_8), handles.get(i));
        }
        body.run(new Raw() {
          @Override
          public byte[] get(String cf, byte[] key) throws Exception {
            return db.get(by.get(cf), key);
          }

          @Override
          public void put(String cf, byte[] key, byte[] value) throws Exception {
            db.put(by.get(cf), key, value);
          }
        });
      } finally {
        handles.forEach(ColumnFamilyHandle::close);
      }
    }
  }
}
