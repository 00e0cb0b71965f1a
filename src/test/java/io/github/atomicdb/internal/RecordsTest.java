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

  @Test
  void itemEnvelopes() {
    everyBitFlipIsCaught(Records.item(codec.encode("some data"), null), r -> Records.openItem(r, "KEY"));
    everyBitFlipIsCaught(Records.item(codec.encode(12345L), 1767225600L), r -> Records.openItem(r, "KEY"));
    Records.ItemView v = Records.openItem(Records.item(codec.encode("x"), 99L), "KEY");
    assertEquals(99L, v.ttl());
    assertEquals("x", codec.decode(v.buf(), v.kryoOffset(), v.kryoLength(), "KEY"));
  }

  @Test
  void locks() {
    everyBitFlipIsCaught(Records.lock("01ARZ3NDEKTSV4RRFFQ69G5FAV", 1767312000L), r -> Records.openLock(r, "KEY"));
    assertEquals(new Records.LockView("v1", 5L), Records.openLock(Records.lock("v1", 5L), "KEY"));
  }
}
