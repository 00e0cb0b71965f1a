package io.github.atomicdb.jmh;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.OptimisticTransactionDB;
import org.rocksdb.OptimisticTransactionOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;
import org.rocksdb.Transaction;
import org.rocksdb.WriteOptions;

/**
 * The raw baseline store: rocksdbjni used directly, the way a careful hand-written program would,
 * with the library's column family layout (items, locks, ready, inflight) and its tuning.
 * Package-private; every native object it makes is closed by {@link #close()}.
 */
final class RawRocks implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  private final TempDir dir;
  private final LRUCache cache;
  private final BloomFilter bloom;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final List<ColumnFamilyHandle> handles = new ArrayList<>();
  final OptimisticTransactionDB db;
  final ColumnFamilyHandle items;
  final ColumnFamilyHandle locks;
  final ColumnFamilyHandle ready;
  final ColumnFamilyHandle inflight;
  final WriteOptions writeOptions;
  final ReadOptions readOptions;
  private final OptimisticTransactionOptions txnOptions;
  private final ConcurrentLinkedQueue<Transaction> idle = new ConcurrentLinkedQueue<>();
  private final List<Transaction> made = new ArrayList<>();
  private boolean closed;

  RawRocks(boolean syncWrites) {
    dir = new TempDir("raw-rocks-");
    // The library's tuning (RocksKv): 32 MiB LRU block cache, bloom filter, LZ4, 16 MiB memtables.
    cache = new LRUCache(32L << 20);
    bloom = new BloomFilter(10);
    dbOptions = new DBOptions()
        .setCreateIfMissing(true)
        .setCreateMissingColumnFamilies(true)
        .setMaxBackgroundJobs(2);
    cfOptions = new ColumnFamilyOptions()
        .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache).setFilterPolicy(bloom))
        .setCompressionType(CompressionType.LZ4_COMPRESSION)
        .setWriteBufferSize(16L << 20);
    List<ColumnFamilyDescriptor> cfs = new ArrayList<>();
    for (String name : List.of("default", "items", "locks", "ready", "inflight")) {
      cfs.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8), cfOptions));
    }
    try {
      db = OptimisticTransactionDB.open(dbOptions, dir.path.toString(), cfs, handles);
    } catch (RocksDBException e) {
      cfOptions.close();
      dbOptions.close();
      bloom.close();
      cache.close();
      dir.close();
      throw new IllegalStateException(e);
    }
    items = handles.get(1);
    locks = handles.get(2);
    ready = handles.get(3);
    inflight = handles.get(4);
    writeOptions = new WriteOptions().setSync(syncWrites);
    readOptions = new ReadOptions();
    txnOptions = new OptimisticTransactionOptions();
  }

  Path path() {
    return dir.path;
  }

  /** A transaction, reusing a finished one when there is one (as the library may). */
  Transaction begin() {
    Transaction old = idle.poll();
    if (old != null) {
      return db.beginTransaction(writeOptions, txnOptions, old);
    }
    Transaction t = db.beginTransaction(writeOptions, txnOptions);
    synchronized (made) {
      made.add(t);
    }
    return t;
  }

  /** Hands a committed or rolled-back transaction back for reuse. */
  void done(Transaction t) {
    idle.offer(t);
  }

  static boolean isConflict(RocksDBException e) {
    Status s = e.getStatus();
    return s != null && (s.getCode() == Status.Code.Busy || s.getCode() == Status.Code.TryAgain);
  }

  static byte[] key(String pk, String sk) {
    byte[] p = pk.getBytes(StandardCharsets.UTF_8);
    byte[] s = sk.getBytes(StandardCharsets.UTF_8);
    byte[] k = new byte[p.length + 1 + s.length];
    System.arraycopy(p, 0, k, 0, p.length);
    System.arraycopy(s, 0, k, p.length + 1, s.length);
    return k;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    synchronized (made) {
      for (Transaction t : made) {
        t.close();
      }
    }
    txnOptions.close();
    readOptions.close();
    writeOptions.close();
    for (ColumnFamilyHandle h : handles) {
      h.close();
    }
    db.close();
    cfOptions.close();
    dbOptions.close();
    bloom.close();
    cache.close();
    dir.close();
  }
}
