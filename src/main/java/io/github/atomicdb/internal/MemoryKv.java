package io.github.atomicdb.internal;

import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.KvTxn;
import io.github.atomicdb.spi.Space;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/*
 * The in-memory backend, and the reference the other backends are checked against
 * (KvStoreContract runs on all of them).
 *
 * Storage: one ConcurrentSkipListMap per space, ordered unsigned like RocksDB's bytewise
 * comparator. Values are never mutated in place, so a reference read once stays valid.
 *
 * Concurrency: commits (write batches, and transaction bodies with their commit) run under the
 * write half of one ReentrantReadWriteLock, so commits are serial and a transaction can never
 * conflict. multiGet and every cursor step take the read half, so they see each commit whole.
 *
 * Snapshots: a scan must read the range as it was when the scan began, however far the caller
 * reads and whatever commits meanwhile. A cursor reads the live map lazily, one step at a time,
 * and every open cursor is registered with its space. Before a commit changes a key, it hands the
 * key's old value (or "absent") to every registered cursor of that space whose range holds the key
 * and which has not yet passed it; the cursor keeps the first such value in its own small overlay
 * map. The snapshot's value of a key is then the overlay's if present, else the live one (a key
 * not in the overlay has not changed since the scan began). A commit pays one check per open cursor
 * of the space per key written; a cursor pays memory only for keys changed ahead of it. Commits and
 * cursor steps are mutually exclusive (write lock vs read lock), so "has not yet passed" is exact.
 *
 * A scan inside a transaction needs none of this: the body holds the write lock, so nothing
 * commits while it reads, and its own writes stay pending until the body returns.
 *
 * Lifecycle: close() waits for calls in flight (it takes the write lock), then every call and every
 * cursor step throws IllegalStateException. A transaction's view and the cursors it opened throw
 * IllegalStateException once its body has returned or thrown.
 */
/**
 * {@link KvStore} in memory: the reference backend. Thread-safe; the only writer is this JVM.
 * Not API: used by {@code AtomicMemoryDb}.
 */
public final class MemoryKv implements KvStore {
  /** One JVM owns a memory store. */
  @Override
  public boolean singleWriter() {
    return true;
  }

  private static final int OPEN = 0;
  private static final int DONE = 1;
  private static final int KILLED = 2;

  /** A pending delete in a transaction; also "absent" in a cursor's overlay. */
  private static final byte[] ABSENT = new byte[0];

  private final Map<Space, ConcurrentSkipListMap<byte[], byte[]>> maps = new EnumMap<>(Space.class);
  private final Map<Space, Set<SnapshotCursor>> cursors = new EnumMap<>(Space.class);
  private final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
  private volatile boolean closed;

  public MemoryKv() {
    for (Space s : Space.values()) {
      maps.put(s, new ConcurrentSkipListMap<>(Arrays::compareUnsigned));
      cursors.put(s, ConcurrentHashMap.newKeySet());
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the memory store is closed");
    }
  }

  private ConcurrentSkipListMap<byte[], byte[]> map(Space s) {
    return maps.get(Objects.requireNonNull(s, "space must not be null"));
  }

  /** Takes the read lock of a call; throws if the store is closed. */
  private Lock enter() {
    Lock l = rw.readLock();
    l.lock();
    if (closed) {
      l.unlock();
      checkOpen();
    }
    return l;
  }

  @Override
  public byte[] get(Space space, byte[] key) {
    Lock l = enter();
    try {
      return map(space).get(key);
    } finally {
      l.unlock();
    }
  }

  @Override
  public List<byte[]> multiGet(Space space, List<byte[]> keys) {
    Lock l = enter();
    try {
      ConcurrentSkipListMap<byte[], byte[]> m = map(space);
      List<byte[]> out = new ArrayList<>(keys.size());
      for (byte[] k : keys) {
        out.add(m.get(k));
      }
      return out;
    } finally {
      l.unlock();
    }
  }

  @Override
  public KvCursor scan(Space space, byte[] from, byte[] to, boolean reverse, int limitHint) {
    Lock l = enter();
    try {
      SnapshotCursor c = new SnapshotCursor(space, from, to, reverse);
      cursors.get(space).add(c);
      return c;
    } finally {
      l.unlock();
    }
  }

  /** True when [from, to) is empty; {@code to == null} is the end of the space. */
  private static boolean emptyRange(byte[] from, byte[] to) {
    return to != null && Arrays.compareUnsigned(from, to) >= 0;
  }

  private static NavigableMap<byte[], byte[]> range(
      NavigableMap<byte[], byte[]> m, byte[] from, byte[] to, boolean reverse) {
    NavigableMap<byte[], byte[]> r = to == null ? m.tailMap(from, true) : m.subMap(from, true, to, false);
    return reverse ? r.descendingMap() : r;
  }

  /** A lazy cursor over a snapshot of one range (see the design comment). */
  private final class SnapshotCursor implements KvCursor {
    private final Space space;
    private final byte[] from;
    private final byte[] to;
    private final boolean reverse;
    /** Snapshot values of keys changed ahead of the cursor since it began; ABSENT = no key. */
    private final TreeMap<byte[], byte[]> overlay = new TreeMap<>(Arrays::compareUnsigned);
    /** The last key returned (null before the first); guarded by the store's lock. */
    private byte[] pos;
    private byte[] value;
    private boolean current;
    /** OPEN, DONE (closed by the caller or exhausted: next() is false) or KILLED (store closed). */
    private volatile int state;

    SnapshotCursor(Space space, byte[] from, byte[] to, boolean reverse) {
      this.space = space;
      this.from = Objects.requireNonNull(from, "from must not be null");
      this.to = to;
      this.reverse = reverse;
      this.state = emptyRange(from, to) ? DONE : OPEN;
    }

    /** Called under the write lock, before {@code key} changes. */
    void beforeChange(byte[] key, byte[] oldValue) {
      if (state != OPEN || !inRange(key) || overlay.containsKey(key)) {
        return;
      }
      if (pos != null) {
        int c = Arrays.compareUnsigned(key, pos);
        if (reverse ? c >= 0 : c <= 0) {
          return; // already passed
        }
      }
      overlay.put(key, oldValue == null ? ABSENT : oldValue);
    }

    private boolean inRange(byte[] key) {
      return Arrays.compareUnsigned(key, from) >= 0
          && (to == null || Arrays.compareUnsigned(key, to) < 0);
    }

    /** The next key after {@code pos} in scan order within the range, in {@code m}, or null. */
    private byte[] after(NavigableMap<byte[], byte[]> m) {
      byte[] k;
      if (reverse) {
        k = pos == null ? (to == null ? (m.isEmpty() ? null : m.lastKey()) : m.lowerKey(to)) : m.lowerKey(pos);
        return k != null && Arrays.compareUnsigned(k, from) >= 0 ? k : null;
      }
      k = pos == null ? m.ceilingKey(from) : m.higherKey(pos);
      return k != null && (to == null || Arrays.compareUnsigned(k, to) < 0) ? k : null;
    }

    /** False if the cursor has ended; throws if the store closed while it was open. */
    private boolean ready() {
      if (state == OPEN) {
        return true;
      }
      current = false;
      if (state == KILLED) {
        throw new IllegalStateException("the memory store was closed while this cursor was open");
      }
      return false;
    }

    @Override
    public boolean next() {
      if (!ready()) {
        return false;
      }
      Lock l = rw.readLock();
      l.lock();
      try {
        if (!ready()) {
          return false;
        }
        ConcurrentSkipListMap<byte[], byte[]> live = map(space);
        while (true) {
          byte[] a = after(live);
          byte[] b = overlay.isEmpty() ? null : after(overlay);
          byte[] k;
          if (a == null && b == null) {
            finish(DONE);
            return false;
          } else if (a == null) {
            k = b;
          } else if (b == null) {
            k = a;
          } else {
            int c = Arrays.compareUnsigned(a, b);
            k = (reverse ? c >= 0 : c <= 0) ? a : b;
          }
          pos = k;
          byte[] v = overlay.get(k);
          if (v == null) {
            v = live.get(k);
          }
          if (v != null && v != ABSENT) {
            value = v;
            current = true;
            return true;
          }
        }
      } finally {
        l.unlock();
      }
    }

    /** Ends the cursor once; the caller holds the store's lock. */
    void finish(int newState) {
      if (state != OPEN) {
        return;
      }
      state = newState;
      current = false;
      value = null;
      overlay.clear();
      cursors.get(space).remove(this);
    }

    @Override
    public byte[] key() {
      if (!current) {
        throw new IllegalStateException("no current entry: call next() first, and only while it returns true");
      }
      return pos;
    }

    @Override
    public byte[] value() {
      if (!current) {
        throw new IllegalStateException("no current entry: call next() first, and only while it returns true");
      }
      return value;
    }

    @Override
    public void close() {
      current = false;
      if (state != OPEN) {
        return;
      }
      Lock l = rw.readLock();
      l.lock();
      try {
        finish(DONE);
      } finally {
        l.unlock();
      }
    }
  }

  @Override
  public void write(List<KvOp> ops) {
    Objects.requireNonNull(ops, "ops must not be null");
    for (KvOp op : ops) {
      Objects.requireNonNull(op, "ops must not hold null");
      Objects.requireNonNull(op.space(), "space must not be null");
      Objects.requireNonNull(op.key(), "key must not be null");
    }
    Lock l = rw.writeLock();
    l.lock();
    try {
      checkOpen();
      for (KvOp op : ops) {
        apply(op.space(), op.key(), op.value());
      }
    } finally {
      l.unlock();
    }
  }

  /** Applies one write; the caller holds the write lock. */
  private void apply(Space space, byte[] key, byte[] value) {
    ConcurrentSkipListMap<byte[], byte[]> m = map(space);
    Set<SnapshotCursor> open = cursors.get(space);
    if (!open.isEmpty()) {
      byte[] old = m.get(key);
      for (SnapshotCursor c : open) {
        c.beforeChange(key, old);
      }
    }
    if (value == null || value == ABSENT) {
      m.remove(key);
    } else {
      m.put(key, value);
    }
  }

  @Override
  public <T> T transact(Function<KvTxn, T> body) {
    Objects.requireNonNull(body, "body must not be null");
    Lock l = rw.writeLock();
    l.lock();
    try {
      checkOpen();
      Txn txn = new Txn();
      T result;
      try {
        result = body.apply(txn);
      } finally {
        txn.done = true;
      }
      for (Map.Entry<Space, TreeMap<byte[], byte[]>> e : txn.pending.entrySet()) {
        for (Map.Entry<byte[], byte[]> w : e.getValue().entrySet()) {
          apply(e.getKey(), w.getKey(), w.getValue());
        }
      }
      return result;
    } finally {
      l.unlock();
    }
  }

  /**
   * Waits for calls in flight, then refuses every later call and cursor step. Idempotent.
   *
   * @throws IllegalStateException if called from inside one of this store's own calls (a
   *     transaction body)
   */
  @Override
  public void close() {
    if (rw.isWriteLockedByCurrentThread() || rw.getReadHoldCount() > 0) {
      throw new IllegalStateException("close() of the memory store called from inside one of its own calls");
    }
    rw.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      for (Set<SnapshotCursor> open : cursors.values()) {
        for (SnapshotCursor c : List.copyOf(open)) {
          c.finish(KILLED);
        }
      }
    } finally {
      rw.writeLock().unlock();
    }
  }

  /** The body's view of a transaction; valid only while the body runs (which holds the write lock). */
  private final class Txn implements KvTxn {
    final Map<Space, TreeMap<byte[], byte[]>> pending = new EnumMap<>(Space.class);
    boolean done;

    private void check() {
      if (done) {
        throw new IllegalStateException("transaction already ended: use a KvTxn only inside its body");
      }
    }

    private TreeMap<byte[], byte[]> pending(Space s) {
      return pending.computeIfAbsent(
          Objects.requireNonNull(s, "space must not be null"), k -> new TreeMap<>(Arrays::compareUnsigned));
    }

    @Override
    public byte[] getForUpdate(Space space, byte[] key) {
      check();
      TreeMap<byte[], byte[]> p = pending.get(space);
      if (p != null) {
        byte[] v = p.get(key);
        if (v != null) {
          return v == ABSENT ? null : v;
        }
      }
      return map(space).get(key);
    }

    @Override
    public void put(Space space, byte[] key, byte[] value) {
      check();
      pending(space).put(
          Objects.requireNonNull(key, "key must not be null"),
          Objects.requireNonNull(value, "value must not be null"));
    }

    @Override
    public void delete(Space space, byte[] key) {
      check();
      pending(space).put(Objects.requireNonNull(key, "key must not be null"), ABSENT);
    }

    /** Lazy: the body holds the write lock, so the committed state cannot change under it. */
    @Override
    public KvCursor scan(Space space, byte[] from, byte[] to, boolean reverse) {
      check();
      Iterator<Map.Entry<byte[], byte[]>> it = emptyRange(from, to)
          ? java.util.Collections.emptyIterator()
          : range(map(space), from, to, reverse).entrySet().iterator();
      return new KvCursor() {
        private Map.Entry<byte[], byte[]> cur;
        private boolean closedCursor;

        @Override
        public boolean next() {
          if (closedCursor) {
            return false;
          }
          check();
          cur = it.hasNext() ? it.next() : null;
          return cur != null;
        }

        @Override
        public byte[] key() {
          if (cur == null) {
            throw new IllegalStateException("no current entry");
          }
          return cur.getKey();
        }

        @Override
        public byte[] value() {
          if (cur == null) {
            throw new IllegalStateException("no current entry");
          }
          return cur.getValue();
        }

        @Override
        public void close() {
          closedCursor = true;
          cur = null;
        }
      };
    }
  }
}
