package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.spi.Space;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/**
 * A store written by format version 1 (src/test/resources/format-v1, made once by {@link
 * FormatV1Generator}) opens and reads back exactly what was written. Every later version must
 * keep passing this test: older formats are read forever.
 */
class FormatV1Test {
  /** Printed by the generator when it made the fixture. */
  private static final String LOCK_VERSION = "01M8DX16CYB3WHJZCMCRVT8AEZ";
  private static final long LOCK_TTL = 1795824000L;

  @TempDir Path tmp;

  private Path copyFixture() throws Exception {
    Path src = fixture();
    Path dst = tmp.resolve("store");
    Files.createDirectories(dst);
    try (Stream<Path> s = Files.list(src)) {
      for (Path p : s.toList()) {
        Files.copy(p, dst.resolve(p.getFileName().toString()));
      }
    }
    return dst;
  }

  private static Path fixture() throws URISyntaxException {
    return Path.of(FormatV1Test.class.getResource("/format-v1/CURRENT").toURI()).getParent();
  }

  @Test
  void readsItemsLocksAndQueueWrittenByVersion1() throws Exception {
    Path dir = copyFixture();
    try (AtomicRocksDb db = FormatV1Generator.builder(dir).open()) {
      List<Item> expected = FormatV1Generator.items();
      List<Item> actual = db.query(Query.of("fixture"));
      assertEquals(expected.size(), actual.size());
      for (int i = 0; i < expected.size(); i++) {
        Item e = expected.get(i);
        Item a = actual.get(i);
        assertEquals(e.key(), a.key());
        assertEquals(e.ttl(), a.ttl(), e.sk());
        if (e.data() instanceof byte[] bytes) {
          assertArrayEquals(bytes, (byte[]) a.data());
        } else {
          assertEquals(e.data(), a.data(), e.sk());
          assertEquals(e.data().getClass(), a.data().getClass(), e.sk());
        }
      }
      assertEquals(FormatV1Generator.FAR_TTL, db.get(ItemKey.of("fixture", "ttl")).orElseThrow().ttl());
      assertEquals("other partition", db.get(ItemKey.of("fixture2", "a")).orElseThrow().data());

      ItemLock lock = db.getLock(ItemKey.of("fixture", "long"));
      assertEquals(LOCK_VERSION, lock.version());
      assertEquals(LOCK_TTL, lock.ttl());

      assertEquals(new QueueStats(2, 1, 0, 0), db.queueStats("jobs"));
      QueueItem second = db.queuePull(QueuePullOptions.of("jobs")).orElseThrow();
      assertEquals("002", second.sk());
      assertEquals("second", second.data());
      assertEquals(1, second.attempts());
      assertEquals("003", db.queuePull(QueuePullOptions.of("jobs")).orElseThrow().sk());
      assertTrue(db.queuePull(QueuePullOptions.of("jobs")).isEmpty(), "001 is still in flight");
      assertEquals(12, db.rawCount(Space.ITEMS), "11 items in fixture, one in fixture2");
    }
    // after the in-flight entry's timeout (300 s), it is delivered again
    Path dir2 = tmp.resolve("store2");
    Files.createDirectories(dir2);
    try (Stream<Path> s = Files.list(fixture())) {
      for (Path p : s.toList()) {
        Files.copy(p, dir2.resolve(p.getFileName().toString()));
      }
    }
    try (AtomicRocksDb db = FormatV1Generator.builder(dir2).clock(Clock.fixed(FormatV1Generator.NOW.plusSeconds(301), ZoneOffset.UTC)).open()) {
      QueueItem first = db.queuePull(QueuePullOptions.of("jobs")).orElseThrow();
      assertEquals("001", first.sk());
      assertEquals("first", first.data());
      assertEquals(2, first.attempts());
    }
  }

  @Test
  void layoutIsColumnFamiliesAndMetaRecordsOfVersion1() throws Exception {
    Path dir = copyFixture();
    List<String> names = new ArrayList<>();
    try (Options o = new Options()) {
      for (byte[] n : RocksDB.listColumnFamilies(o, dir.toString())) {
        names.add(new String(n, StandardCharsets.US_ASCII));
      }
    }
    assertEquals(List.of("default", "meta", "items", "locks", "queue", "qindex"), names);
    List<ColumnFamilyDescriptor> descs = new ArrayList<>();
    List<ColumnFamilyHandle> hs = new ArrayList<>();
    try (DBOptions o = new DBOptions(); ColumnFamilyOptions cfo = new ColumnFamilyOptions()) {
      for (String n : names) {
        descs.add(new ColumnFamilyDescriptor(n.getBytes(StandardCharsets.US_ASCII), cfo));
      }
      try (RocksDB db = RocksDB.openReadOnly(o, dir.toString(), descs, hs)) {
        ColumnFamilyHandle meta = hs.get(1);
        assertArrayEquals("io.github.atomicdb".getBytes(StandardCharsets.US_ASCII),
            db.get(meta, "magic".getBytes(StandardCharsets.US_ASCII)));
        assertArrayEquals(new byte[] {0, 0, 0, 1}, db.get(meta, "format".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(1, ByteBuffer.wrap(db.get(meta, "format".getBytes(StandardCharsets.US_ASCII))).getInt());
      } finally {
        hs.forEach(ColumnFamilyHandle::close);
      }
    }
  }

  @Test
  void fixtureIsSmall() throws Exception {
    long bytes = 0;
    try (Stream<Path> s = Files.list(fixture())) {
      for (Path p : s.toList()) {
        bytes += Files.size(p);
      }
    }
    assertTrue(bytes < 300_000, "format-v1 fixture is " + bytes + " bytes");
  }
}
