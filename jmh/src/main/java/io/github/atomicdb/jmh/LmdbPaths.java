package io.github.atomicdb.jmh;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The LMDB competitor (lmdbjava with its bundled liblmdb), set up as its users set it up for
 * speed: {@code MDB_NOSYNC} (commits reach the OS, nothing is synced: survives a process crash, may
 * lose or corrupt recent commits on power loss), a 16 GiB map (address space; the file grows with
 * the data), direct ByteBuffers kept per thread for keys and values. LMDB runs one write
 * transaction at a time (the others wait on its writer lock), so a read-modify-write inside a
 * write transaction needs no retry.
 */
final class LmdbPaths {
  private LmdbPaths() {}

  static final long MAP_SIZE = 16L << 30;

  static Env<ByteBuffer> open(TempDir dir, boolean syncWrites, int dbs) {
    EnvFlags[] flags = syncWrites ? new EnvFlags[0] : new EnvFlags[] {EnvFlags.MDB_NOSYNC};
    return Env.create().setMapSize(MAP_SIZE).setMaxDbs(dbs).open(dir.path.toFile(), flags);
  }

  /** A thread's direct buffers (lmdbjava wants direct ByteBuffers for keys and values). */
  static final class Buffers {
    private ByteBuffer key = ByteBuffer.allocateDirect(64);
    private ByteBuffer val = ByteBuffer.allocateDirect(256);
    private final ByteBuffer lock = ByteBuffer.allocateDirect(16);
    private final ByteBuffer key16 = ByteBuffer.allocateDirect(16);

    ByteBuffer key(byte[] k) {
      if (key.capacity() < k.length) {
        key = ByteBuffer.allocateDirect(k.length);
      }
      key.clear();
      key.put(k).flip();
      return key;
    }

    ByteBuffer val(byte[] v) {
      if (val.capacity() < v.length) {
        val = ByteBuffer.allocateDirect(v.length);
      }
      val.clear();
      val.put(v).flip();
      return val;
    }

    /** Lock record: version + ttl (epoch seconds), as the raw baseline stores it. */
    ByteBuffer lock(long version) {
      lock.clear();
      lock.putLong(version).putLong(System.currentTimeMillis() / 1000 + 86_400).flip();
      return lock;
    }

    /** Two big-endian longs (8 bytes if {@code b} is negative: {@code a} alone). */
    ByteBuffer longs(long a, long b) {
      key16.clear();
      key16.putLong(a);
      if (b >= 0) {
        key16.putLong(b);
      }
      return key16.flip();
    }
  }

  static byte[] bytes(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return a;
  }

  static long longAt(ByteBuffer b, int at) {
    return b.order(ByteOrder.BIG_ENDIAN).getLong(b.position() + at);
  }

  /**
   * The lock path on LMDB as its users write it: a lock db (key: pk 0x00 sk; value: int64 version
   * + int64 ttl) and an item db; a cycle is one write transaction that reads the lock, reads the
   * item, and writes the item and the lock with the version read plus one. The version check of
   * the optimistic stores is implicit: no other writer can run between the read and the commit, so
   * an update is never refused and the contended benchmarks see no conflicts (writers queue on the
   * writer lock instead).
   */
  static final class Lock implements LockPath {
    private final TempDir dir;
    private final Env<ByteBuffer> env;
    private final Dbi<ByteBuffer> items;
    private final Dbi<ByteBuffer> locks;
    private final byte[][] keys;
    private final ThreadLocal<Buffers> buffers = ThreadLocal.withInitial(Buffers::new);

    Lock(int n) {
      dir = new TempDir("lock-lmdb-");
      try {
        env = open(dir, false, 2);
      } catch (RuntimeException | Error e) {
        dir.close();
        throw e;
      }
      try {
        items = env.openDbi("items", DbiFlags.MDB_CREATE);
        locks = env.openDbi("locks", DbiFlags.MDB_CREATE);
      } catch (RuntimeException | Error e) {
        close();
        throw e;
      }
      keys = new byte[n][];
      for (int i = 0; i < n; i++) {
        keys[i] = RawRocks.key(PK, Keys.sk(i));
      }
    }

    @Override
    public void load(int n) {
      Buffers b = buffers.get();
      byte[] data = LockPath.data(0).getBytes(StandardCharsets.UTF_8);
      try (Txn<ByteBuffer> t = env.txnWrite()) {
        for (int i = 0; i < n; i++) {
          ByteBuffer k = b.key(keys[i]);
          items.put(t, k, b.val(data));
          locks.put(t, k, b.lock(1));
        }
        t.commit();
      }
    }

    @Override
    public boolean update(int i, Blackhole bh) {
      Buffers b = buffers.get();
      ByteBuffer k = b.key(keys[i]);
      try (Txn<ByteBuffer> t = env.txnWrite()) {
        ByteBuffer lock = locks.get(t, k);
        if (lock == null) {
          throw new IllegalStateException("lock " + i + " is gone");
        }
        // Read before the next get: lmdbjava hands out one value buffer per transaction.
        long version = longAt(lock, 0);
        ByteBuffer v = items.get(t, k);
        if (v == null) {
          throw new IllegalStateException("item " + i + " is gone");
        }
        String s = new String(bytes(v), StandardCharsets.UTF_8);
        bh.consume(s);
        items.put(t, k, b.val(LockPath.data(LockPath.counter(s) + 1).getBytes(StandardCharsets.UTF_8)));
        locks.put(t, k, b.lock(version + 1));
        t.commit();
        return true;
      }
    }

    private ByteBuffer read(Dbi<ByteBuffer> db, int i, Txn<ByteBuffer> t) {
      ByteBuffer v = db.get(t, buffers.get().key(keys[i]));
      if (v == null) {
        throw new IllegalStateException("key " + i + " is gone");
      }
      return v;
    }

    @Override
    public long storedCounter(int i) {
      try (Txn<ByteBuffer> t = env.txnRead()) {
        return LockPath.counter(new String(bytes(read(items, i, t)), StandardCharsets.UTF_8));
      }
    }

    @Override
    public long storedVersion(int i) {
      try (Txn<ByteBuffer> t = env.txnRead()) {
        return longAt(read(locks, i, t), 0);
      }
    }

    @Override
    public void close() {
      try {
        env.close();
      } finally {
        dir.close();
      }
    }
  }

  /**
   * A job queue on LMDB as its users build one: a ready db keyed by a big-endian int64 sequence
   * (given out inside the write transaction, so in commit order), and an in-flight db keyed by
   * (deadline ms, sequence), both holding the data. A pull is one write transaction: if the first
   * in-flight entry's deadline has passed it is delivered again (it is older than anything
   * ready), else the first ready entry moves to in-flight; an ack deletes the in-flight key of its
   * delivery (gone: the delivery lost its lease). One queue per environment (the benchmarks use
   * one).
   */
  static final class Queue implements QueuePath {
    private final TempDir dir;
    private final Env<ByteBuffer> env;
    private final Dbi<ByteBuffer> ready;
    private final Dbi<ByteBuffer> inflight;
    private final AtomicLong seq = new AtomicLong();
    private final ThreadLocal<Buffers> buffers = ThreadLocal.withInitial(Buffers::new);
    private volatile String name;

    record Delivered(long deadline, long seq, String data) {}

    Queue(boolean syncWrites) {
      dir = new TempDir("queue-lmdb-");
      try {
        env = open(dir, syncWrites, 2);
      } catch (RuntimeException | Error e) {
        dir.close();
        throw e;
      }
      try {
        ready = env.openDbi("ready", DbiFlags.MDB_CREATE);
        inflight = env.openDbi("inflight", DbiFlags.MDB_CREATE);
      } catch (RuntimeException | Error e) {
        close();
        throw e;
      }
    }

    private void one(String queue) {
      if (name == null) {
        synchronized (this) {
          if (name == null) {
            name = queue;
          }
        }
      }
      if (!name.equals(queue)) {
        throw new IllegalArgumentException("one queue per LMDB environment here: " + name);
      }
    }

    @Override
    public void push(String queue, String data) {
      one(queue);
      Buffers b = buffers.get();
      ByteBuffer v = b.val(data.getBytes(StandardCharsets.UTF_8));
      try (Txn<ByteBuffer> t = env.txnWrite()) {
        ready.put(t, b.longs(seq.incrementAndGet(), -1), v);
        t.commit();
      }
    }

    @Override
    public void pushMany(String queue, int n, IntFunction<String> data) {
      one(queue);
      Buffers b = buffers.get();
      for (int done = 0; done < n; ) {
        try (Txn<ByteBuffer> t = env.txnWrite()) {
          for (int i = 0; i < 1000 && done < n; i++, done++) {
            ready.put(t, b.longs(seq.incrementAndGet(), -1),
                b.val(data.apply(done).getBytes(StandardCharsets.UTF_8)));
          }
          t.commit();
        }
      }
    }

    @Override
    public Object pull(String queue, long ttlSeconds) {
      one(queue);
      Buffers b = buffers.get();
      long now = System.currentTimeMillis();
      try (Txn<ByteBuffer> t = env.txnWrite()) {
        long s = -1;
        byte[] data = null;
        try (Cursor<ByteBuffer> c = inflight.openCursor(t)) {
          if (c.first() && longAt(c.key(), 0) <= now) {
            s = longAt(c.key(), 8);
            data = bytes(c.val());
            c.delete();
          }
        }
        if (data == null) {
          try (Cursor<ByteBuffer> c = ready.openCursor(t)) {
            if (!c.first()) {
              return null; // aborted by close
            }
            s = longAt(c.key(), 0);
            data = bytes(c.val());
            c.delete();
          }
        }
        long deadline = now + ttlSeconds * 1000;
        inflight.put(t, b.longs(deadline, s), b.val(data));
        t.commit();
        return new Delivered(deadline, s, new String(data, StandardCharsets.UTF_8));
      }
    }

    @Override
    public String data(Object delivered) {
      return ((Delivered) delivered).data();
    }

    @Override
    public void ack(Object delivered) {
      Delivered d = (Delivered) delivered;
      boolean deleted;
      try (Txn<ByteBuffer> t = env.txnWrite()) {
        deleted = inflight.delete(t, buffers.get().longs(d.deadline(), d.seq()));
        t.commit();
      }
      if (!deleted) {
        throw new IllegalStateException("ack of entry " + d.seq() + ": its delivery lost its lease");
      }
    }

    @Override
    public void close() {
      try {
        env.close();
      } finally {
        dir.close();
      }
    }
  }
}
