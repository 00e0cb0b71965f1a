package io.github.atomicdb.internal;

import io.github.atomicdb.CorruptDataException;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.Space;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Converts the queue records of a store of format 1 (spaces QUEUE and QINDEX) to the records of
 * {@link QueueLayout}. Keys do not change; every value is rewritten:
 *
 * <ul>
 *   <li>entry: {@code u8 0x01 | ... | int32 crc32c(all before)} becomes the same fields behind
 *       format byte {@code 0x02}, with a checksum that covers the key too;
 *   <li>counters: likewise;
 *   <li>ready index: {@code int64 enqueuedAt}, and timed index: {@code u8 state | int64
 *       enqueuedAt}, gain the format byte and a checksum ({@link QueueLayout#indexValue}).
 * </ul>
 *
 * A value already in the new format is checked and left as it is, so a migration interrupted by a
 * crash can simply run again. The format-1 decoders live here and nowhere else: the engine reads
 * only the new format. Stateless and thread-safe.
 */
public final class QueueFormatV1 {
  private QueueFormatV1() {}

  private static final byte V1 = 1;
  /** Writes per commit of {@link #migrateQueueSpaces}. */
  private static final int BATCH = 1000;

  /**
   * Rewrites every record of spaces QUEUE and QINDEX of {@code kv} in the new format, in commits of
   * at most 1000 writes (fewer if the store allows fewer). Call it while nothing else uses the
   * store. Idempotent.
   *
   * <p>A record that is neither a sound format-1 record nor a sound new one (damaged) is left as
   * it is: the engine then refuses it with {@code CorruptDataException} naming its key when an
   * operation reads it, and {@code atomicdb verify} lists it, as for any damaged record. One
   * damaged record never keeps a store from opening.
   *
   * @return how many records were rewritten, and how many were left as they were because damaged
   */
  public static Result migrateQueueSpaces(KvStore kv) {
    int batch = Math.max(1, Math.min(BATCH, kv.maxOpsPerCommit()));
    long rewritten = 0;
    long damaged = 0;
    for (Space space : new Space[] {Space.QUEUE, Space.QINDEX}) {
      List<KvOp> ops = new ArrayList<>(batch);
      try (KvCursor c = kv.scan(space, new byte[0], new byte[] {(byte) 0xFF, (byte) 0xFF}, false, 0)) {
        while (c.next()) {
          byte[] key = c.key();
          byte[] value = c.value();
          byte[] converted;
          try {
            converted = convert(space, key, value);
          } catch (CorruptDataException e) {
            damaged++;
            continue;
          }
          if (converted != value) {
            ops.add(KvOp.put(space, key.clone(), converted));
            if (ops.size() >= batch) {
              kv.write(ops);
              rewritten += ops.size();
              ops = new ArrayList<>(batch);
            }
          }
        }
      }
      if (!ops.isEmpty()) {
        kv.write(ops);
        rewritten += ops.size();
      }
    }
    return new Result(rewritten, damaged);
  }

  /**
   * What {@link #migrateQueueSpaces} did.
   *
   * @param rewritten records converted to the new format
   * @param damaged records left as they were because they could not be read in either format
   */
  public record Result(long rewritten, long damaged) {}

  /**
   * The new-format value of the record {@code value} at {@code key} of {@code space} (QUEUE or
   * QINDEX); {@code value} itself if it already is in the new format.
   *
   * @throws CorruptDataException naming the key if the value is neither
   * @throws IllegalArgumentException for another space
   */
  public static byte[] convert(Space space, byte[] key, byte[] value) {
    String where = space + " key 0x" + KeyCodec.hex(key);
    if (space == Space.QUEUE) {
      if (value.length > 0 && value[0] == QueueLayout.FORMAT) {
        QueueLayout.openEntry(key, value, where);
        return value;
      }
      return QueueLayout.entry(key, openEntry(value, where));
    }
    if (space != Space.QINDEX) {
      throw new IllegalArgumentException("space must be QUEUE or QINDEX, was " + space);
    }
    if (key.length == 0) {
      throw QueueLayout.corrupt(where, "queue index key is empty");
    }
    switch (key[0]) {
      case QueueLayout.COUNTERS_TAG -> {
        if (value.length > 0 && value[0] == QueueLayout.FORMAT) {
          QueueLayout.openCounters(key, value, where);
          return value;
        }
        return QueueLayout.counters(key, openCounters(value, where));
      }
      case QueueLayout.READY_TAG, QueueLayout.TIMED_TAG -> {
        boolean ready = key[0] == QueueLayout.READY_TAG;
        if (value.length == 8 && ready) {
          return QueueLayout.indexValue(key, QueueLayout.READY, ByteBuffer.wrap(value).getLong());
        }
        if (value.length == 9 && !ready) {
          byte state = value[0];
          if (state != QueueLayout.IN_FLIGHT && state != QueueLayout.DELAYED) {
            throw QueueLayout.corrupt(where, "format-1 timed index value has state " + state);
          }
          return QueueLayout.indexValue(key, state, ByteBuffer.wrap(value).getLong(1));
        }
        QueueLayout.openIndexValue(key, value, where);
        return value;
      }
      default -> throw QueueLayout.corrupt(where, "unknown queue index record type " + key[0]);
    }
  }

  /** Format 1: {@code u8 0x01 | fields as in the new format | int32 crc32c(all before)}. */
  private static QueueLayout.Entry openEntry(byte[] v, Object where) {
    if (v.length < 28 || v[0] != V1) {
      throw QueueLayout.corrupt(where, "format-1 queue entry record is malformed");
    }
    ByteBuffer b = ByteBuffer.wrap(v);
    if (crc(v, v.length - 4) != b.getInt(v.length - 4)) {
      throw QueueLayout.corrupt(where, "format-1 queue entry checksum mismatch");
    }
    byte state = v[1];
    if (state != QueueLayout.READY && state != QueueLayout.IN_FLIGHT && state != QueueLayout.DELAYED) {
      throw QueueLayout.corrupt(where, "format-1 queue entry has state " + state);
    }
    int rl = v[23] & 0xFF;
    int kryoStart = 24 + rl;
    if (kryoStart > v.length - 4) {
      throw QueueLayout.corrupt(where, "format-1 queue entry receipt overruns the record");
    }
    String receipt = new String(v, 24, rl, java.nio.charset.StandardCharsets.US_ASCII);
    byte[] kryo = java.util.Arrays.copyOfRange(v, kryoStart, v.length - 4);
    return new QueueLayout.Entry(state, b.getInt(2), b.getLong(6), b.getLong(14), v[22], receipt, kryo);
  }

  /** Format 1: {@code u8 0x01 | int64 ready | int64 inFlight | int64 delayed | int32 crc32c(all before)}. */
  private static QueueLayout.Counters openCounters(byte[] v, Object where) {
    if (v.length != 29 || v[0] != V1) {
      throw QueueLayout.corrupt(where, "format-1 queue counters are malformed");
    }
    ByteBuffer b = ByteBuffer.wrap(v);
    if (crc(v, 25) != b.getInt(25)) {
      throw QueueLayout.corrupt(where, "format-1 queue counters checksum mismatch");
    }
    return new QueueLayout.Counters(b.getLong(1), b.getLong(9), b.getLong(17));
  }

  private static int crc(byte[] a, int len) {
    CRC32C c = new CRC32C();
    c.update(a, 0, len);
    return (int) c.getValue();
  }
}
