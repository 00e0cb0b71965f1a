package io.github.atomicdb.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.CorruptDataException;
import io.github.atomicdb.internal.QueueLayout.Counters;
import io.github.atomicdb.internal.QueueLayout.Entry;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * Queue records: every single-bit flip is detected, and a record read under any key but its own
 * (a record copied to another entry, queue or index position) is refused.
 */
class QueueLayoutTest {
  private final ValueCodec codec = new ValueCodec(Map.of());
  private final byte[] part = QueueLayout.part("jobs");
  private final byte[] sk = "0001".getBytes(StandardCharsets.UTF_8);

  private static void everyBitFlipAndOtherKeyIsCaught(byte[] key, byte[] other, byte[] record,
      BiConsumer<byte[], byte[]> open) {
    open.accept(key, record.clone()); // the intact record opens under its key
    for (int i = 0; i < record.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] r = record.clone();
        r[i] ^= (byte) (1 << bit);
        int at = i;
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> open.accept(key, r),
            "flip at byte " + at + " bit " + bit);
        assertTrue(e.getMessage().contains("KEY"), e.getMessage());
      }
    }
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> open.accept(other, record.clone()),
        "the record read under another key");
    assertTrue(e.getMessage().contains("not written for this key"), e.getMessage());
  }

  @Test
  void entries() {
    Entry e = new Entry(QueueLayout.IN_FLIGHT, 3, 1000L, 500L, (byte) 1, "RCPT", codec.encode("job"));
    byte[] key = QueueLayout.entryKey(part, sk);
    byte[] other = QueueLayout.entryKey(QueueLayout.part("jobs2"), sk);
    everyBitFlipAndOtherKeyIsCaught(key, other, QueueLayout.entry(key, e), (k, r) -> QueueLayout.openEntry(k, r, "KEY"));
    Entry back = QueueLayout.openEntry(key, QueueLayout.entry(key, e), "KEY");
    assertEquals(e.state(), back.state());
    assertEquals(e.attempts(), back.attempts());
    assertEquals(e.time(), back.time());
    assertEquals(e.enqueuedAt(), back.enqueuedAt());
    assertEquals(e.flags(), back.flags());
    assertEquals(e.receipt(), back.receipt());
    assertTrue(back.redeliver());
    assertEquals("job", codec.decode(back.kryo(), 0, back.kryo().length, "KEY"));
  }

  @Test
  void anEntryWithADelayedRedeliveryKeepsItsTime() {
    Entry e = new Entry(QueueLayout.IN_FLIGHT, 2, 1000L, 500L, QueueLayout.FLAG_REDELIVER, "RCPT",
        codec.encode("new"), 61_000L);
    byte[] key = QueueLayout.entryKey(part, sk);
    byte[] other = QueueLayout.entryKey(QueueLayout.part("jobs2"), sk);
    byte[] record = QueueLayout.entry(key, e);
    everyBitFlipAndOtherKeyIsCaught(key, other, record, (k, r) -> QueueLayout.openEntry(k, r, "KEY"));
    Entry back = QueueLayout.openEntry(key, record, "KEY");
    assertEquals(61_000L, back.redeliverAt());
    assertEquals(QueueLayout.FLAG_REDELIVER, back.flags(), "the field's bit is not a flag of the entry");
    assertEquals("RCPT", back.receipt());
    assertEquals("new", codec.decode(back.kryo(), 0, back.kryo().length, "KEY"));
    Entry plain = new Entry(QueueLayout.IN_FLIGHT, 2, 1000L, 500L, QueueLayout.FLAG_REDELIVER, "RCPT", codec.encode("new"));
    assertEquals(record.length - 8, QueueLayout.entry(key, plain).length, "no field without a time");
    assertEquals(0L, QueueLayout.openEntry(key, QueueLayout.entry(key, plain), "KEY").redeliverAt());
    // A redelivery time on an entry that has no pending redelivery in flight is refused.
    Entry ready = new Entry(QueueLayout.READY, 0, 0, 500L, (byte) 0, "", codec.encode("x"), 61_000L);
    CorruptDataException x = assertThrows(CorruptDataException.class,
        () -> QueueLayout.openEntry(key, QueueLayout.entry(key, ready), "KEY"));
    assertTrue(x.getMessage().contains("redelivery"), x.getMessage());
  }

  @Test
  void counters() {
    byte[] key = QueueLayout.countersKey(part);
    byte[] other = QueueLayout.countersKey(QueueLayout.part("jobs2"));
    everyBitFlipAndOtherKeyIsCaught(key, other, QueueLayout.counters(key, new Counters(5, 6, 7)),
        (k, r) -> QueueLayout.openCounters(k, r, "KEY"));
    assertEquals(new Counters(5, 6, 7), QueueLayout.openCounters(key, QueueLayout.counters(key, new Counters(5, 6, 7)), "KEY"));
    assertEquals(Counters.ZERO, QueueLayout.openCounters(key, null, "KEY"));
  }

  @Test
  void indexValues() {
    byte[] ready = QueueLayout.readyKey(part, sk);
    byte[] timed = QueueLayout.timedKey(part, 1234L, sk);
    everyBitFlipAndOtherKeyIsCaught(ready, QueueLayout.readyKey(part, "0002".getBytes(StandardCharsets.UTF_8)),
        QueueLayout.indexValue(ready, QueueLayout.READY, 99L), (k, r) -> QueueLayout.openIndexValue(k, r, "KEY"));
    everyBitFlipAndOtherKeyIsCaught(timed, QueueLayout.timedKey(part, 1235L, sk),
        QueueLayout.indexValue(timed, QueueLayout.DELAYED, 99L), (k, r) -> QueueLayout.openIndexValue(k, r, "KEY"));
    assertEquals(new QueueLayout.IndexValue(QueueLayout.IN_FLIGHT, 7L),
        QueueLayout.openIndexValue(timed, QueueLayout.indexValue(timed, QueueLayout.IN_FLIGHT, 7L), "KEY"));
    // A state that does not belong under the key's tag is refused even with a valid checksum.
    assertThrows(CorruptDataException.class,
        () -> QueueLayout.openIndexValue(ready, QueueLayout.indexValue(ready, QueueLayout.IN_FLIGHT, 7L), "KEY"));
    assertThrows(CorruptDataException.class,
        () -> QueueLayout.openIndexValue(timed, QueueLayout.indexValue(timed, QueueLayout.READY, 7L), "KEY"));
  }

  @Test
  void keysParseBack() {
    byte[] timed = QueueLayout.timedKey(part, 1767225900000L, sk);
    assertEquals(1767225900000L, QueueLayout.timeOf(timed, part.length));
    assertArrayEquals(sk, QueueLayout.skOf(timed, part.length, true));
    assertArrayEquals(sk, QueueLayout.skOf(QueueLayout.readyKey(part, sk), part.length, false));
    Entry ready = new Entry(QueueLayout.READY, 0, 0, 1L, (byte) 0, "", new byte[] {2});
    Entry flying = new Entry(QueueLayout.IN_FLIGHT, 1, 1767225900000L, 1L, (byte) 0, "R", new byte[] {2});
    assertArrayEquals(QueueLayout.readyKey(part, sk), QueueLayout.indexKey(part, sk, ready));
    assertArrayEquals(timed, QueueLayout.indexKey(part, sk, flying));
  }

  @Test
  void aRecordOfFormat1IsRefusedNamingTheMigration() {
    byte[] key = QueueLayout.countersKey(part);
    byte[] v = QueueLayout.counters(key, new Counters(1, 0, 0));
    v[0] = 1;
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> QueueLayout.openCounters(key, v, "KEY"));
    assertTrue(e.getMessage().contains("migrated"), e.getMessage());
  }
}
