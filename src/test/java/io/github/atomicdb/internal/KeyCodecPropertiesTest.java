package io.github.atomicdb.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.ItemKey;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of the key layout over random strings that favour the hard cases: U+0000, 0xFF-free
 * multi-byte code points, surrogate pairs, separators and reserved-looking prefixes.
 */
class KeyCodecPropertiesTest {

  @Provide
  Arbitrary<String> part() {
    Arbitrary<String> nasty =
        Arbitraries.of(
            "\u0000", "\u0000\u0000", "\u00FF", "\u007F", "#", ":", "a", "z", "é", "\uFFFF",
            "\uD83D\uDE00", "\uDBFF\uDFFF", "__LOCK_", "__ATOMICDB_", "user#1", "user#10");
    Arbitrary<String> codePoints =
        Arbitraries.integers()
            .between(0, 0x10FFFF)
            .filter(cp -> cp < 0xD800 || cp > 0xDFFF)
            .map(Character::toString);
    Arbitrary<String> piece = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, nasty), net.jqwik.api.Tuple.of(2, codePoints),
        net.jqwik.api.Tuple.of(2, Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(3)));
    return piece.list().ofMinSize(1).ofMaxSize(6).map(l -> String.join("", l))
        .filter(s -> !s.isEmpty() && !s.startsWith("__LOCK__") && !s.startsWith("__ATOMICDB__"));
  }

  @Provide
  Arbitrary<ItemKey> key() {
    return Combinators.combine(part(), part()).as(ItemKey::new);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Property(tries = 1000)
  void roundTripsAndIsInjective(@ForAll("key") ItemKey a, @ForAll("key") ItemKey b) {
    byte[] ea = KeyCodec.encode(a);
    byte[] eb = KeyCodec.encode(b);
    assertEquals(a, KeyCodec.decode(ea));
    assertEquals(a.equals(b), Arrays.equals(ea, eb), a + " vs " + b);
  }

  @Property(tries = 1000)
  void ordersBySkCodePointsWithinAPartition(
      @ForAll("part") String pk, @ForAll("part") String s1, @ForAll("part") String s2) {
    int bytes = Integer.signum(Arrays.compareUnsigned(utf8(s1), utf8(s2)));
    int codePoints = Integer.signum(compareCodePoints(s1, s2));
    assertEquals(codePoints, bytes, "UTF-8 order is code point order");
    assertEquals(
        bytes,
        Integer.signum(Arrays.compareUnsigned(KeyCodec.encode(pk, s1), KeyCodec.encode(pk, s2))));
  }

  @Property(tries = 1000)
  void partitionRangeHoldsExactlyItsOwnKeys(@ForAll("key") ItemKey key, @ForAll("part") String pk) {
    byte[] part = KeyCodec.partition(utf8(pk));
    byte[] end = KeyCodec.prefixEnd(part);
    byte[] k = KeyCodec.encode(key);
    boolean inRange = Arrays.compareUnsigned(k, part) >= 0 && Arrays.compareUnsigned(k, end) < 0;
    assertEquals(key.pk().equals(pk), inRange, key + " in range of pk " + pk);
  }

  @Property(tries = 1000)
  void skPrefixRangeHoldsExactlyTheMatchingKeys(
      @ForAll("key") ItemKey key, @ForAll("part") String prefix) {
    byte[] from = KeyCodec.join(utf8(key.pk()), utf8(prefix));
    byte[] to = KeyCodec.prefixEnd(from);
    byte[] k = KeyCodec.encode(key);
    boolean inRange = Arrays.compareUnsigned(k, from) >= 0 && Arrays.compareUnsigned(k, to) < 0;
    assertEquals(key.sk().startsWith(prefix), inRange, key + " with prefix " + prefix);
  }

  @Property(tries = 500)
  void loneSurrogatesAreRefused(@ForAll("part") String s, @ForAll("loneSurrogate") char c) {
    String bad = s + c;
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> KeyCodec.encode(bad, "x"));
    assertTrue(e.getMessage().contains("pk"));
  }

  @Provide
  Arbitrary<Character> loneSurrogate() {
    return Arbitraries.chars().range('\uD800', '\uDFFF');
  }

  @Property(tries = 200)
  void reservedPrefixesAreRefused(@ForAll("part") String rest) {
    for (String r : KeyCodec.RESERVED_PREFIXES) {
      org.junit.jupiter.api.Assertions.assertThrows(
          IllegalArgumentException.class, () -> KeyCodec.encode(r + rest, "x"));
      org.junit.jupiter.api.Assertions.assertThrows(
          IllegalArgumentException.class, () -> KeyCodec.encode("x", r + rest));
    }
  }

  @Property(tries = 500)
  void encodedKeysNeverContainFfOutsideEscapes(@ForAll("key") ItemKey key) {
    byte[] k = KeyCodec.encode(key);
    for (int i = 0; i < k.length; i++) {
      if (k[i] == (byte) 0xFF) {
        assertTrue(i > 0 && k[i - 1] == 0, "0xFF only right after an escaped 0x00");
      }
    }
    assertFalse(k.length == 0);
    assertArrayEquals(k, KeyCodec.join(utf8(key.pk()), utf8(key.sk())));
  }

  private static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  /** Parts that reach every branch of encode's check: ASCII (with and without NUL), reserved
   * prefixes and near misses, empty, at and over the length limits, non-ASCII, lone surrogates. */
  @Provide
  Arbitrary<String> anyPart() {
    return Arbitraries.oneOf(
        part(),
        Arbitraries.strings().ascii().ofMinLength(0).ofMaxLength(12),
        Arbitraries.of("", "_", "__", "__LOCK__", "__LOCK__x", "__LOCK_", "__ATOMICDB__", "__ATOMICDB",
            "_x", "a\u0000b", "\u0000", "\uD800", "x\uDC00", "a".repeat(1024), "a".repeat(1025),
            "b".repeat(2048), "b".repeat(2049), "é".repeat(512), "é".repeat(513)),
        Arbitraries.strings().withCharRange('\u0000', '\u00FF').ofMaxLength(6));
  }

  /** encode gives the bytes of checkPk + checkSk + join, or exactly their exception. */
  @Property(tries = 3000)
  void encodeIsTheCheckedJoinOfItsParts(@ForAll("anyPart") String pk, @ForAll("anyPart") String sk) {
    byte[] expected;
    RuntimeException refusal = null;
    try {
      expected = KeyCodec.join(KeyCodec.checkPk(pk), KeyCodec.checkSk(sk));
    } catch (RuntimeException e) {
      expected = null;
      refusal = e;
    }
    if (refusal == null) {
      assertArrayEquals(expected, KeyCodec.encode(pk, sk));
      return;
    }
    RuntimeException got = null;
    try {
      KeyCodec.encode(pk, sk);
    } catch (RuntimeException e) {
      got = e;
    }
    assertTrue(got != null, "encode accepted what the checks refuse: " + refusal.getMessage());
    assertEquals(refusal.getClass(), got.getClass());
    assertEquals(refusal.getMessage(), got.getMessage());
  }
}
