package io.github.atomicdb.jmh;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.ItemLock;
import io.github.atomicdb.RaceConditionException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.infra.Blackhole;
import org.rocksdb.RocksDBException;
import org.rocksdb.Transaction;
import org.rocksdb.WriteBatch;

/**
 * One optimistic read-check-write of an item: read its lock, read the item, write the item and a
 * new lock version if the lock did not change. The library does it with getLock + get +
 * setAtomic; the baselines do the same reads and writes on rocksdbjni directly.
 */
interface LockPath extends AutoCloseable {
  String PK = "lockbench";

  /** Stores items (and their locks) with indexes 0 to n-1. */
  void load(int n);

  /** One cycle on key {@code i}: true if it committed, false if the lock changed meanwhile. */
  boolean update(int i, Blackhole bh);

  @Override
  void close();

  static LockPath open(String impl, int keys) {
    LockPath p =
        switch (impl) {
          case "rawBatch" -> new RawBatch(keys);
          case "rawTxn" -> new RawTxn(keys);
          default -> new Library(impl, keys);
        };
    try {
      p.load(keys);
    } catch (RuntimeException e) {
      p.close();
      throw e;
    }
    return p;
  }

  /** getLock + get + setAtomic on an {@link AtomicDb}. */
  final class Library implements LockPath {
    private final TempDir dir;
    private final AtomicDb db;
    private final ItemKey[] keys;
    private final String payload = Keys.payload(1);

    Library(String impl, int n) {
      dir = new TempDir("lock-" + impl + "-");
      try {
        db = Stores.open(impl, dir.resolve("db"), false);
      } catch (RuntimeException | Error e) {
        dir.close();
        throw e;
      }
      keys = new ItemKey[n];
      for (int i = 0; i < n; i++) {
        keys[i] = ItemKey.of(PK, Keys.sk(i));
      }
    }

    @Override
    public void load(int n) {
      List<Item> batch = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        batch.add(Item.of(PK, keys[i].sk(), payload));
        if (batch.size() == 1000 || i == n - 1) {
          db.set(batch);
          batch = new ArrayList<>();
        }
      }
      for (int i = 0; i < n; i++) {
        db.getLock(keys[i]);
      }
    }

    @Override
    public boolean update(int i, Blackhole bh) {
      ItemKey k = keys[i];
      ItemLock lock = db.getLock(k);
      bh.consume(db.get(k));
      try {
        db.setAtomic(Item.of(k.pk(), k.sk(), payload), lock);
        return true;
      } catch (RaceConditionException e) {
        return false;
      }
    }

    @Override
    public void close() {
      try {
        db.close();
      } finally {
        dir.close();
      }
    }
  }

  /** Shared by the raw baselines: keys, payload, lock records (8-byte version + 8-byte ttl). */
  abstract class Raw implements LockPath {
    final RawRocks raw = new RawRocks(false);
    final byte[][] keys;
    final String payload = Keys.payload(1);
    private final AtomicLong versions = new AtomicLong();

    Raw(int n) {
      keys = new byte[n][];
      for (int i = 0; i < n; i++) {
        keys[i] = RawRocks.key(PK, Keys.sk(i));
      }
    }

    byte[] newLock() {
      return ByteBuffer.allocate(16)
          .putLong(versions.incrementAndGet())
          .putLong(System.currentTimeMillis() / 1000 + 86_400)
          .array();
    }

    @Override
    public void load(int n) {
      try (WriteBatch b = new WriteBatch()) {
        for (int i = 0; i < n; i++) {
          b.put(raw.items, keys[i], payload.getBytes(StandardCharsets.UTF_8));
          b.put(raw.locks, keys[i], newLock());
        }
        raw.db.write(raw.writeOptions, b);
      } catch (RocksDBException e) {
        throw new IllegalStateException(e);
      }
    }

    /** The reads of the cycle: the lock (getLock) and the item, decoded (get). */
    byte[] readLockAndItem(byte[] k, Blackhole bh) throws RocksDBException {
      byte[] lock = raw.db.get(raw.locks, raw.readOptions, k);
      byte[] v = raw.db.get(raw.items, raw.readOptions, k);
      bh.consume(v == null ? null : new String(v, StandardCharsets.UTF_8));
      return lock;
    }

    @Override
    public void close() {
      raw.close();
    }
  }

  /** get + get + one WriteBatch of the item and lock puts: no conflict check at all. */
  final class RawBatch extends Raw {
    RawBatch(int n) {
      super(n);
    }

    @Override
    public boolean update(int i, Blackhole bh) {
      byte[] k = keys[i];
      try (WriteBatch b = new WriteBatch()) {
        readLockAndItem(k, bh);
        b.put(raw.items, k, payload.getBytes(StandardCharsets.UTF_8));
        b.put(raw.locks, k, newLock());
        raw.db.write(raw.writeOptions, b);
        return true;
      } catch (RocksDBException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** get + get + OptimisticTransactionDB getForUpdate(lock), compare, 2 untracked puts, commit. */
  final class RawTxn extends Raw {
    RawTxn(int n) {
      super(n);
    }

    @Override
    public boolean update(int i, Blackhole bh) {
      byte[] k = keys[i];
      Transaction t = null;
      try {
        byte[] lock = readLockAndItem(k, bh);
        t = raw.begin();
        byte[] cur = t.getForUpdate(raw.readOptions, raw.locks, k, true);
        if (!Arrays.equals(cur, lock)) {
          t.rollback();
          return false;
        }
        // Untracked, as the library does: only the lock read is validated at commit.
        t.putUntracked(raw.items, k, payload.getBytes(StandardCharsets.UTF_8));
        t.putUntracked(raw.locks, k, newLock());
        t.commit();
        return true;
      } catch (RocksDBException e) {
        if (t != null) {
          try {
            t.rollback();
          } catch (RocksDBException ignored) {
            // already finished
          }
        }
        if (RawRocks.isConflict(e)) {
          return false;
        }
        throw new IllegalStateException(e);
      } finally {
        if (t != null) {
          raw.done(t);
        }
      }
    }
  }
}
