package io.github.atomicdb.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.CorruptDataException;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Every single-bit flip of an item or lock record is detected (queue records: QueueLayoutTest). */
class RecordsTest {
  private final ValueCodec codec = new ValueCodec(Map.of());

  private static void everyBitFlipIsCaught(byte[] record, Consumer<byte[]> open) {
    open.accept(record.clone()); // the intact record opens
    for (int i = 0; i < record.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] r = record.clone();
        r[i] ^= (byte) (1 << bit);
        int at = i;
        CorruptDataException e =
            assertThrows(CorruptDataException.class, () -> open.accept(r), "flip at byte " + at + " bit " + bit);
        assertTrue(e.getMessage().contains("KEY"), e.getMessage());
      }
    }
  }

  private static final byte[] KEY = KeyCodec.encode("pk", "sk");
  private static final byte[] OTHER = KeyCodec.encode("pk", "sk2");

  @Test
  void itemEnvelopes() {
    everyBitFlipIsCaught(Records.item(KEY, codec.encode("some data"), null), r -> Records.openItem(KEY, r, "KEY"));
    everyBitFlipIsCaught(Records.item(KEY, codec.encode(12345L), 1767225600L), r -> Records.openItem(KEY, r, "KEY"));
    Records.ItemView v = Records.openItem(KEY, Records.item(KEY, codec.encode("x"), 99L), "KEY");
    assertEquals(99L, v.ttl());
    assertEquals("x", codec.decode(v.buf(), v.kryoOffset(), v.kryoLength(), "KEY"));
  }

  @Test
  void locks() {
    everyBitFlipIsCaught(Records.lock(KEY, "01ARZ3NDEKTSV4RRFFQ69G5FAV", 1767312000L), r -> Records.openLock(KEY, r, "KEY"));
    assertEquals(new Records.LockView("v1", 5L), Records.openLock(KEY, Records.lock(KEY, "v1", 5L), "KEY"));
  }

  /** A record copied to another key does not read as valid there. */
  @Test
  void checksumsCoverTheKey() {
    byte[] item = Records.item(KEY, codec.encode("x"), 99L);
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> Records.openItem(OTHER, item, "KEY"));
    assertTrue(e.getMessage().contains("not written for this key"), e.getMessage());
    byte[] lock = Records.lock(KEY, "v1", 5L);
    assertThrows(CorruptDataException.class, () -> Records.openLock(OTHER, lock, "KEY"));
    assertThrows(CorruptDataException.class, () -> Records.openLock(KEY, item, "KEY"), "an item is no lock");
    assertThrows(CorruptDataException.class, () -> Records.openItem(KEY, lock, "KEY"), "a lock is no item");
    // the key's length is covered too: the same bytes split differently between key and value
    assertThrows(CorruptDataException.class,
        () -> Records.openItem(KeyCodec.encode("pk", "s"), Records.item(KEY, new byte[] {1}, null), "KEY"));
  }

  /** Format-1 records read only through the format-1 readers, which the upgrade uses. */
  @Test
  void format1RecordsReadOnlyThroughTheirOwnReaders() {
    byte[] item = FormatV1Records.item(codec.encode(7), 1767225600L);
    everyBitFlipIsCaught(item, r -> Records.openItemV1(r, "KEY"));
    assertEquals(1767225600L, Records.openItemV1(item, "KEY").ttl());
    assertThrows(CorruptDataException.class, () -> Records.openItem(KEY, item, "KEY"));
    byte[] lock = FormatV1Records.lock("v1", 5L);
    everyBitFlipIsCaught(lock, r -> Records.openLockV1(r, "KEY"));
    assertEquals(new Records.LockView("v1", 5L), Records.openLockV1(lock, "KEY"));
    assertThrows(CorruptDataException.class, () -> Records.openLock(KEY, lock, "KEY"));
  }

  @Test
  void lockVersionCheckWithoutDecoding() {
    for (String version : new String[] {"01ARZ3NDEKTSV4RRFFQ69G5FAV", "v", "versión-ü", "\uD83D\uDE00x"}) {
      byte[] lock = Records.lock(KEY, version, 1767225600L);
      assertEquals(1767225600L, Records.lockTtlIfVersion(KEY, lock, "KEY", version), version);
      // a byte array of the same version writes the same record
      assertTrue(java.util.Arrays.equals(lock, Records.lock(KEY,
          version.getBytes(java.nio.charset.StandardCharsets.UTF_8), 1767225600L)));
      for (String other : new String[] {version + "0", version.substring(1), "", "X" + version.substring(1),
          version.substring(0, version.length() - 1) + "\u00e9"}) {
        assertEquals(Records.OTHER_VERSION, Records.lockTtlIfVersion(KEY, lock, "KEY", other),
            version + " against " + other);
      }
      everyBitFlipIsCaught(lock, r -> {
        if (Records.lockTtlIfVersion(KEY, r, "KEY", version) != 1767225600L) {
          throw new CorruptDataException("KEY: opened a flipped record as the same version");
        }
      });
      assertThrows(CorruptDataException.class, () -> Records.lockTtlIfVersion(OTHER, lock, "KEY", version));
    }
  }
}
