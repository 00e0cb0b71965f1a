package io.github.atomicdb.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.Compression;
import io.github.atomicdb.CorruptDataException;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.Space;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Queue records of format 1 convert to the current format: the documented vectors, and the fixture. */
class QueueFormatV1Test {
  @TempDir Path tmp;

  private static final byte[] PART = QueueLayout.part("jobs");
  private static final byte[] SK = "0001".getBytes(StandardCharsets.UTF_8);

  private static byte[] hex(String h) {
    byte[] b = new byte[h.length() / 2];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
    }
    return b;
  }

  @Test
  void theDocumentedFormat1VectorsConvertToTheCurrentOnes() {
    // data-format.md, "Queues, format 1": Q1 and C1 as format 1 wrote them.
    byte[] q1 = QueueFormatV1.convert(Space.QUEUE, QueueLayout.entryKey(PART, SK),
        hex("01000000000000000000000000000000019b76daa8000000036a6fe2aa9a7ce9"));
    assertEquals("02000000000000000000000000000000019b76daa8000000036a6fe29b58674e", KeyCodec.hex(q1));
    byte[] c1 = QueueFormatV1.convert(Space.QINDEX, QueueLayout.countersKey(PART),
        hex("0100000000000000020000000000000001000000000000000078721aeb"));
    assertEquals("02000000000000000200000000000000010000000000000000fa7698b3", KeyCodec.hex(c1));
    byte[] readyKey = QueueLayout.readyKey(PART, SK);
    byte[] r1 = QueueFormatV1.convert(Space.QINDEX, readyKey, ByteBuffer.allocate(8).putLong(1767225600000L).array());
    assertEquals("02000000019b76daa800fb0cb59a", KeyCodec.hex(r1));
    byte[] timedKey = QueueLayout.timedKey(PART, 1767225900000L, SK);
    byte[] t1 = QueueFormatV1.convert(Space.QINDEX, timedKey,
        ByteBuffer.allocate(9).put(QueueLayout.IN_FLIGHT).putLong(1767225600000L).array());
    assertEquals("02010000019b76daa800c19c24d2", KeyCodec.hex(t1));
    // Converted values are kept as they are (a migration can run again).
    assertSame(q1, QueueFormatV1.convert(Space.QUEUE, QueueLayout.entryKey(PART, SK), q1));
    assertSame(c1, QueueFormatV1.convert(Space.QINDEX, QueueLayout.countersKey(PART), c1));
    assertSame(r1, QueueFormatV1.convert(Space.QINDEX, readyKey, r1));
    assertSame(t1, QueueFormatV1.convert(Space.QINDEX, timedKey, t1));
  }

  @Test
  void aDamagedFormat1RecordIsRefusedNamingItsKey() {
    byte[] v = hex("01000000000000000000000000000000019b76daa8000000036a6fe2aa9a7ce9");
    v[20] ^= 4;
    CorruptDataException e = assertThrows(CorruptDataException.class,
        () -> QueueFormatV1.convert(Space.QUEUE, QueueLayout.entryKey(PART, SK), v));
    assertTrue(e.getMessage().contains(KeyCodec.hex(QueueLayout.entryKey(PART, SK))), e.getMessage());
    assertThrows(CorruptDataException.class, () -> QueueFormatV1.convert(Space.QINDEX,
        QueueLayout.timedKey(PART, 5L, SK), ByteBuffer.allocate(9).put((byte) 7).putLong(1L).array()));
    assertThrows(IllegalArgumentException.class, () -> QueueFormatV1.convert(Space.ITEMS, SK, v));
  }

  @Test
  void theFixtureOfFormat1MigratesAndEveryQueueRecordThenReadsInTheCurrentFormat() throws Exception {
    Path src = Path.of(QueueFormatV1Test.class.getResource("/format-v1/CURRENT").toURI()).getParent();
    Path dir = tmp.resolve("store");
    Files.createDirectories(dir);
    try (Stream<Path> s = Files.list(src)) {
      for (Path p : s.toList()) {
        Files.copy(p, dir.resolve(p.getFileName().toString()));
      }
    }
    RocksKv.Settings settings = new RocksKv.Settings(false, 8L << 20, Compression.LZ4, 4L << 20);
    // The item and lock steps of the upgrade only: this test runs the queue step itself.
    FormatUpgrade itemsAndLocks = new FormatUpgrade(java.util.Map.of(
        2, List.of(ItemLockMigrations.itemsV1ToV2(), ItemLockMigrations.locksV1ToV2())));
    try (RocksKv kv = RocksKv.open(dir, settings, itemsAndLocks)) {
      long format1 = 0;
      for (Space space : List.of(Space.QUEUE, Space.QINDEX)) {
        for (byte[][] r : all(kv, space)) {
          if (r[1][0] == 1 || r[1].length == 8 || r[1].length == 9) {
            format1++;
          }
        }
      }
      // The fixture: 3 entries of queue "jobs" (two ready, one in flight), their 3 index
      // records and the queue's counters.
      assertEquals(7, format1, "format-1 queue records in the fixture");
      assertEquals(new QueueFormatV1.Result(7, 0), QueueFormatV1.migrateQueueSpaces(kv));
      assertEquals(new QueueFormatV1.Result(0, 0), QueueFormatV1.migrateQueueSpaces(kv), "nothing left to convert");
      List<byte[][]> entries = all(kv, Space.QUEUE);
      assertEquals(3, entries.size());
      for (byte[][] r : entries) {
        QueueLayout.Entry e = QueueLayout.openEntry(r[0], r[1], "entry");
        byte[] part = QueueLayout.part("jobs");
        byte[] sk = java.util.Arrays.copyOfRange(r[0], part.length, r[0].length);
        byte[] ik = QueueLayout.indexKey(part, sk, e);
        QueueLayout.IndexValue iv = QueueLayout.openIndexValue(ik, kv.get(Space.QINDEX, ik), "index");
        assertEquals(e.state(), iv.state());
        assertEquals(e.enqueuedAt(), iv.enqueuedAt());
      }
      byte[] ck = QueueLayout.countersKey(QueueLayout.part("jobs"));
      assertEquals(new QueueLayout.Counters(2, 1, 0), QueueLayout.openCounters(ck, kv.get(Space.QINDEX, ck), "counters"));
      assertEquals(4, all(kv, Space.QINDEX).size());
      assertArrayEquals(ck, all(kv, Space.QINDEX).get(0)[0]);
    }
  }

  @Test
  void aDamagedRecordIsLeftForTheEngineToReportAndTheRestConverts() {
    try (MemoryKv kv = new MemoryKv()) {
      byte[] good = QueueLayout.entryKey(PART, SK);
      byte[] bad = QueueLayout.entryKey(PART, "0002".getBytes(StandardCharsets.UTF_8));
      byte[] damaged = hex("01000000000000000000000000000000019b76daa8000000036a6fe2aa9a7ce9");
      damaged[20] ^= 4;
      kv.write(List.of(
          io.github.atomicdb.spi.KvOp.put(Space.QUEUE, good, hex("01000000000000000000000000000000019b76daa8000000036a6fe2aa9a7ce9")),
          io.github.atomicdb.spi.KvOp.put(Space.QUEUE, bad, damaged)));
      assertEquals(new QueueFormatV1.Result(1, 1), QueueFormatV1.migrateQueueSpaces(kv));
      QueueLayout.openEntry(good, kv.get(Space.QUEUE, good), "good");
      assertArrayEquals(damaged, kv.get(Space.QUEUE, bad), "left as it was");
      assertThrows(CorruptDataException.class, () -> QueueLayout.openEntry(bad, kv.get(Space.QUEUE, bad), "bad"));
    }
  }

  private static List<byte[][]> all(io.github.atomicdb.spi.KvStore kv, Space space) {
    List<byte[][]> out = new ArrayList<>();
    try (KvCursor c = kv.scan(space, new byte[0], new byte[] {(byte) 0xFF, (byte) 0xFF}, false, 0)) {
      while (c.next()) {
        out.add(new byte[][] {c.key(), c.value()});
      }
    }
    return out;
  }
}
