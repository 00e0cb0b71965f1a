package io.github.atomicdb;

import com.github.f4b6a3.ulid.Ulid;
import com.github.f4b6a3.ulid.UlidFactory;
import java.util.function.Supplier;

/**
 * The store's ids: monotonic ULIDs from one ulid-creator generator per JVM (generated queue sks,
 * receipts and lock versions; unique and increasing), as text or as the ASCII bytes of that
 * text. The bytes are written here directly from the ULID's two longs, in Crockford's base 32
 * exactly as {@link Ulid#toString()} spells them, so a generated sk or lock version costs no
 * String on the hot paths. Thread-safe.
 */
final class UlidIds implements Supplier<String> {
  static final UlidIds SHARED = new UlidIds();

  /** Length of a ULID's text. */
  static final int LENGTH = 26;

  private static final byte[] ALPHABET =
      "0123456789ABCDEFGHJKMNPQRSTVWXYZ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final UlidFactory factory = UlidFactory.newMonotonicInstance();

  private UlidIds() {}

  /** The next id as text. */
  @Override
  public String get() {
    return factory.create().toString();
  }

  /** The next id as the ASCII bytes of its text. */
  byte[] nextAscii() {
    Ulid u = factory.create();
    return ascii(u.getMostSignificantBits(), u.getLeastSignificantBits());
  }

  /**
   * The 26 ASCII characters of the 128-bit ULID {@code msb:lsb}: the first encodes its top 3
   * bits, each of the others the next 5.
   */
  static byte[] ascii(long msb, long lsb) {
    byte[] out = new byte[LENGTH];
    out[0] = ALPHABET[(int) (msb >>> 61)];
    // Characters 1..12 take bits 124..65 (all in msb), 13 straddles (bit 64 and bits 63..60),
    // 14..25 take bits 59..0 (all in lsb).
    for (int i = 1; i <= 12; i++) {
      out[i] = ALPHABET[(int) ((msb >>> (56 - 5 * (i - 1))) & 31)];
    }
    out[13] = ALPHABET[(int) (((msb & 1) << 4) | (lsb >>> 60))];
    for (int i = 14; i < LENGTH; i++) {
      out[i] = ALPHABET[(int) ((lsb >>> (5 * (LENGTH - 1 - i))) & 31)];
    }
    return out;
  }
}
