package io.github.atomicdb.internal;

import io.github.atomicdb.CorruptDataException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The binary records of items and locks (queue records: {@link QueueLayout}); data-format.md
 * describes every byte and the golden tests pin them. All integers are big-endian. Stateless and
 * thread-safe.
 */
public final class Records {
  private Records() {}

  /** Record format byte of items and locks written by this version (queues: {@link QueueLayout}). */
  public static final byte FORMAT = 1;

  // ---------------------------------------------------------------- items (TTL row envelope)

  /** Bytes the item envelope adds around the payload (30 with a TTL). */
  public static final int ITEM_HEADER = 26;

  private static final int LOCAL_DELETION_TIME = 0x7FFFFFFF;
  private static final long MARKED_FOR_DELETE_AT = 0x8000000000000000L;
  private static final byte MASK_PLAIN = 0x00;
  private static final byte MASK_EXPIRING = 0x02;

  /**
   * The item envelope: Cassandra's row format with one column, so RocksDB's native
   * CassandraCompactionFilter can drop it once expired.
   *
   * <pre>
   * int32 0x7FFFFFFF | int64 0x8000000000000000 | u8 mask (0x00 plain, 0x02 expiring) | u8 0
   * | int64 timestamp (expiring: ttl seconds * 1e6; plain: 0) | int32 n | n bytes payload
   * | [expiring: int32 0]
   * payload = u8 FORMAT | kryo bytes | int32 crc32c(timestamp bytes, FORMAT, kryo bytes)
   * </pre>
   */
  public static byte[] item(byte[] kryo, Long ttlSeconds) {
    boolean expiring = ttlSeconds != null;
    int n = 1 + kryo.length + 4;
    ByteBuffer b = ByteBuffer.allocate(ITEM_HEADER + n + (expiring ? 4 : 0));
    b.putInt(LOCAL_DELETION_TIME);
    b.putLong(MARKED_FOR_DELETE_AT);
    b.put(expiring ? MASK_EXPIRING : MASK_PLAIN);
    b.put((byte) 0);
    long ts = expiring ? Math.multiplyExact(ttlSeconds, 1_000_000L) : 0L;
    b.putLong(ts);
    b.putInt(n);
    b.put(FORMAT);
    b.put(kryo);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 14, 8);
    crc.update(b.array(), ITEM_HEADER, 1 + kryo.length);
    b.putInt((int) crc.getValue());
    if (expiring) {
      b.putInt(0);
    }
    return b.array();
  }

  /** A decoded item envelope: where the Kryo bytes are, and the ttl (null = none). */
  public record ItemView(byte[] buf, int kryoOffset, int kryoLength, Long ttl) {}

  /**
   * Checks and opens an item envelope.
   *
   * @throws CorruptDataException naming {@code where} if any byte is off
   */
  public static ItemView openItem(byte[] v, Object where) {
    if (v.length < ITEM_HEADER + 5) {
      throw corrupt(where, "item record is " + v.length + " bytes, shorter than its header");
    }
    ByteBuffer b = ByteBuffer.wrap(v);
    if (b.getInt(0) != LOCAL_DELETION_TIME || b.getLong(4) != MARKED_FOR_DELETE_AT) {
      throw corrupt(where, "item record does not start with the row envelope");
    }
    byte mask = b.get(12);
    if ((mask != MASK_PLAIN && mask != MASK_EXPIRING) || b.get(13) != 0) {
      throw corrupt(where, "item record has column mask " + mask);
    }
    boolean expiring = mask == MASK_EXPIRING;
    long ts = b.getLong(14);
    int n = b.getInt(22);
    if (n < 5 || ITEM_HEADER + n + (expiring ? 4 : 0) != v.length) {
      throw corrupt(where, "item record length " + n + " does not match its size " + v.length);
    }
    if (v[ITEM_HEADER] != FORMAT) {
      throw corrupt(
          where, "item payload has format " + v[ITEM_HEADER] + "; this version reads " + FORMAT);
    }
    CRC32C crc = new CRC32C();
    crc.update(v, 14, 8);
    crc.update(v, ITEM_HEADER, n - 4);
    if ((int) crc.getValue() != b.getInt(ITEM_HEADER + n - 4)) {
      throw corrupt(where, "item record checksum mismatch");
    }
    Long ttl = null;
    if (expiring && b.getInt(ITEM_HEADER + n) != 0) {
      throw corrupt(where, "item record has a non-zero column ttl");
    }
    if (expiring) {
      // Not covered by the checksum, but read by the TTL compaction filter (expiry = timestamp +
      // ttl): a damaged value there could make compaction drop a live item, so it must stay 0.
      if (b.getInt(v.length - 4) != 0) {
        throw corrupt(where, "item record has Cassandra ttl " + b.getInt(v.length - 4) + ", not 0");
      }
      if (ts % 1_000_000L != 0) {
        throw corrupt(where, "item expiry " + ts + " is not whole seconds");
      }
      ttl = ts / 1_000_000L;
    } else if (ts != 0) {
      throw corrupt(where, "plain item record has timestamp " + ts);
    }
    return new ItemView(v, ITEM_HEADER + 1, n - 5, ttl);
  }

  // ---------------------------------------------------------------- locks

  /** Lock record: {@code u8 FORMAT | int64 ttl seconds | version UTF-8 | int32 crc32c(all before)}. */
  public static byte[] lock(String version, long ttlSeconds) {
    byte[] ver = version.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(1 + 8 + ver.length + 4);
    b.put(FORMAT).putLong(ttlSeconds).put(ver);
    b.putInt(crc(b.array(), 0, b.position()));
    return b.array();
  }

  /** A decoded lock record. */
  public record LockView(String version, long ttl) {}

  public static LockView openLock(byte[] v, Object where) {
    if (v.length < 13 || v[0] != FORMAT) {
      throw corrupt(where, "lock record is malformed");
    }
    ByteBuffer b = ByteBuffer.wrap(v);
    if (crc(v, 0, v.length - 4) != b.getInt(v.length - 4)) {
      throw corrupt(where, "lock record checksum mismatch");
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
