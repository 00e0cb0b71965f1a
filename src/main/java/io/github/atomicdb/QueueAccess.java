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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
      h = (h + (long) Bytes.LONGS.get(k, n - 16)) * 0x9E3779B97F4A7C15L;
      h = (h ^ (h >>> 31)) + (long) Bytes.LONGS.get(k, n - 8);
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

  /** Holds the view that {@link #hash} reads a key's longs through (not part of the interface). */
  final class Bytes {
    private static final VarHandle LONGS =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Bytes() {}
  }

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

    /** Past this many buffered writes, lookups go through a hash map instead of a scan. */
    private static final int SCAN_LIMIT = 8;

    private final KvStore kv;
    /** The buffered writes in the order of their keys' first write; value null: delete. */
    private Space[] spaces = new Space[4];
    private byte[][] keys = new byte[4][];
    private byte[][] values = new byte[4][];
    private int size;
    /** Position of each key, made when the batch outgrows SCAN_LIMIT. */
    private Map<Key, Integer> positions;
    /** The value {@link #pending} found (null: a delete). */
    private byte[] pendingValue;

    Batch(KvStore kv) {
      this.kv = kv;
    }

    /** The position of {@code key}'s buffered write, or -1. */
    private int find(Space space, byte[] key) {
      if (positions != null) {
        Integer i = positions.get(new Key(space, key));
        return i == null ? -1 : i;
      }
      for (int i = 0; i < size; i++) {
        if (spaces[i] == space && Arrays.equals(keys[i], key)) {
          return i;
        }
      }
      return -1;
    }

    /** Whether {@code key} has a buffered write; then {@link #pendingValue} holds its value. */
    private boolean pending(Space space, byte[] key) {
      int i = find(space, key);
      if (i < 0) {
        return false;
      }
      pendingValue = values[i];
      return true;
    }

    @Override
    public byte[] get(Space space, byte[] key) {
      if (pending(space, key)) {
        return pendingValue;
      }
      return kv.get(space, key);
    }

    /** {@link #get}, answered from {@code kept} (committed records) before the store. */
    byte[] get(Space space, byte[] key, QueueHints.Records kept) {
      if (pending(space, key)) {
        return pendingValue;
      }
      byte[] v = kept.get(key);
      return v != null ? v : kv.get(space, key);
    }

    @Override
    public KvCursor scan(Space space, byte[] from, byte[] to) {
      return kv.scan(space, from, to, false, 0);
    }

    @Override
    public void put(Space space, byte[] key, byte[] value) {
      Objects.requireNonNull(value, "value must not be null");
      buffer(space, key, value);
    }

    @Override
    public void delete(Space space, byte[] key) {
      buffer(space, key, null);
    }

    /** Buffers a write; a key written before keeps its place and takes the new value. */
    private void buffer(Space space, byte[] key, byte[] value) {
      int i = find(space, key);
      if (i >= 0) {
        values[i] = value;
        return;
      }
      if (size == spaces.length) {
        int n = size * 2;
        spaces = Arrays.copyOf(spaces, n);
        keys = Arrays.copyOf(keys, n);
        values = Arrays.copyOf(values, n);
      }
      spaces[size] = space;
      keys[size] = key;
      values[size] = value;
      if (positions != null) {
        positions.put(new Key(space, key), size);
      } else if (size + 1 > SCAN_LIMIT) {
        positions = new HashMap<>(4 * SCAN_LIMIT);
        for (int j = 0; j <= size; j++) {
          positions.put(new Key(spaces[j], keys[j]), j);
        }
      }
      size++;
    }

    /** The buffered writes, one per key (the last one), in the order of each key's first write. */
    List<KvOp> ops() {
      List<KvOp> ops = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        ops.add(new KvOp(spaces[i], keys[i], values[i]));
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
