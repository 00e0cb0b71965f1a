package io.github.atomicdb;

import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.KvTxn;
import io.github.atomicdb.spi.Space;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How one queue commit reads and writes the store: reads see the commit's own writes, scans see
 * the committed state as of the commit's start (never its own writes), writes are applied
 * together at the end. Two forms, one per kind of store (see {@link QueueCommitter}).
 */
interface QueueAccess {
  byte[] get(Space space, byte[] key);

  /** Ascending over {@code [from, to)}; the caller closes it. */
  KvCursor scan(Space space, byte[] from, byte[] to);

  void put(Space space, byte[] key, byte[] value);

  void delete(Space space, byte[] key);

  /**
   * Over a single-writer store whose queues this commit holds the locks of: plain reads of the
   * committed state, writes buffered for one {@link KvStore#write} batch.
   */
  /**
   * A hash of a queue key from its length and its last 16 bytes only (where the sks of one queue
   * differ: the end of a ULID), for the maps of one commit and of QueueHints.Records.
   */
  static int hash(byte[] k) {
    int n = k.length;
    long h = n;
    if (n >= 16) {
      h = (h + (long) LONGS.get(k, n - 16)) * 0x9E3779B97F4A7C15L;
      h = (h ^ (h >>> 31)) + (long) LONGS.get(k, n - 8);
    } else {
      for (byte b : k) {
        h = h * 31 + b;
      }
    }
    // a full 64-bit mix (SplitMix64's finalizer), so that a change in any byte moves every bit
    h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
    h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
    return (int) (h ^ (h >>> 31));
  }

  VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  final class Batch implements QueueAccess {
    private static final class Key {
      final Space space;
      final byte[] key;
      final int hash;

      Key(Space space, byte[] key) {
        this.space = space;
        this.key = key;
        this.hash = hash(key) * 31 + space.ordinal();
      }

      @Override
      public boolean equals(Object o) {
        return o instanceof Key k && k.space == space && Arrays.equals(k.key, key);
      }

      @Override
      public int hashCode() {
        return hash;
      }
    }

    private static final byte[] DELETED = new byte[0];
    private final KvStore kv;
    private final Map<Key, byte[]> pending = new LinkedHashMap<>(16);

    Batch(KvStore kv) {
      this.kv = kv;
    }

    @Override
    public byte[] get(Space space, byte[] key) {
      byte[] v = pending.get(new Key(space, key));
      if (v != null) {
        return v == DELETED ? null : v;
      }
      return kv.get(space, key);
    }

    /** {@link #get}, answered from {@code kept} (committed records) before the store. */
    byte[] get(Space space, byte[] key, QueueHints.Records kept) {
      byte[] v = pending.get(new Key(space, key));
      if (v != null) {
        return v == DELETED ? null : v;
      }
      v = kept.get(key);
      return v != null ? v : kv.get(space, key);
    }

    @Override
    public KvCursor scan(Space space, byte[] from, byte[] to) {
      return kv.scan(space, from, to, false, 0);
    }

    @Override
    public void put(Space space, byte[] key, byte[] value) {
      pending.put(new Key(space, key), value);
    }

    @Override
    public void delete(Space space, byte[] key) {
      pending.put(new Key(space, key), DELETED);
    }

    /** The buffered writes, one per key (the last one). */
    List<KvOp> ops() {
      List<KvOp> ops = new ArrayList<>(pending.size());
      for (Map.Entry<Key, byte[]> e : pending.entrySet()) {
        byte[] v = e.getValue();
        ops.add(new KvOp(e.getKey().space, e.getKey().key, v == DELETED ? null : v));
      }
      return ops;
    }
  }

  /** Inside an optimistic transaction: every read is validated at commit ({@link KvTxn#getForUpdate}). */
  final class Txn implements QueueAccess {
    private final KvTxn t;

    Txn(KvTxn t) {
      this.t = t;
    }

    @Override
    public byte[] get(Space space, byte[] key) {
      return t.getForUpdate(space, key);
    }

    @Override
    public KvCursor scan(Space space, byte[] from, byte[] to) {
      return t.scan(space, from, to, false);
    }

    @Override
    public void put(Space space, byte[] key, byte[] value) {
      t.put(space, key, value);
    }

    @Override
    public void delete(Space space, byte[] key) {
      t.delete(space, key);
    }
  }
}
