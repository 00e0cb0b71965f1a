package io.github.atomicdb.internal;

import io.github.atomicdb.CorruptDataException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The binary records of items and locks (queue records: {@link QueueLayout}); data-format.md
 * describes every byte and the golden tests pin them. All integers are big-endian. Stateless and
 * thread-safe.
 */
public final class Records {
  private Records() {}

  /** Format byte of the records of store format 1, read only by the upgrade. */
  public static final byte FORMAT = 1;

  /** Payload format byte of item records of store format 2 (the checksum covers the key). */
  public static final byte ITEM_FORMAT = 2;

  /** Payload format byte of lock records of store format 2 (TTL row envelope, keyed checksum). */
  public static final byte LOCK_FORMAT = 2;

  /** Checksum tag of item records ('I'); not stored. */
  public static final byte ITEM_TAG = 0x49;

  /** Checksum tag of lock records ('L'); not stored. */
  public static final byte LOCK_TAG = 0x4C;

  /** Payload format byte of item and lock records of store format 1; read only to migrate them. */
  public static final byte FORMAT_V1 = 1;

  // ---------------------------------------------------------------- TTL row envelope

  /** Bytes the envelope adds around the payload (30 with a TTL). */
  public static final int ITEM_HEADER = 26;

  private static final int LOCAL_DELETION_TIME = 0x7FFFFFFF;
  private static final long MARKED_FOR_DELETE_AT = 0x8000000000000000L;
  private static final byte MASK_PLAIN = 0x00;
  private static final byte MASK_EXPIRING = 0x02;

  /**
   * The envelope of items and locks: Cassandra's row format with one column, so RocksDB's native
   * CassandraCompactionFilter drops the record once expired.
   *
   * <pre>
   * int32 0x7FFFFFFF | int64 0x8000000000000000 | u8 mask (0x00 plain, 0x02 expiring) | u8 0
   * | int64 timestamp (expiring: ttl seconds * 1e6; plain: 0) | int32 n | n bytes payload
   * | [expiring: int32 0]
   * payload = u8 format | body
   *     | int32 crc32c(u8 space tag, int32 key length, key, timestamp bytes, format, body)
   * </pre>
   *
   * The space tag ({@link #ITEM_TAG}, {@link #LOCK_TAG}) is not stored: it makes a record copied
   * to the other space fail its checksum, as the key makes a record copied to another key fail.
   */
  private static byte[] envelope(
      byte tag, byte[] key, byte format, byte[] body, int bodyLength, Long ttlSeconds) {
    boolean expiring = ttlSeconds != null;
    int n = 1 + bodyLength + 4;
    byte[] b = new byte[ITEM_HEADER + n + (expiring ? 4 : 0)];
    INT.set(b, 0, LOCAL_DELETION_TIME);
    LONG.set(b, 4, MARKED_FOR_DELETE_AT);
    b[12] = expiring ? MASK_EXPIRING : MASK_PLAIN;
    // b[13] (column index) stays 0
    LONG.set(b, 14, expiring ? Math.multiplyExact(ttlSeconds, 1_000_000L) : 0L);
    INT.set(b, 22, n);
    b[ITEM_HEADER] = format;
    System.arraycopy(body, 0, b, ITEM_HEADER + 1, bodyLength);
    INT.set(b, ITEM_HEADER + 1 + bodyLength, keyedCrc(tag, key, b, 1 + bodyLength));
    // expiring: the Cassandra ttl after the payload stays 0
    return b;
  }

  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  /** CRC32C of the tag, int32 key length, key, the timestamp and the payload's first {@code len} bytes. */
  private static int keyedCrc(byte tag, byte[] key, byte[] v, int len) {
    CRC32C crc = new CRC32C();
    crc.update(tag);
    int n = key.length;
    crc.update(n >>> 24);
    crc.update(n >>> 16);
    crc.update(n >>> 8);
    crc.update(n);
    crc.update(key);
    crc.update(v, 14, 8);
    crc.update(v, ITEM_HEADER, len);
    return (int) crc.getValue();
  }

  /** Where an envelope's body lies, and its ttl (null = none). */
  private record Opened(int bodyOffset, int bodyLength, Long ttl) {}

  /**
   * Checks an envelope; {@code key == null} checks a format-1 record (checksum without the key).
   *
   * @throws CorruptDataException naming {@code where} if any byte is off
   */
  private static Opened openEnvelope(
      byte tag, byte[] key, byte[] v, Object where, String kind, byte format) {
    if (v.length < ITEM_HEADER + 5) {
      throw corrupt(where, kind + " record is " + v.length + " bytes, shorter than its header");
    }
    if ((int) INT.get(v, 0) != LOCAL_DELETION_TIME
        || (long) LONG.get(v, 4) != MARKED_FOR_DELETE_AT) {
      throw corrupt(where, kind + " record does not start with the row envelope");
    }
    byte mask = v[12];
    if ((mask != MASK_PLAIN && mask != MASK_EXPIRING) || v[13] != 0) {
      throw corrupt(where, kind + " record has column mask " + mask);
    }
    boolean expiring = mask == MASK_EXPIRING;
    long ts = (long) LONG.get(v, 14);
    int n = (int) INT.get(v, 22);
    if (n < 5 || ITEM_HEADER + (long) n + (expiring ? 4 : 0) != v.length) {
      throw corrupt(where, kind + " record length " + n + " does not match its size " + v.length);
    }
    if (v[ITEM_HEADER] != format) {
      throw corrupt(where, kind + " record has format " + v[ITEM_HEADER] + " where format " + format
          + " is expected");
    }
    int crc;
    if (key == null) {
      CRC32C c = new CRC32C();
      c.update(v, 14, 8);
      c.update(v, ITEM_HEADER, n - 4);
      crc = (int) c.getValue();
    } else {
      crc = keyedCrc(tag, key, v, n - 4);
    }
    if (crc != (int) INT.get(v, ITEM_HEADER + n - 4)) {
      throw corrupt(where, kind + " record checksum mismatch (damaged, or not written for this key)");
    }
    Long ttl = null;
    if (expiring) {
      // Not covered by the checksum, but read by the TTL compaction filter (expiry = timestamp +
      // ttl): a damaged value there could make compaction drop a live record, so it must stay 0.
      int cassandraTtl = (int) INT.get(v, v.length - 4);
      if (cassandraTtl != 0) {
        throw corrupt(where, kind + " record has Cassandra ttl " + cassandraTtl + ", not 0");
      }
      if (ts % 1_000_000L != 0) {
        throw corrupt(where, kind + " expiry " + ts + " is not whole seconds");
      }
      ttl = ts / 1_000_000L;
    } else if (ts != 0) {
      throw corrupt(where, "plain " + kind + " record has timestamp " + ts);
    }
    return new Opened(ITEM_HEADER + 1, n - 5, ttl);
  }

  // ---------------------------------------------------------------- items

  /** The item record of {@code kryo} stored at {@code key}; {@code ttlSeconds} null = no expiry. */
  public static byte[] item(byte[] key, byte[] kryo, Long ttlSeconds) {
    return envelope(ITEM_TAG, key, ITEM_FORMAT, kryo, kryo.length, ttlSeconds);
  }

  /** {@link #item(byte[], byte[], Long)} of the first {@code kryoLength} bytes of {@code kryo}. */
  public static byte[] item(byte[] key, byte[] kryo, int kryoLength, Long ttlSeconds) {
    return envelope(ITEM_TAG, key, ITEM_FORMAT, kryo, kryoLength, ttlSeconds);
  }

  /** A decoded item envelope: where the Kryo bytes are, and the ttl (null = none). */
  public record ItemView(byte[] buf, int kryoOffset, int kryoLength, Long ttl) {}

  /**
   * Checks and opens the item record stored at {@code key}.
   *
   * @throws CorruptDataException naming {@code where} if any byte is off, or the record was
   *     written for another key
   */
  public static ItemView openItem(byte[] key, byte[] v, Object where) {
    Opened o = openEnvelope(ITEM_TAG, key, v, where, "item", ITEM_FORMAT);
    return new ItemView(v, o.bodyOffset(), o.bodyLength(), o.ttl());
  }

  /** Checks and opens an item record of store format 1 (checksum without the key). */
  public static ItemView openItemV1(byte[] v, Object where) {
    Opened o = openEnvelope(ITEM_TAG, null, v, where, "item", FORMAT_V1);
    return new ItemView(v, o.bodyOffset(), o.bodyLength(), o.ttl());
  }

  // ---------------------------------------------------------------- locks

  /**
   * The lock record stored at {@code key}: the TTL row envelope, always expiring at {@code
   * ttlSeconds}, whose body is the version in UTF-8. The envelope lets the compaction filter
   * drop expired locks, as it drops expired items.
   */
  public static byte[] lock(byte[] key, String version, long ttlSeconds) {
    return lock(key, version.getBytes(StandardCharsets.UTF_8), ttlSeconds);
  }

  /** {@link #lock(byte[], String, long)} of a version given as its UTF-8 bytes. */
  public static byte[] lock(byte[] key, byte[] version, long ttlSeconds) {
    return envelope(LOCK_TAG, key, LOCK_FORMAT, version, version.length, ttlSeconds);
  }

  /** A decoded lock record. */
  public record LockView(String version, long ttl) {}

  /**
   * Checks and opens the lock record stored at {@code key}.
   *
   * @throws CorruptDataException naming {@code where} if any byte is off, the record was written
   *     for another key, or it has no expiry
   */
  public static LockView openLock(byte[] key, byte[] v, Object where) {
    Opened o = openEnvelope(LOCK_TAG, key, v, where, "lock", LOCK_FORMAT);
    if (o.ttl() == null) {
      throw corrupt(where, "lock record has no expiry");
    }
    return new LockView(new String(v, o.bodyOffset(), o.bodyLength(), StandardCharsets.UTF_8), o.ttl());
  }

  /** What {@link #lockTtlIfVersion} returns for a lock of another version. */
  public static final long OTHER_VERSION = Long.MIN_VALUE;

  /**
   * Checks the lock record stored at {@code key} as {@link #openLock} does and returns its ttl if
   * its version is {@code version}, else {@link #OTHER_VERSION}; compares the stored bytes without
   * decoding them (the check of setAtomic).
   *
   * @throws CorruptDataException as {@link #openLock}
   */
  public static long lockTtlIfVersion(byte[] key, byte[] v, Object where, String version) {
    Opened o = openEnvelope(LOCK_TAG, key, v, where, "lock", LOCK_FORMAT);
    if (o.ttl() == null) {
      throw corrupt(where, "lock record has no expiry");
    }
    int n = version.length();
    int at = o.bodyOffset();
    boolean ascii = true;
    for (int i = 0; ascii && i < n; i++) {
      ascii = version.charAt(i) < 0x80;
    }
    boolean same;
    if (ascii) {
      // an ASCII version's UTF-8 bytes are its chars
      same = n == o.bodyLength();
      for (int i = 0; same && i < n; i++) {
        same = v[at + i] == (byte) version.charAt(i);
      }
    } else {
      same = new String(v, at, o.bodyLength(), StandardCharsets.UTF_8).equals(version);
    }
    return same ? o.ttl() : OTHER_VERSION;
  }

  /**
   * Checks and opens a lock record of store format 1: {@code u8 0x01 | int64 ttl seconds | version
   * UTF-8 | int32 crc32c(all before)}.
   */
  public static LockView openLockV1(byte[] v, Object where) {
    if (v.length < 13 || v[0] != FORMAT_V1) {
      throw corrupt(where, "format-1 lock record is malformed");
    }
    ByteBuffer b = ByteBuffer.wrap(v);
    if (crc(v, 0, v.length - 4) != b.getInt(v.length - 4)) {
      throw corrupt(where, "format-1 lock record checksum mismatch");
    }
    return new LockView(new String(v, 9, v.length - 13, StandardCharsets.UTF_8), b.getLong(1));
  }

  // ---------------------------------------------------------------- helpers

  static int crc(byte[] a, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(a, off, len);
    return (int) c.getValue();
  }

  static CorruptDataException corrupt(Object where, String what) {
    return new CorruptDataException(what + " at " + where + "; the store's data is damaged");
  }
}
