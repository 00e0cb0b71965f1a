package io.github.atomicdb;

import io.github.atomicdb.internal.QueueLayout;
import io.github.atomicdb.internal.QueueLayout.Counters;
import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.Space;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/*
 * What the engine keeps in memory about each queue between commits, on a single-writer store
 * only (KvStore.singleWriter()): there every write of a queue's records is a commit of this engine
 * made under that queue's stripe lock, so state read under the lock and updated after each commit
 * is exact. A store shared with other processes gets no hints at all.
 *
 * Per queue:
 *   counters   the queue's counters. The first commit that changes the queue writes its counters
 *              record in the held form (QueueLayout.heldCounters); from then on commits write no
 *              counters at all, and the exact numbers live here only, until they are written back
 *              in the plain form: at close (flush), or when the queue's hint is evicted. A held
 *              record found when loading (the writer stopped without writing back: a crash) is
 *              not trusted: the queue is counted from its indexes (QueueOp.recount), once.
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
 *   skCeiling  no entry of the queue has an sk above it (read once at load: the last entry key;
 *              raised by every entry a commit writes), so a push of a new sk above it (the ULIDs
 *              this process generates) knows the sk is free without reading the store.
 * A promotion scan that sees the first not-yet-due key sets both to its time; one that reaches the
 * end of the index sets both to Long.MAX_VALUE; every timed key added lowers both to its time.
 *
 * Guarded by the queue's stripe lock (see QueueCommitter): one map per stripe, so that everything
 * about a queue is touched under that one lock. Forgetting a queue is always safe (it is loaded
 * again from its stored counters, counted again if they are held), so a queue whose commit failed
 * is forgotten. Past MAX_PER_STRIPE queues a stripe evicts its least recently used ones, writing
 * the counters of those it holds back in the plain form first (so no recount follows).
 */
final class QueueHints {
  /**
   * A queue's hints. Replaced after each commit; {@code readyWindow} belongs to the hint (a commit
   * copies it before changing it). {@code counters} null: the stored record is held, count the
   * queue. {@code held}: the stored counters record is in the held form, so commits write none.
   */
  record Hint(Counters counters, List<byte[]> readyWindow, byte[] readyWindowEnd, long timedLow,
      long timedNext, boolean held, byte[] skCeiling) {
    Hint withCounters(Counters c) {
      return new Hint(c, readyWindow, readyWindowEnd, timedLow, timedNext, held, skCeiling);
    }

    Hint released() {
      return new Hint(counters, readyWindow, readyWindowEnd, timedLow, timedNext, false, skCeiling);
    }
  }

  static final byte[] NO_FLOOR = new byte[0];
  /** Ready sks a refill of the window reads at least. */
  static final int REFILL = 16;
  /** Most sks kept in a ready window. */
  static final int MAX_WINDOW = 64;
  static final long UNKNOWN = Long.MIN_VALUE;
  /** Queues remembered per stripe (a few MiB at most in all). */
  static final int MAX_PER_STRIPE = 160;

  /** Bytes of entry records (keys and values) each stripe's {@link Records} keeps at most. */
  static final long RECORDS_PER_STRIPE = 256 * 1024;

  /**
   * A new entry pushed to a queue with at least this many ready entries is not kept in {@link
   * Records}: it is pulled only after all of them, by when a stripe's records (about 1,300 of 200
   * bytes) have moved on, so keeping it would only cost the map work of an insert and an eviction.
   */
  static final long KEEP_NEW_BELOW_READY = 1024;

  private final KvStore kv;
  private final List<LinkedHashMap<String, Hint>> stripes = new ArrayList<>(QueueCommitter.STRIPES);
  private final List<Records> records = new ArrayList<>(QueueCommitter.STRIPES);

  QueueHints(KvStore kv) {
    this.kv = kv;
    for (int i = 0; i < QueueCommitter.STRIPES; i++) {
      stripes.add(new LinkedHashMap<>(16, 0.75f, true));
      records.add(new Records());
    }
  }

  /** The entry records kept for the queues of {@code pk}'s stripe. Caller holds its lock. */
  Records records(String pk) {
    return records.get(QueueCommitter.stripe(pk));
  }

  /** Stripe {@code s}'s entry records. Caller holds its lock. */
  Records recordsOf(int stripe) {
    return records.get(stripe);
  }

  /**
   * The entry records (QUEUE space) this process wrote last, as committed, so that an operation
   * on an entry written a moment ago (the acknowledgement of a pull, the pull of a recent push)
   * need not read it back. Exact because every write of a queue's entries is a commit of this
   * engine under the queue's stripe lock, which adds its records here once the write is durable
   * (and removes them if the write failed). Oldest first out past RECORDS_PER_STRIPE bytes. One
   * per stripe, guarded by its lock.
   */
  static final class Records {
    private static final class Key {
      final byte[] key;
      final int hash;

      Key(byte[] key) {
        this.key = key;
        this.hash = QueueAccess.hash(key);
      }

      @Override
      public boolean equals(Object o) {
        return o instanceof Key k && Arrays.equals(k.key, key);
      }

      @Override
      public int hashCode() {
        return hash;
      }
    }

    private final LinkedHashMap<Key, byte[]> byKey = new LinkedHashMap<>();
    private long bytes;

    /** The committed record at {@code key} if kept, else null (which says nothing). */
    byte[] get(byte[] key) {
      return byKey.get(new Key(key));
    }

    /** {@code key} now holds {@code value} as committed; null: it was deleted. */
    void put(byte[] key, byte[] value) {
      Key k = new Key(key);
      // A rewritten record keeps its place in the eviction order (that of its first write).
      byte[] old = value == null ? byKey.remove(k) : byKey.put(k, value);
      if (old != null) {
        bytes -= key.length + old.length;
      }
      if (value == null) {
        return;
      }
      bytes += key.length + value.length;
      if (bytes <= RECORDS_PER_STRIPE) {
        return;
      }
      Iterator<Map.Entry<Key, byte[]>> it = byKey.entrySet().iterator();
      while (bytes > RECORDS_PER_STRIPE && it.hasNext()) {
        Map.Entry<Key, byte[]> e = it.next();
        bytes -= e.getKey().key.length + e.getValue().length;
        it.remove();
      }
    }

    /** Forgets {@code key}: its stored record is unknown (a write of it failed). */
    void forget(byte[] key) {
      byte[] old = byKey.remove(new Key(key));
      if (old != null) {
        bytes -= key.length + old.length;
      }
    }

    void clear() {
      byKey.clear();
      bytes = 0;
    }
  }

  private LinkedHashMap<String, Hint> of(String pk) {
    return stripes.get(QueueCommitter.stripe(pk));
  }

  /**
   * The queue's hints; loaded from its stored counters when not known (then with null counters if
   * the record is held: the caller counts the queue). Caller holds its lock.
   *
   * @throws io.github.atomicdb.CorruptDataException if the stored counters are damaged
   */
  Hint get(QueueRef q) {
    Hint h = of(q.pk()).get(q.pk());
    if (h != null) {
      return h;
    }
    byte[] key = QueueLayout.countersKey(q.part());
    byte[] v = kv.get(Space.QINDEX, key);
    Counters c = QueueLayout.openCounters(key, v, "counters of queue '" + q.pk() + "'");
    boolean held = QueueLayout.isHeld(v);
    long timed = !held && c.timed() == 0 ? Long.MAX_VALUE : UNKNOWN;
    return new Hint(held ? null : c, List.of(), NO_FLOOR, timed, timed, held, lastSk(q));
  }

  /**
   * The highest sk of the queue's stored entries (empty when it has none): one step of a reverse
   * scan of its entries, when the queue is loaded.
   */
  private byte[] lastSk(QueueRef q) {
    byte[] part = q.part();
    try (KvCursor c = kv.scan(Space.QUEUE, part, KeyCodec.prefixEnd(part), true, 1)) {
      return c.next() ? Arrays.copyOfRange(c.key(), part.length, c.key().length) : NO_FLOOR;
    }
  }

  /**
   * After a commit of queue {@code pk}. Caller holds its lock. Returns the writes that put back the
   * counters of the queues this evicted from memory, in the plain form (empty when none): the
   * caller writes them; if that fails nothing is lost (their records stay held, and those queues
   * are counted from their indexes when next loaded).
   */
  List<KvOp> put(String pk, Hint h) {
    LinkedHashMap<String, Hint> m = of(pk);
    m.put(pk, h);
    if (m.size() <= MAX_PER_STRIPE) {
      return List.of();
    }
    List<KvOp> back = new ArrayList<>();
    Iterator<Map.Entry<String, Hint>> it = m.entrySet().iterator();
    while (m.size() > MAX_PER_STRIPE * 3 / 4 && it.hasNext()) {
      Map.Entry<String, Hint> e = it.next();
      if (e.getKey().equals(pk)) {
        continue;
      }
      Hint old = e.getValue();
      if (old.held() && old.counters() != null) {
        byte[] key = QueueLayout.countersKey(QueueRef.of(e.getKey()).part());
        back.add(new KvOp(Space.QINDEX, key, QueueLayout.counters(key, old.counters())));
      }
      it.remove();
    }
    return back;
  }

  /** After a commit of queue {@code pk} that failed, or whose outcome is unknown. */
  void forget(String pk) {
    of(pk).remove(pk);
  }

  /**
   * The writes that put back, in the plain form, the counters of every queue of stripe {@code s}
   * this process holds, and marks them no longer held (a later commit of such a queue holds it
   * again). Caller holds the stripe's lock and writes them; if that fails, nothing is lost (the
   * records stay held and are counted when next loaded).
   */
  List<KvOp> release(int stripe) {
    List<KvOp> back = new ArrayList<>();
    for (Map.Entry<String, Hint> e : stripes.get(stripe).entrySet()) {
      Hint h = e.getValue();
      if (h.held() && h.counters() != null) {
        byte[] key = QueueLayout.countersKey(QueueRef.of(e.getKey()).part());
        back.add(new KvOp(Space.QINDEX, key, QueueLayout.counters(key, h.counters())));
        e.setValue(h.released());
      }
    }
    return back;
  }
}
