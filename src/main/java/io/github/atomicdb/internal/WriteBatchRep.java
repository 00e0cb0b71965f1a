package io.github.atomicdb.internal;

import io.github.atomicdb.spi.KvOp;
import java.util.List;

/**
 * RocksDB's serialized write batch (the {@code rep_} of {@code rocksdb::WriteBatch}, as
 * {@code WriteBatch.data()} returns it and {@code new WriteBatch(byte[])} takes it), built in Java
 * so that a batch crosses into native code in one call instead of one call per key:
 *
 * <pre>
 * fixed64 sequence (0) | fixed32 count | count records, each:
 *   put      0x05 varint32(column family id) varint32(key length) key varint32(value length) value
 *   delete   0x04 varint32(column family id) varint32(key length) key
 * (for the default column family, id 0: put 0x01 and delete 0x00 without the id)
 * </pre>
 *
 * Little-endian fixed-width integers, LEB128 varints: RocksDB's own encoding (db/write_batch.cc,
 * util/coding.h). Stateless and thread-safe.
 */
final class WriteBatchRep {
  private WriteBatchRep() {}

  private static final byte TYPE_DELETION = 0x00;
  private static final byte TYPE_VALUE = 0x01;
  private static final byte TYPE_CF_DELETION = 0x04;
  private static final byte TYPE_CF_VALUE = 0x05;
  private static final int HEADER = 12;

  /**
   * The serialized batch of {@code ops}, in order.
   *
   * @param columnFamilyIds the column family id of each {@link io.github.atomicdb.spi.Space}, by ordinal
   */
  static byte[] of(List<KvOp> ops, int[] columnFamilyIds) {
    int size = HEADER;
    for (KvOp op : ops) {
      int cf = columnFamilyIds[op.space().ordinal()];
      size += 1 + (cf == 0 ? 0 : varintLength(cf)) + varintLength(op.key().length) + op.key().length;
      if (op.value() != null) {
        size += varintLength(op.value().length) + op.value().length;
      }
    }
    byte[] out = new byte[size];
    int n = ops.size();
    out[8] = (byte) n;
    out[9] = (byte) (n >>> 8);
    out[10] = (byte) (n >>> 16);
    out[11] = (byte) (n >>> 24);
    int at = HEADER;
    for (KvOp op : ops) {
      int cf = columnFamilyIds[op.space().ordinal()];
      boolean put = op.value() != null;
      if (cf == 0) {
        out[at++] = put ? TYPE_VALUE : TYPE_DELETION;
      } else {
        out[at++] = put ? TYPE_CF_VALUE : TYPE_CF_DELETION;
        at = varint(out, at, cf);
      }
      at = bytes(out, at, op.key());
      if (put) {
        at = bytes(out, at, op.value());
      }
    }
    return out;
  }

  private static int bytes(byte[] out, int at, byte[] b) {
    at = varint(out, at, b.length);
    System.arraycopy(b, 0, out, at, b.length);
    return at + b.length;
  }

  private static int varint(byte[] out, int at, int v) {
    while ((v & ~0x7F) != 0) {
      out[at++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out[at++] = (byte) v;
    return at;
  }

  private static int varintLength(int v) {
    int n = 1;
    while ((v & ~0x7F) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }
}
