package io.github.atomicdb.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Writers of item and lock records exactly as store format 1 wrote them (data-format.md keeps
 * their description), to build format-1 stores for upgrade tests. Test scope only: no production
 * code writes format 1.
 */
public final class FormatV1Records {
  private FormatV1Records() {}

  /** A format-1 item envelope: payload {@code 0x01 | kryo | crc32c(timestamp, 0x01, kryo)}. */
  public static byte[] item(byte[] kryo, Long ttlSeconds) {
    boolean expiring = ttlSeconds != null;
    int n = 1 + kryo.length + 4;
    ByteBuffer b = ByteBuffer.allocate(26 + n + (expiring ? 4 : 0));
    b.putInt(0x7FFFFFFF).putLong(0x8000000000000000L);
    b.put(expiring ? (byte) 2 : 0).put((byte) 0);
    b.putLong(expiring ? ttlSeconds * 1_000_000L : 0L);
    b.putInt(n).put((byte) 1).put(kryo);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 14, 8);
    crc.update(b.array(), 26, 1 + kryo.length);
    b.putInt((int) crc.getValue());
    if (expiring) {
      b.putInt(0);
    }
    return b.array();
  }

  /** A format-1 lock record: {@code 0x01 | int64 ttl | version | crc32c(all before)}. */
  public static byte[] lock(String version, long ttlSeconds) {
    byte[] ver = version.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(1 + 8 + ver.length + 4);
    b.put((byte) 1).putLong(ttlSeconds).put(ver);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }
}
