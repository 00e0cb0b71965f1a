package io.github.atomicdb;

import io.github.atomicdb.spi.KvStore;

/*
 * A user call that is one commit must fit in one commit of the backend (KvStore.maxOpsPerCommit
 * and maxBytesPerCommit; etcd: 128 operations and about 1.5 MiB per transaction): checked after
 * the call's input is validated and encoded, before anything is written, so an oversized batch is
 * refused whole with a message naming the argument and the limit. Unlimited on memory and
 * RocksDB. Bytes are the keys and values written plus the keys validated, as the backend counts
 * maxBytesPerCommit.
 */
final class CommitLimits {
  private CommitLimits() {}

  /**
   * @param call the API call, e.g. "setAtomic"
   * @param field the argument that is too large, e.g. "items"
   * @param size how many entries {@code field} has
   * @param ops the operations the commit needs (puts, deletes)
   * @param bytes the bytes it needs (keys and values written, keys validated)
   * @throws IllegalArgumentException if the commit would not fit
   */
  static void check(KvStore kv, String call, String field, int size, long ops, long bytes) {
    int maxOps = kv.maxOpsPerCommit();
    if (ops > maxOps) {
      throw new IllegalArgumentException(call + ": " + field + " has " + size + " entries, " + ops
          + " operations in one commit; this store commits at most " + maxOps
          + " operations at once (its backend's limit per transaction): split " + field
          + " into smaller calls");
    }
    long maxBytes = kv.maxBytesPerCommit();
    if (bytes > maxBytes) {
      throw new IllegalArgumentException(call + ": " + field + " has " + size + " entries, about "
          + bytes + " bytes in one commit; this store commits at most " + maxBytes
          + " bytes at once (its backend's limit per transaction): split " + field
          + " into smaller calls or store less per entry");
    }
  }
}
