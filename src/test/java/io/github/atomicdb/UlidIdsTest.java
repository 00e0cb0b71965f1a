package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.f4b6a3.ulid.Ulid;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The ids written as bytes (generated queue sks, lock versions) are exactly the ULID's text, and
 * they keep the generator's order.
 */
class UlidIdsTest {
  private static void assertSpelledAsText(long msb, long lsb) {
    String text = new Ulid(msb, lsb).toString();
    assertArrayEquals(text.getBytes(StandardCharsets.US_ASCII), UlidIds.ascii(msb, lsb),
        "bytes of " + text + " (" + Long.toHexString(msb) + ":" + Long.toHexString(lsb) + ")");
  }

  @Test
  void bytesAreTheTextOfEveryBitPattern() {
    assertSpelledAsText(0, 0);
    assertSpelledAsText(-1L, -1L);
    // Every single bit, so each of the 26 characters (and the one that straddles the two longs)
    // is checked for the bits it takes.
    for (int bit = 0; bit < 64; bit++) {
      assertSpelledAsText(1L << bit, 0);
      assertSpelledAsText(0, 1L << bit);
    }
    SplittableRandom r = new SplittableRandom(42);
    for (int i = 0; i < 10_000; i++) {
      assertSpelledAsText(r.nextLong(), r.nextLong());
    }
  }

  @Test
  void generatedBytesIncreaseAndMatchTheTextForm() {
    byte[] previous = UlidIds.SHARED.nextAscii();
    for (int i = 0; i < 10_000; i++) {
      byte[] next = UlidIds.SHARED.nextAscii();
      assertTrue(Arrays.compareUnsigned(previous, next) < 0, "ids must increase");
      // the text form parses back to the same bytes
      String text = new String(next, StandardCharsets.US_ASCII);
      Ulid u = Ulid.from(text);
      assertArrayEquals(next, UlidIds.ascii(u.getMostSignificantBits(), u.getLeastSignificantBits()));
      previous = next;
    }
    String s = UlidIds.SHARED.get();
    assertTrue(Arrays.compareUnsigned(previous, s.getBytes(StandardCharsets.US_ASCII)) < 0,
        "text and byte ids come from one generator");
  }
}
