package io.github.atomicdb;

import io.github.atomicdb.internal.QueueLayout;
import io.github.atomicdb.internal.QueueLayout.Counters;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.Space;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/*
 * What the engine keeps in memory about each queue between commits, on a single-writer store
 * only (KvStore.singleWriter()): there every write of a queue's records is a commit of this engine
 * made under that queue's stripe lock, so state read under the lock and updated after each commit
 * is exact. A store shared with other processes gets no hints at all.
 *
 * Per queue:
 *   counters   the stored counters, so a commit need not read them (it writes them back in its
 *              batch).
 *   readyWindow, readyWindowEnd
 *              the ready window: the lowest sks of the ready index, sorted: every ready-index sk
 *              below readyWindowEnd is in readyWindow (end null: every ready sk is; end empty:
 *              none is known). The window may still name sks that are no longer ready; a pull
 *              that meets one drops it. A pull takes sks from the window without opening a scan,
 *              and only when it runs empty reads the next REFILL keys of the index from its end
 *              (a pull deletes the ready keys it takes, and on an LSM store those deletes stay as
 *              tombstones until compaction: a scan from the start of the ready index would step
 *              over every entry consumed since, so it starts at the window's end, past them).
 *              Every commit adding a ready key below the end puts it in the window, every commit
 *              removing one takes it out; past MAX_WINDOW sks the highest ones are dropped and
 *              the end lowered to the first one dropped.
 *   timedLow   no timed-index key of the queue has a time below it (Long.MIN_VALUE: unknown): the
 *              start of the scan for due entries, past the tombstones of acknowledged deliveries.
 *   timedNext  no timed-index key has a time below it either, and while the clock is before it
 *              no entry can be due, so a pull does not scan the timed index at all.
 * A promotion scan that sees the first not-yet-due key sets both to its time; one that reaches the
 * end of the index sets both to Long.MAX_VALUE; every timed key added lowers both to its time.
 *
 * Guarded by the queue's stripe lock (see QueueCommitter). Forgetting a queue is always safe (it
 * is loaded again from its stored counters), so the map is simply cleared past MAX_QUEUES, and a
 * queue whose commit failed is forgotten.
 */
final class QueueHints {
  /** A queue's hints; immutable, replaced after each commit. */
  record Hint(Counters counters, List<byte[]> readyWindow, byte[] readyWindowEnd, long timedLow,
      long timedNext) {}

  static final byte[] NO_FLOOR = new byte[0];
  /** Ready sks a refill of the window reads at least. */
  static final int REFILL = 16;
  /** Most sks kept in a ready window. */
  static final int MAX_WINDOW = 64;
  static final long UNKNOWN = Long.MIN_VALUE;
  /** Queues remembered; past this the map is cleared (a few MiB at most). */
  private static final int MAX_QUEUES = 10_000;

  private final KvStore kv;
  private final ConcurrentHashMap<String, Hint> byPk = new ConcurrentHashMap<>();

  QueueHints(KvStore kv) {
    this.kv = kv;
  }

  /** The queue's hints; loaded from its stored counters when not known. Caller holds its lock. */
  Hint get(QueueRef q) {
    Hint h = byPk.get(q.pk());
    if (h != null) {
      return h;
    }
    byte[] key = QueueLayout.countersKey(q.part());
    Counters c = QueueLayout.openCounters(key, kv.get(Space.QINDEX, key), "counters of queue '" + q.pk() + "'");
    long timed = c.timed() == 0 ? Long.MAX_VALUE : UNKNOWN;
    return new Hint(c, List.of(), NO_FLOOR, timed, timed);
  }

  /** After a commit of queue {@code pk}. Caller holds its lock. */
  void put(String pk, Hint h) {
    if (byPk.size() >= MAX_QUEUES && !byPk.containsKey(pk)) {
      byPk.clear();
    }
    byPk.put(pk, h);
  }

  /** After a commit of queue {@code pk} that failed, or whose outcome is unknown. */
  void forget(String pk) {
    byPk.remove(pk);
  }
}
