package io.github.atomicdb.spi;

import java.util.List;
import java.util.function.Function;

/**
 * The ordered key-value backend the engine runs on: byte keys ordered unsigned, in a few {@link
 * Space}s, with atomic batches and optimistic transactions. Small on purpose, so that an engine
 * over etcd or another ordered store with multi-key compare-and-commit fits it.
 *
 * <p>Arrays passed in become the backend's; arrays returned must not be mutated. All methods
 * are thread-safe. After {@link #close()} every method throws {@link IllegalStateException}.
 */
public interface KvStore extends AutoCloseable {
  /**
   * True when this process is the store's only writer (a RocksDB directory, held through its
   * LOCK file; a memory store). The engine may then keep per-queue state in memory between
   * commits and commit queue operations without validated reads. False (the default) for a
   * store that other processes write too: every commit validates what it read.
   */
  default boolean singleWriter() {
    return false;
  }

  /**
   * The most operations (puts and deletes) one commit ({@link #write} or {@link #transact}) may
   * hold; the engine splits its own work to fit and refuses a larger user batch before writing.
   */
  default int maxOpsPerCommit() {
    return Integer.MAX_VALUE;
  }

  /** The most bytes (keys plus values) one commit may hold; see {@link #maxOpsPerCommit()}. */
  default long maxBytesPerCommit() {
    return Long.MAX_VALUE;
  }

  /** The committed value at {@code key}, or null. */
  byte[] get(Space space, byte[] key);

  /** The committed values at {@code keys}, from one consistent snapshot; null where absent. */
  List<byte[]> multiGet(Space space, List<byte[]> keys);

  /**
   * A lazy cursor over {@code [from, to)} of one consistent snapshot, ascending or (when {@code
   * reverse}) descending. The caller closes it.
   *
   * @param limitHint the caller reads at most this many entries (0 = maybe all); a backend may
   *     use it to bound read-ahead
   */
  KvCursor scan(Space space, byte[] from, byte[] to, boolean reverse, int limitHint);

  /** Applies every op in one atomic, unconditional commit. */
  void write(List<KvOp> ops);

  /**
   * Runs {@code body} in a new optimistic transaction and commits its writes atomically.
   *
   * @throws KvConflictException if a key read with {@link KvTxn#getForUpdate} was written by
   *     another commit meanwhile; nothing was written (the caller may run the body again)
   * @throws RuntimeException whatever {@code body} throws; nothing is written then either
   */
  <T> T transact(Function<KvTxn, T> body);

  /** Releases every resource. Idempotent. */
  @Override
  void close();
}
