package io.github.atomicdb.spi;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The ordered key-value backend the engine runs on: byte keys ordered unsigned, in a few {@link
 * Space}s, with atomic batches and optimistic transactions. Small on purpose, so that an engine
 * over etcd or another ordered store with multi-key compare-and-commit fits it.
 *
 * <p>Arrays passed in become the backend's; arrays returned must not be mutated. Keys and values
 * may be empty, never null (a null value in a {@link KvOp} is a delete). All methods are
 * thread-safe. After {@link #close()} every method throws {@link IllegalStateException}, and so
 * does every step of a cursor still open then.
 *
 * <p>{@code io.github.atomicdb.spi.KvStoreContract} in the core test jar is this contract as a
 * test suite: every backend runs it.
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
   * True when every commit ({@link #write}, {@link #transact}) is flushed to the device before it
   * returns (RocksDB opened with {@code syncWrites(true)}), so that each commit costs a device
   * flush however little it writes. The engine then waits differently in its queue group commit
   * (a thread waiting for its group parks until its commit is made instead of queueing for the
   * lock). False (the default) when a commit may return before it is flushed. Only single-writer
   * stores group their commits, so a shared backend may leave it false.
   */
  default boolean syncsWrites() {
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

  /**
   * Change notification, for a store that other processes write: calls {@code listener} after
   * each commit, by any writer, that puts a key of {@code space} starting with {@code prefix},
   * from the return of this call until the watch is closed or the store closes. The engine uses
   * it to wake waiting queue pulls when another process makes an entry available; without it,
   * they look again on a timer. A notification says only that the key was put: the listener reads
   * nothing from it but the key.
   *
   * @return the watch, or empty when the backend has none (the default: a single-writer store
   *     sees every commit in this process and needs none)
   */
  default Optional<KvWatch> watch(Space space, byte[] prefix, KvWatch.Listener listener) {
    return Optional.empty();
  }

  /** The committed value at {@code key}, or null. */
  byte[] get(Space space, byte[] key);

  /** The committed values at {@code keys}, from one consistent snapshot; null where absent. */
  List<byte[]> multiGet(Space space, List<byte[]> keys);

  /**
   * A lazy cursor over {@code [from, to)} of one consistent snapshot, ascending or (when {@code
   * reverse}) descending: every entry it returns is as committed when {@code scan} was called,
   * however long the caller takes and however far it reads, whatever commits meanwhile. The
   * range is empty when {@code from >= to}. The caller closes it.
   *
   * @param to exclusive end, or null for the end of the space
   * @param limitHint how many entries the caller expects to read (0 = maybe all); only a hint
   *     for read-ahead: reading further still works and still reads the same snapshot
   */
  KvCursor scan(Space space, byte[] from, byte[] to, boolean reverse, int limitHint);

  /** Applies every op in one atomic, unconditional commit. */
  void write(List<KvOp> ops);

  /**
   * Runs {@code body} in a new optimistic transaction and commits its writes atomically. The
   * {@link KvTxn} and the cursors it opened are valid only while {@code body} runs; used later
   * they throw {@link IllegalStateException}. A backend may serialize transactions with every
   * other commit (then no conflict can happen); otherwise they run concurrently and conflicts are
   * found at commit.
   *
   * <p>A backend may run {@code body} more than once for one call, each time in a fresh
   * transaction of which only the last can commit (EtcdKv does when a value it answered from its
   * read cache proves stale: see its ReadCache). So a body must leave no effect outside its
   * {@link KvTxn} that a second run would not redo or overwrite: results go through its return
   * value or state it resets when it starts.
   *
   * @throws KvConflictException if a key read with {@link KvTxn#getForUpdate} was written by
   *     another commit meanwhile; nothing was written (the caller may run the body again)
   * @throws RuntimeException whatever {@code body} throws; nothing is written then either
   */
  <T> T transact(Function<KvTxn, T> body);

  /**
   * {@link #transact}, for a body that decides only on what it reads with {@link
   * KvTxn#getForUpdate}: each such read may return the latest committed value rather than the
   * value at the transaction's start, and is then validated from that read on. The commit still
   * fails with {@link KvConflictException} if a key read for update was written by another
   * commit after this transaction read it, so a committed body saw, for every key it read for
   * update, the value that key holds when the writes land. Reads of different keys need not come
   * from one moment, so a body that runs on after its reads disagree must not write on their
   * strength alone (its commit fails anyway). {@link KvTxn#scan} reads one consistent state no
   * older than the transaction's start, unvalidated, as in {@link #transact}.
   *
   * <p>The default runs {@link #transact}, whose reads of the starting state meet this contract
   * too; a backend overrides it where reading the latest value is cheaper (RocksDB then takes no
   * snapshot).
   */
  default <T> T transactOnLatest(Function<KvTxn, T> body) {
    return transact(body);
  }

  /**
   * Waits for calls in flight, then releases every resource. Idempotent.
   *
   * @throws IllegalStateException if called from inside one of this store's own calls (a
   *     transaction body)
   */
  @Override
  void close();
}
