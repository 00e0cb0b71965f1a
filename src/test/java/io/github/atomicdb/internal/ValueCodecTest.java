package io.github.atomicdb.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.CorruptDataException;
import io.github.atomicdb.contract.ContractTypes;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ValueCodecTest {

  @Test
  void registrationRefusesClashesWithClearMessages() {
    Registrations r = new Registrations();
    r.add(ContractTypes.Point.class, 100);
    r.add(ContractTypes.Point.class, 100); // same pair again is fine
    IllegalArgumentException idTaken =
        assertThrows(IllegalArgumentException.class, () -> r.add(ContractTypes.Order.class, 100));
    assertTrue(idTaken.getMessage().contains("id 100 is already registered to"), idTaken.getMessage());
    assertTrue(idTaken.getMessage().contains("Point"), idTaken.getMessage());
    IllegalArgumentException classTaken =
        assertThrows(IllegalArgumentException.class, () -> r.add(ContractTypes.Point.class, 101));
    assertTrue(classTaken.getMessage().contains("already registered with id 100"), classTaken.getMessage());
    IllegalArgumentException low =
        assertThrows(IllegalArgumentException.class, () -> r.add(ContractTypes.Order.class, 99));
    assertTrue(low.getMessage().contains(">= 100"), low.getMessage());
    assertThrows(IllegalArgumentException.class, () -> r.add(String.class, 150));
    assertThrows(IllegalArgumentException.class, () -> r.add(java.util.ArrayList.class, 151));
    assertThrows(NullPointerException.class, () -> r.add(null, 152));
    assertEquals(Map.of(ContractTypes.Point.class, 100), r.asMap());
  }

  @Test
  void unregisteredClassOnWriteNamesClassAndRegister() {
    ValueCodec c = new ValueCodec(Map.of());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> c.encode(new ContractTypes.Point(1, 2)));
    assertTrue(e.getMessage().contains("io.github.atomicdb.contract.ContractTypes.Point"), e.getMessage());
    assertTrue(e.getMessage().contains("register(io.github.atomicdb.contract.ContractTypes.Point.class, id)"), e.getMessage());
  }

  @Test
  void unknownIdOnReadNamesTheIdAndTheRecord() {
    byte[] written = new ValueCodec(Map.of(ContractTypes.Point.class, 100)).encode(new ContractTypes.Point(1, 2));
    ValueCodec reader = new ValueCodec(Map.of());
    io.github.atomicdb.UnregisteredTypeException e = assertThrows(io.github.atomicdb.UnregisteredTypeException.class,
        () -> reader.decode(written, 0, written.length, "(pk 'p', sk 's')"));
    assertEquals(100, e.classId());
    assertTrue(e.getMessage().contains("class id 100"), e.getMessage());
    assertTrue(e.getMessage().contains("register(type, 100)"), e.getMessage());
    assertTrue(e.getMessage().contains("(pk 'p', sk 's')"), e.getMessage());
  }

  @Test
  void trailingOrTruncatedBytesAreCorruption() {
    ValueCodec c = new ValueCodec(Map.of());
    byte[] b = c.encode(List.of("a", "b", "c"));
    byte[] longer = java.util.Arrays.copyOf(b, b.length + 1);
    assertThrows(CorruptDataException.class, () -> c.decode(longer, 0, longer.length, "x"));
    assertThrows(CorruptDataException.class, () -> c.decode(b, 0, b.length - 1, "x"));
  }

  /** encodeItem is Records.item of encode, for values small and larger than the first buffer. */
  @Test
  void encodeItemIsTheItemRecordOfTheEncodedValue() {
    ValueCodec c = new ValueCodec(Map.of(ContractTypes.Point.class, 100));
    byte[] key = KeyCodec.encode("pk", "sk");
    for (Object o : List.of("x", "y".repeat(5000), new ContractTypes.Point(3, 4), List.of(1, 2))) {
      for (Long ttl : java.util.Arrays.asList(null, 1_700_000_000L)) {
        byte[] record = c.encodeItem(key, o, ttl);
        assertArrayEquals(Records.item(key, c.encode(o), ttl), record);
        Records.ItemView v = Records.openItem(key, record, "x");
        assertEquals(o, c.decode(v.buf(), v.kryoOffset(), v.kryoLength(), "x"));
        assertEquals(ttl, v.ttl());
      }
    }
    assertThrows(IllegalArgumentException.class, () -> c.encodeItem(key, new Object(), null));
    assertArrayEquals(Records.item(key, c.encode("after a refusal"), null),
        c.encodeItem(key, "after a refusal", null), "the codec's buffer is reset after a refusal");
  }

  /**
   * Threads encoding and decoding at once each get a codec context of their own: every value
   * comes back whole (a context shared by two threads mixes their bytes).
   */
  @Test
  void concurrentEncodesAndDecodesNeverShareABuffer() throws Exception {
    ValueCodec c = new ValueCodec(Map.of());
    int threads = 6;
    java.util.concurrent.atomic.AtomicInteger wrong = new java.util.concurrent.atomic.AtomicInteger();
    List<Thread> all = new java.util.ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String mine = ("thread" + t + "-").repeat(40);
      Thread th = new Thread(() -> {
        byte[] key = KeyCodec.encode("pk", mine.substring(0, 10));
        for (int i = 0; i < 20_000; i++) {
          String value = mine + i;
          try {
            byte[] b = c.encode(value);
            byte[] record = c.encodeItem(key, value, null);
            Records.ItemView v = Records.openItem(key, record, "x");
            if (!value.equals(c.decode(b, 0, b.length, "x"))
                || !value.equals(c.decode(v.buf(), v.kryoOffset(), v.kryoLength(), "x"))) {
              wrong.incrementAndGet();
            }
          } catch (RuntimeException e) { // a damaged record or a Kryo error: also a shared buffer
            wrong.incrementAndGet();
          }
        }
      });
      all.add(th);
      th.start();
    }
    for (Thread th : all) {
      th.join();
    }
    assertEquals(0, wrong.get(), "values that came back changed");
  }

  @Test
  void registeredUserTypesRoundTrip() {
    ValueCodec c = new ValueCodec(Map.of(ContractTypes.Point.class, 100, ContractTypes.Box.class, 102));
    ContractTypes.Box box = new ContractTypes.Box();
    box.items.add("x");
    for (Object o : List.of(new ContractTypes.Point(-1, 7), box, List.of(new ContractTypes.Point(1, 1)))) {
      byte[] b = c.encode(o);
      assertEquals(o, c.decode(b, 0, b.length, "x"));
    }
    assertEquals(100, ValueCodec.classIdAt(c.encode(new ContractTypes.Point(0, 0)), 0, 1));
  }

  /** A forged length near 2^31 is refused before anything is allocated (no OutOfMemoryError). */
  @Test
  void forgedHugeLengthsAreCorruptionNotOutOfMemory() {
    ValueCodec c = new ValueCodec(Map.of());
    byte[] huge = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07}; // varint 2^31 - 1
    int[] classIds = {10, 29, 38, 40, 42, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 11, 12};
    for (int id : classIds) {
      byte[] forged = new byte[1 + huge.length];
      forged[0] = (byte) (id + 2);
      System.arraycopy(huge, 0, forged, 1, huge.length);
      CorruptDataException e = assertThrows(CorruptDataException.class,
          () -> c.decode(forged, 0, forged.length, "(pk 'p', sk 's')"), "class id " + id);
      assertTrue(e.getMessage().contains("(pk 'p', sk 's')"), e.getMessage());
    }
    // a non-ASCII string whose flagged char count is 2^31 - 1
    byte[] str = {0x03, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07};
    assertThrows(CorruptDataException.class, () -> c.decode(str, 0, str.length, "x"));
    // the checks leave honest values alone, at the exact sizes
    for (Object o : List.of(new byte[300], new int[] {1, 2, 3}, new String[] {"é", "ü"}, new Object[] {1, "a"},
        "ünïcödé ".repeat(50), new java.util.ArrayList<>(List.of(1, 2)), new java.util.ArrayDeque<>(List.of("x")),
        List.of(1, 2, 3), Map.of("k", List.of("v")))) {
      byte[] b = c.encode(o);
      Object back = c.decode(b, 0, b.length, "x");
      if (o instanceof Object[] a) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, (Object[]) back);
      } else if (o instanceof byte[] a) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, (byte[]) back);
      } else if (o instanceof int[] a) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, (int[]) back);
      } else if (o instanceof java.util.ArrayDeque<?> d) {
        assertEquals(List.copyOf(d), List.copyOf((java.util.ArrayDeque<?>) back));
      } else {
        assertEquals(o, back);
      }
    }
  }
}
