package io.github.atomicdb.internal;

import io.github.atomicdb.ItemKey;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Encodes item keys to ordered bytes and back; see data-format.md, "Keys".
 *
 * <pre>
 * key = escape(utf8(pk)) 0x00 utf8(sk)
 * escape: every 0x00 byte becomes 0x00 0xFF (FoundationDB's tuple-layer rule)
 * </pre>
 *
 * Properties (each proven by property tests): injective; for one pk, unsigned byte order of keys
 * is the UTF-8 byte order of sk (code point order); all keys of pk lie in {@code [partition(pk),
 * partitionEnd(pk))} and no key of another pk does, because UTF-8 never contains 0xFF while an
 * escaped 0x00 inside a longer pk continues with 0xFF. Thread-safe (stateless).
 */
public final class KeyCodec {
  /** Longest pk in UTF-8 bytes (DynamoDB's partition-key limit). */
  public static final int MAX_PK_BYTES = 2048;
  /** Longest sk in UTF-8 bytes (DynamoDB's sort-key limit). */
  public static final int MAX_SK_BYTES = 1024;
  /** Key prefixes reserved for the library; refused in user pk and sk. */
  public static final String[] RESERVED_PREFIXES = {"__LOCK__", "__ATOMICDB__"};

  private KeyCodec() {}

  /** Strict UTF-8 of {@code s}, refusing lone surrogates; {@code field} names it in errors. */
  public static byte[] utf8(String s, String field) {
    // Fast path: pure ASCII needs no encoder.
    int n = s.length();
    boolean ascii = true;
    for (int i = 0; i < n; i++) {
      if (s.charAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return s.getBytes(StandardCharsets.ISO_8859_1);
    }
    CharsetEncoder enc =
        StandardCharsets.UTF_8
            .newEncoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      ByteBuffer bb = enc.encode(CharBuffer.wrap(s));
      return Arrays.copyOfRange(bb.array(), bb.position(), bb.limit());
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(
          field + " is not valid UTF-16 (it holds a lone surrogate), so it cannot be stored as"
              + " UTF-8; pass a well-formed string");
    }
  }

  /** Checks a user key part and returns its UTF-8 bytes. */
  public static byte[] checkPart(String value, String field, int maxBytes) {
    Objects.requireNonNull(value, field + " must not be null");
    if (value.isEmpty()) {
      throw new IllegalArgumentException(field + " must not be empty");
    }
    for (String reserved : RESERVED_PREFIXES) {
      if (value.startsWith(reserved)) {
        throw new IllegalArgumentException(
            field + " must not start with the reserved prefix " + reserved + " (was '"
                + abbreviate(value) + "')");
      }
    }
    byte[] b = utf8(value, field);
    if (b.length > maxBytes) {
      throw new IllegalArgumentException(
          field + " is " + b.length + " UTF-8 bytes; the limit is " + maxBytes + " bytes");
    }
    return b;
  }

  /** Checks a pk (queue name or partition) and returns its UTF-8 bytes. */
  public static byte[] checkPk(String pk) {
    return checkPart(pk, "pk", MAX_PK_BYTES);
  }

  /** Checks an sk and returns its UTF-8 bytes. */
  public static byte[] checkSk(String sk) {
    return checkPart(sk, "sk", MAX_SK_BYTES);
  }

  /** The encoded key of a checked (pk, sk). */
  public static byte[] encode(String pk, String sk) {
    if (pk != null && sk != null && plainAscii(pk, MAX_PK_BYTES) && plainAscii(sk, MAX_SK_BYTES)) {
      // Neither part needs escaping or an encoder: one array, one pass over each.
      int p = pk.length();
      int n = sk.length();
      byte[] out = new byte[p + 1 + n];
      for (int i = 0; i < p; i++) {
        out[i] = (byte) pk.charAt(i);
      }
      for (int i = 0; i < n; i++) {
        out[p + 1 + i] = (byte) sk.charAt(i);
      }
      return out;
    }
    return join(checkPk(pk), checkSk(sk));
  }

  /**
   * Whether {@code s} passes {@link #checkPart} and is ASCII without NUL (its UTF-8 bytes are
   * its chars and need no escape); false sends it the slow way, which gives the error if any.
   */
  private static boolean plainAscii(String s, int maxBytes) {
    int n = s.length();
    if (n == 0 || n > maxBytes) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == 0 || c >= 0x80) {
        return false;
      }
    }
    char first = s.charAt(0);
    for (String reserved : RESERVED_PREFIXES) {
      if (first == reserved.charAt(0) && s.startsWith(reserved)) {
        return false;
      }
    }
    return true;
  }

  /** The encoded key of an {@link ItemKey}. */
  public static byte[] encode(ItemKey key) {
    Objects.requireNonNull(key, "key must not be null");
    return encode(key.pk(), key.sk());
  }

  /** escape(pkUtf8) 0x00 skUtf8. */
  public static byte[] join(byte[] pkUtf8, byte[] skUtf8) {
    byte[] p = partition(pkUtf8);
    byte[] out = Arrays.copyOf(p, p.length + skUtf8.length);
    System.arraycopy(skUtf8, 0, out, p.length, skUtf8.length);
    return out;
  }

  /** escape(pkUtf8) 0x00: the first bytes of every key of this partition. */
  public static byte[] partition(byte[] pkUtf8) {
    int zeros = 0;
    for (byte b : pkUtf8) {
      if (b == 0) {
        zeros++;
      }
    }
    byte[] out = new byte[pkUtf8.length + zeros + 1];
    int j = 0;
    for (byte b : pkUtf8) {
      out[j++] = b;
      if (b == 0) {
        out[j++] = (byte) 0xFF;
      }
    }
    out[j] = 0;
    return out;
  }

  /**
   * The exclusive upper bound of every key starting with {@code prefix}, where what follows the
   * prefix is UTF-8 (which never holds 0xFF): {@code prefix 0xFF}.
   */
  public static byte[] prefixEnd(byte[] prefix) {
    byte[] out = Arrays.copyOf(prefix, prefix.length + 1);
    out[prefix.length] = (byte) 0xFF;
    return out;
  }

  /** Decodes a key written by {@link #join}; the inverse of {@link #encode}. */
  public static ItemKey decode(byte[] key) {
    return decode(key, 0);
  }

  /** Decodes a key that starts at {@code offset} of {@code key}. */
  public static ItemKey decode(byte[] key, int offset) {
    ByteArrayOutputStream pk = new ByteArrayOutputStream();
    int i = offset;
    while (true) {
      if (i >= key.length) {
        throw new CorruptKeyException("key has no pk terminator: " + hex(key));
      }
      byte b = key[i++];
      if (b == 0) {
        if (i < key.length && key[i] == (byte) 0xFF) {
          pk.write(0);
          i++;
          continue;
        }
        break;
      }
      pk.write(b);
    }
    String pkStr = new String(pk.toByteArray(), StandardCharsets.UTF_8);
    String skStr = new String(key, i, key.length - i, StandardCharsets.UTF_8);
    return new ItemKey(pkStr, skStr);
  }

  /** Index of the first sk byte of an encoded key starting at {@code offset}. */
  public static int skOffset(byte[] key, int offset) {
    int i = offset;
    while (i < key.length) {
      byte b = key[i++];
      if (b == 0) {
        if (i < key.length && key[i] == (byte) 0xFF) {
          i++;
          continue;
        }
        return i;
      }
    }
    throw new CorruptKeyException("key has no pk terminator: " + hex(key));
  }

  /** Lower-case hex of {@code b}, for messages and docs. */
  public static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder(b.length * 2);
    for (byte x : b) {
      sb.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
    }
    return sb.toString();
  }

  static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }

  /** A stored key that does not follow the key layout. */
  public static final class CorruptKeyException extends io.github.atomicdb.CorruptDataException {
    private static final long serialVersionUID = 1L;

    CorruptKeyException(String message) {
      super(message);
    }
  }
}
