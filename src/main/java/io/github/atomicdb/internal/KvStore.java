package io.github.atomicdb.internal;

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
