package io.github.atomicdb.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * The view a transaction body has of the store. Not thread-safe: used by one thread, inside
 * {@link KvStore#transact}. Every method throws {@link IllegalStateException} once the body has
 * returned or thrown.
 */
public interface KvTxn {
  /**
   * Reads a key and records it for validation: the commit fails with {@link
   * KvConflictException} if another commit wrote this key after the transaction began (in a
   * transaction of {@link KvStore#transactOnLatest}, which may read the latest value instead:
   * after this read). Sees this transaction's own writes.
   */
  byte[] getForUpdate(Space space, byte[] key);

  /**
   * {@link #getForUpdate} of several keys of one space: one round trip on a networked backend.
   * The result has the same length and order as {@code keys}, null where absent.
   */
  default List<byte[]> getForUpdate(Space space, List<byte[]> keys) {
    List<byte[]> out = new ArrayList<>(keys.size());
    for (byte[] k : keys) {
      out.add(getForUpdate(space, k));
    }
    return out;
  }

  /** Buffers a put, applied at commit. */
  void put(Space space, byte[] key, byte[] value);

  /** Buffers a delete, applied at commit. */
  void delete(Space space, byte[] key);

  /**
   * Scans {@code [from, to)} of the state as of the transaction's start; this transaction's own
   * writes are NOT visible, and the range is not validated (validate what the result depends on
   * with {@link #getForUpdate}). The caller closes the cursor.
   */
  KvCursor scan(Space space, byte[] from, byte[] to, boolean reverse);
}
