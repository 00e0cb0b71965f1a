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
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.infra.Blackhole;
import org.rocksdb.RocksDBException;
import org.rocksdb.Transaction;
import org.rocksdb.WriteBatch;

/**
 * One optimistic read-check-write of an item: read its lock, read the item, write the item and a
 * new lock version if the lock did not change. The library does it with getLock + get +
 * setAtomic; the baselines do the same reads and writes on rocksdbjni directly; the competitors
 * ({@link SqlitePaths.Lock}, {@link LmdbPaths.Lock}) the way their users write it.
 *
 * <p>Every item's data is a counter followed by padding, 100 ASCII bytes in all ({@link
 * #data(long)}): an update writes the counter it read plus one. {@link Checked} counts the
 * committed updates of each key, and at the end the stored counter (and, where the lock version is
 * a number, the stored version) must match: a lost update, a stale read or a write that reported
 * success without landing fails the benchmark.
 */
interface LockPath extends AutoCloseable {
  String PK = "lockbench";

  /** Stores items (counter 0) and their locks (version 1 where it is a number), indexes 0 to n-1. */
  void load(int n);

  /**
   * One cycle on key {@code i}: reads the lock and the item (counter c), writes the item with
   * counter c + 1 and a new lock version; true if it committed, false if the lock changed
   * meanwhile.
   */
  boolean update(int i, Blackhole bh);

  /** The counter in the stored item {@code i} (after the benchmark). */
  long storedCounter(int i);

  /** The stored lock version of item {@code i}, or -1 where versions are opaque (the library). */
  long storedVersion(int i);

  @Override
  void close();

  /** The store named by {@code impl}, loaded with {@code keys} items, behind a {@link Checked}. */
  static Checked open(String impl, int keys) {
    LockPath p =
        switch (impl) {
          case "rawBatch" -> new RawBatch(keys);
          case "rawTxn" -> new RawTxn(keys);
          case "sqlite" -> new SqlitePaths.Lock(keys);
          case "lmdb" -> new LmdbPaths.Lock(keys);
          default -> new Library(impl, keys);
        };
    try {
      p.load(keys);
    } catch (RuntimeException e) {
      p.close();
      throw e;
    }
    return new Checked(p, keys, !impl.equals("rawBatch"));
  }

  int COUNTER_DIGITS = 10;
  /** What follows the counter: the rest of the 100-byte payload. */
  String PADDING = Keys.payload(1).substring(COUNTER_DIGITS + 2);

  /** Item data holding counter {@code n}: {@code c0000000042-} and padding, 100 ASCII chars. */
  static String data(long n) {
    char[] c = new char[COUNTER_DIGITS + 2];
    c[0] = 'c';
    for (int i = COUNTER_DIGITS; i >= 1; i--, n /= 10) {
      c[i] = (char) ('0' + n % 10);
    }
    c[COUNTER_DIGITS + 1] = '-';
    return new String(c).concat(PADDING);
  }

  /** The counter in item data made by {@link #data(long)}. */
  static long counter(String data) {
    if (data == null || data.length() != 100 || data.charAt(0) != 'c') {
      throw new IllegalStateException("not the benchmark's item data: " + data);
    }
    return Long.parseLong(data, 1, COUNTER_DIGITS + 1, 10);
  }

  /**
   * Counts the outcome of every update and checks them against the store at the end: what the
   * benchmarks call. {@link #verify} throws (so the benchmark fails) unless every key's stored
   * counter, and numeric lock version, equals its count of committed updates, some update
   * committed, and, where no two threads shared a key, at most 1% of the updates were refused
   * (a refusal there means the store lost a race with nobody: a broken conditional write).
   */
  final class Checked implements AutoCloseable {
    private final LockPath path;
    private final AtomicLongArray committed;
    private final LongAdder refused = new LongAdder();
    private final boolean conflictChecked;

    Checked(LockPath path, int keys, boolean conflictChecked) {
      this.path = path;
      this.committed = new AtomicLongArray(keys);
      this.conflictChecked = conflictChecked;
    }

    boolean update(int i, Blackhole bh) {
      if (path.update(i, bh)) {
        committed.incrementAndGet(i);
        return true;
      }
      refused.increment();
      return false;
    }

    /**
     * @param sharedKeys whether threads updated the same keys (then refusals are races lost, and
     *     {@code rawBatch}, which checks nothing, may lose updates: its counters may only be lower)
     */
    String verify(boolean sharedKeys) {
      long total = 0;
      for (int i = 0; i < committed.length(); i++) {
        long n = committed.get(i);
        total += n;
        long stored = path.storedCounter(i);
        boolean counterOk = conflictChecked || !sharedKeys ? stored == n : stored <= n;
        if (!counterOk) {
          throw new IllegalStateException(
              "item " + i + " holds counter " + stored + " after " + n + " committed updates");
        }
        long version = path.storedVersion(i);
        if (version >= 0 && (conflictChecked || !sharedKeys) && version != 1 + n) {
          throw new IllegalStateException(
              "lock " + i + " has version " + version + " after " + n + " committed updates (expected "
                  + (1 + n) + ")");
        }
      }
      long lost = refused.sum();
      if (total == 0) {
        throw new IllegalStateException("no update committed (" + lost + " refused)");
      }
      if (!sharedKeys && lost * 100 > total) {
        throw new IllegalStateException(
            lost + " updates refused against " + total + " committed with no other thread on the key");
      }
      return total + " updates committed, " + lost + " refused, "
          + (conflictChecked || !sharedKeys
              ? "stored counters and versions match"
              : "no stored counter above its committed updates (no conflict check: may lose some)");
    }

    @Override
    public void close() {
      path.close();
    }
  }

  /** getLock + get + setAtomic on an {@link AtomicDb}. */
  final class Library implements LockPath {
    private final TempDir dir;
    private final AtomicDb db;
    private final ItemKey[] keys;

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
        batch.add(Item.of(PK, keys[i].sk(), LockPath.data(0)));
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
      Item item = db.get(k).orElseThrow(() -> new IllegalStateException("item " + i + " is gone"));
      bh.consume(item);
      long n = LockPath.counter(item.data(String.class));
      try {
        db.setAtomic(Item.of(k.pk(), k.sk(), LockPath.data(n + 1)), lock);
        return true;
      } catch (RaceConditionException e) {
        return false;
      }
    }

    @Override
    public long storedCounter(int i) {
      return LockPath.counter(db.get(keys[i]).orElseThrow().data(String.class));
    }

    @Override
    public long storedVersion(int i) {
      return -1;
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

  /**
   * Shared by the raw baselines: keys, lock records (8-byte version, counting from 1 per key, +
   * 8-byte ttl).
   */
  abstract class Raw implements LockPath {
    final RawRocks raw = new RawRocks(false);
    final byte[][] keys;

    Raw(int n) {
      keys = new byte[n][];
      for (int i = 0; i < n; i++) {
        keys[i] = RawRocks.key(PK, Keys.sk(i));
      }
    }

    static byte[] newLock(long version) {
      return ByteBuffer.allocate(16)
          .putLong(version)
          .putLong(System.currentTimeMillis() / 1000 + 86_400)
          .array();
    }

    /** The version of the stored lock {@code lock}, plus one. */
    static long nextVersion(byte[] lock) {
      return ByteBuffer.wrap(lock).getLong(0) + 1;
    }

    @Override
    public void load(int n) {
      try (WriteBatch b = new WriteBatch()) {
        for (int i = 0; i < n; i++) {
          b.put(raw.items, keys[i], LockPath.data(0).getBytes(StandardCharsets.UTF_8));
          b.put(raw.locks, keys[i], newLock(1));
        }
        raw.db.write(raw.writeOptions, b);
      } catch (RocksDBException e) {
        throw new IllegalStateException(e);
      }
    }

    /** The reads of the cycle: the lock (getLock) and the item, decoded (get). */
    byte[] readLock(byte[] k) throws RocksDBException {
      return raw.db.get(raw.locks, raw.readOptions, k);
    }

    /** The item, decoded (get); its counter plus one, the counter to write. */
    long readItem(byte[] k, Blackhole bh) throws RocksDBException {
      byte[] v = raw.db.get(raw.items, raw.readOptions, k);
      String s = v == null ? null : new String(v, StandardCharsets.UTF_8);
      bh.consume(s);
      return LockPath.counter(s) + 1;
    }

    @Override
    public long storedCounter(int i) {
      try {
        return LockPath.counter(new String(raw.db.get(raw.items, keys[i]), StandardCharsets.UTF_8));
      } catch (RocksDBException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public long storedVersion(int i) {
      try {
        return nextVersion(raw.db.get(raw.locks, keys[i])) - 1;
      } catch (RocksDBException e) {
        throw new IllegalStateException(e);
      }
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
        byte[] lock = readLock(k);
        long n = readItem(k, bh);
        b.put(raw.items, k, LockPath.data(n).getBytes(StandardCharsets.UTF_8));
        b.put(raw.locks, k, newLock(nextVersion(lock)));
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
        byte[] lock = readLock(k);
        long n = readItem(k, bh);
        t = raw.begin();
        byte[] cur = t.getForUpdate(raw.readOptions, raw.locks, k, true);
        if (!Arrays.equals(cur, lock)) {
          t.rollback();
          return false;
        }
        // Untracked, as the library does: only the lock read is validated at commit.
        t.putUntracked(raw.items, k, LockPath.data(n).getBytes(StandardCharsets.UTF_8));
        t.putUntracked(raw.locks, k, newLock(nextVersion(lock)));
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
