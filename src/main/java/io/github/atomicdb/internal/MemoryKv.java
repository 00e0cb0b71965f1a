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
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * The in-memory backend: one {@link ConcurrentSkipListMap} per space, ordered unsigned like
 * RocksDB's bytewise comparator.
 *
 * <p>Concurrency: commits (batches and transaction bodies) run under the write half of one
 * read-write lock, so they are serial and never conflict; multi-key reads and scans take the read
 * half, so they see every commit whole. A scan copies the references of its range (up to its
 * limit hint) under the read lock; values are immutable, so that is a true snapshot at the cost of
 * one reference per entry read. A scan inside a transaction is lazy: the body holds the write lock.
 */
public final class MemoryKv implements KvStore {
  /** One JVM owns a memory store. */
  @Override
  public boolean singleWriter() {
    return true;
  }

  private static final byte[] TOMBSTONE = new byte[0];

  private final Map<Space, ConcurrentSkipListMap<byte[], byte[]>> maps = new EnumMap<>(Space.class);
  private final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
  private volatile boolean closed;

  public MemoryKv() {
    for (Space s : Space.values()) {
      maps.put(s, new ConcurrentSkipListMap<>(Arrays::compareUnsigned));
    }
  }

  private ConcurrentSkipListMap<byte[], byte[]> map(Space s) {
    if (closed) {
      throw new IllegalStateException("store is closed");
    }
    return maps.get(s);
  }

  @Override
  public byte[] get(Space space, byte[] key) {
    return map(space).get(key);
  }

  @Override
  public List<byte[]> multiGet(Space space, List<byte[]> keys) {
    ConcurrentSkipListMap<byte[], byte[]> m = map(space);
    List<byte[]> out = new ArrayList<>(keys.size());
    rw.readLock().lock();
    try {
      for (byte[] k : keys) {
        out.add(m.get(k));
      }
    } finally {
      rw.readLock().unlock();
    }
    return out;
  }

  @Override
  public KvCursor scan(Space space, byte[] from, byte[] to, boolean reverse, int limitHint) {
    ConcurrentSkipListMap<byte[], byte[]> m = map(space);
    if (limitHint <= 0) {
      return new ChunkCursor(m, from, to, reverse, Integer.MAX_VALUE);
    }
    return new ChunkCursor(m, from, to, reverse, limitHint + 16);
  }

  private static NavigableMap<byte[], byte[]> range(
      NavigableMap<byte[], byte[]> m, byte[] from, byte[] to, boolean reverse) {
    NavigableMap<byte[], byte[]> range = m.subMap(from, true, to, false);
    return reverse ? range.descendingMap() : range;
  }

  /**
   * Copies the range in chunks under the read lock. Without a limit hint the first chunk is the
   * whole range: a true snapshot (values are immutable). With a hint, the first chunk holds a
   * little more than the hint and later chunks (read only if the caller goes past it, e.g. when
   * skipping expired items) continue after the last key: consistent per chunk.
   */
  private final class ChunkCursor implements KvCursor {
    private final NavigableMap<byte[], byte[]> m;
    private final boolean reverse;
    private byte[] lo;
    private byte[] hi; // always exclusive
    private boolean loInclusive = true;
    private boolean exhausted;
    private final List<byte[]> keys = new ArrayList<>();
    private final List<byte[]> values = new ArrayList<>();
    private int i;
    private int chunk;

    ChunkCursor(NavigableMap<byte[], byte[]> m, byte[] from, byte[] to, boolean reverse, int first) {
      this.m = m;
      this.lo = from;
      this.hi = to;
      this.reverse = reverse;
      this.chunk = first;
      fill();
    }

    private void fill() {
      keys.clear();
      values.clear();
      i = -1;
      rw.readLock().lock();
      try {
        NavigableMap<byte[], byte[]> r;
        r = reverse ? m.subMap(lo, true, hi, false).descendingMap() : m.subMap(lo, loInclusive, hi, false);
        for (Map.Entry<byte[], byte[]> e : r.entrySet()) {
          if (keys.size() >= chunk) {
            break;
          }
          keys.add(e.getKey());
          values.add(e.getValue());
        }
      } finally {
        rw.readLock().unlock();
      }
      exhausted = keys.size() < chunk;
      if (!keys.isEmpty()) {
        if (reverse) {
          hi = keys.get(keys.size() - 1);
        } else {
          lo = keys.get(keys.size() - 1);
          loInclusive = false;
        }
      }
      chunk = 256;
    }

    @Override
    public boolean next() {
      if (++i < keys.size()) {
        return true;
      }
      if (exhausted) {
        return false;
      }
      fill();
      return ++i < keys.size();
    }

    @Override
    public byte[] key() {
      return keys.get(i);
    }

    @Override
    public byte[] value() {
      return values.get(i);
    }

    @Override
    public void close() {
      exhausted = true;
      keys.clear();
      values.clear();
      i = 0;
    }
  }

  @Override
  public void write(List<KvOp> ops) {
    map(Space.ITEMS); // closed check
    rw.writeLock().lock();
    try {
      for (KvOp op : ops) {
        apply(op.space(), op.key(), op.value());
      }
    } finally {
      rw.writeLock().unlock();
    }
  }

  private void apply(Space space, byte[] key, byte[] value) {
    if (value == null || value == TOMBSTONE) {
      maps.get(space).remove(key);
    } else {
      maps.get(space).put(key, value);
    }
  }

  @Override
  public <T> T transact(Function<KvTxn, T> body) {
    map(Space.ITEMS); // closed check
    rw.writeLock().lock();
    try {
      Txn txn = new Txn();
      T result = body.apply(txn);
      for (Map.Entry<Space, TreeMap<byte[], byte[]>> e : txn.pending.entrySet()) {
        for (Map.Entry<byte[], byte[]> w : e.getValue().entrySet()) {
          apply(e.getKey(), w.getKey(), w.getValue());
        }
      }
      return result;
    } finally {
      rw.writeLock().unlock();
    }
  }

  @Override
  public void close() {
    closed = true;
  }

  private final class Txn implements KvTxn {
    final Map<Space, TreeMap<byte[], byte[]>> pending = new EnumMap<>(Space.class);

    private TreeMap<byte[], byte[]> pending(Space s) {
      return pending.computeIfAbsent(s, k -> new TreeMap<>(Arrays::compareUnsigned));
    }

    @Override
    public byte[] getForUpdate(Space space, byte[] key) {
      TreeMap<byte[], byte[]> p = pending.get(space);
      if (p != null) {
        byte[] v = p.get(key);
        if (v != null) {
          return v == TOMBSTONE ? null : v;
        }
      }
      return maps.get(space).get(key);
    }

    @Override
    public void put(Space space, byte[] key, byte[] value) {
      pending(space).put(key, value);
    }

    @Override
    public void delete(Space space, byte[] key) {
      pending(space).put(key, TOMBSTONE);
    }

    /** Lazy: the write lock is held for the whole body, so the committed state cannot change. */
    @Override
    public KvCursor scan(Space space, byte[] from, byte[] to, boolean reverse) {
      Iterator<Map.Entry<byte[], byte[]>> it =
          range(maps.get(space), from, to, reverse).entrySet().iterator();
      return new KvCursor() {
        private Map.Entry<byte[], byte[]> cur;

        @Override
        public boolean next() {
          cur = it.hasNext() ? it.next() : null;
          return cur != null;
        }

        @Override
        public byte[] key() {
          return cur.getKey();
        }

        @Override
        public byte[] value() {
          return cur.getValue();
        }

        @Override
        public void close() {}
      };
    }
  }
}
