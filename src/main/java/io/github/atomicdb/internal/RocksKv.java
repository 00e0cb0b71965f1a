package io.github.atomicdb.internal;

import io.github.atomicdb.AtomicDbException;
import io.github.atomicdb.Compression;
import io.github.atomicdb.spi.KvConflictException;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.KvTxn;
import io.github.atomicdb.spi.Space;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CassandraCompactionFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.ConfigOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.OptimisticTransactionDB;
import org.rocksdb.OptimisticTransactionOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;
import org.rocksdb.Transaction;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/*
 * The RocksDB backend.
 *
 * Layout: one OptimisticTransactionDB, column families "default" (unused), "meta", "items",
 * "locks", "queue", "qindex" (data-format.md). "items" and "locks" carry the native
 * CassandraCompactionFilter(purge_ttl_on_expiration=true, gc_grace=0), which drops every value
 * whose envelope (Records.item, Records.lock) has expired by the wall clock at compaction time;
 * the queue families have no filter, because that filter deletes any value not in its row
 * format. Periodic compaction (1 day) bounds how long expired bytes stay on disk. Locks expire
 * at most 24 h after their last refresh, so a lock record outlives its last use (and the item
 * it guarded) by at most a day plus the compaction period.
 *
 * Upgrades: a store of an older format is converted at open, before anything else reads it
 * (FormatUpgrade, with the mark-run-unmark protocol that makes a crash mid-way resumable); the
 * locks family is opened without its filter meanwhile, since format-1 lock records are not rows.
 *
 * Opening (RocksDirectory) never changes a directory that is not ours: an existing, non-empty
 * directory must hold a RocksDB (CURRENT file) whose column families are a subset of ours
 * including "meta"; its meta records are then read through a read-only open (which takes no
 * LOCK and writes nothing) before the read-write open. Only an empty or missing directory is created, and only
 * then is create_if_missing set. A store whose creation was interrupted (our families, every
 * one empty, no marker yet) is finished rather than refused. meta is created right after
 * default, so an interrupted creation that got further than "default" is recognisable.
 *
 * Transactions: optimistic. transact takes a snapshot at begin (set_snapshot); getForUpdate
 * reads at it (plus own writes) and records the key at its sequence number. transactOnLatest
 * (getLock, setAtomic) takes none: getForUpdate reads the latest value and records the key at the
 * latest sequence number, taken before the read. Puts and deletes are *untracked*, so exactly
 * the keys read with getForUpdate are validated at commit, as the KvTxn contract says (a tracked
 * put would make a blind write race, e.g. set() against setAtomic() on the same item, fail the
 * commit although no lock changed). Busy/TryAgain at commit -> rollback -> KvConflictException.
 * Transaction objects and their ReadOptions are pooled and re-initialised with
 * beginTransaction(wo, opts, old), which RocksJava guarantees returns the same object.
 *
 * Queue churn: a queue deletes index keys at the front of its ranges (a pull deletes the ready
 * key it takes, an ack the in-flight key), and every pull seeks from the front of those ranges.
 * In an LSM tree a deleted key stays as a tombstone that every such seek steps over until a
 * compaction drops it; in a 16 MiB memtable that is 100k+ tombstones per seek, and pulls slowed
 * from microseconds to milliseconds as a queue aged (measured: 10k push+pull+ack with a backlog
 * of 1000 took ~40 s, ~3 s with the settings below). So every family sets
 * memtable_op_scan_flush_trigger (a memtable in which one iterator step skipped
 * SCAN_FLUSH_TRIGGER hidden entries is flushed), and the queue families compact level 0 after
 * two files, which drops the tombstones (nothing older lies below them).
 *
 * Reads: get and multiGet read the latest committed state (RocksDB's MultiGet reads every key at
 * one sequence number, i.e. from one implicit snapshot). A scan's iterator is likewise pinned at
 * the sequence number of its creation, so it is a consistent snapshot without an explicit
 * Snapshot object; bounds are set on ReadOptions (iterate_lower_bound / iterate_upper_bound) so
 * a scan never runs into the next partition. Inside a transaction, scan reads the transaction's
 * snapshot through db.newIterator (not the transaction's iterator: own writes are not visible).
 * The limit hint of scan is not needed: an iterator reads one block at a time, on demand.
 *
 * Concurrency and lifecycle: every public method and every cursor step holds the read half of
 * one ReentrantReadWriteLock while it touches native objects; close() takes the write half, so
 * it waits for calls in flight and no call can see a freed object. Open cursors are tracked and
 * released by close() (a later next() throws IllegalStateException). Each cursor releases its
 * iterator, ReadOptions and Slices exactly once (CAS on its state), on close() or when next()
 * returns false. close() then frees, in order: pooled transactions and their ReadOptions, the
 * column family handles, the DB (and the ReadOptions RocksJava's RocksDB object forgets to free),
 * and the options, filter, bloom filter and cache it created.
 * A directory is registered in a JVM-wide set while open, so a second open in this JVM fails
 * before touching RocksDB; another process gets RocksDB's LOCK error, mapped to the same message.
 */
/**
 * {@link KvStore} over RocksDB. Thread-safe. Not API: used by {@code AtomicRocksDb}.
 */
public final class RocksKv implements KvStore {
  /** The directory's LOCK file keeps every other process out. */
  @Override
  public boolean singleWriter() {
    return true;
  }

  /** Whether every write fsyncs the WAL ({@link Settings#syncWrites()}). */
  @Override
  public boolean syncsWrites() {
    return syncWrites;
  }

  static {
    NativeLibrary.load(); // one reused copy: a crash leaves no 17 MB file behind
  }

  /**
   * The store format version this code writes; a store of an older version is upgraded to it at
   * open (see {@link FormatUpgrade}), a newer one refused.
   */
  public static final int FORMAT_VERSION = 2;

  /** meta key holding {@link #MAGIC}. */
  static final byte[] MAGIC_KEY = "magic".getBytes(StandardCharsets.US_ASCII);
  /** meta key holding the format version, int32 big-endian. */
  static final byte[] FORMAT_KEY = "format".getBytes(StandardCharsets.US_ASCII);
  /** meta key present only while an upgrade runs: the version it started from, int32. */
  static final byte[] UPGRADE_FROM_KEY = "upgrade-from".getBytes(StandardCharsets.US_ASCII);
  /** The marker that tells our RocksDB from any other. */
  static final byte[] MAGIC = "io.github.atomicdb".getBytes(StandardCharsets.US_ASCII);

  static final String META_CF = "meta";
  private static final String DEFAULT_CF = new String(RocksDB.DEFAULT_COLUMN_FAMILY, StandardCharsets.US_ASCII);
  /** Column family of each space; order of creation is default, meta, then these. */
  private static final Map<Space, String> CF_NAMES = new EnumMap<>(Map.of(
      Space.ITEMS, "items", Space.LOCKS, "locks", Space.QUEUE, "queue", Space.QINDEX, "qindex"));
  static final Set<String> OUR_CFS = ourColumnFamilies();

  private static final long PERIODIC_COMPACTION_SECONDS = 24 * 3600;
  /** A memtable whose single iterator step skipped this many deleted entries is flushed. */
  static final int SCAN_FLUSH_TRIGGER = 128;
  private static final int DEFAULT_L0_TRIGGER = 4;
  /** Queue families compact level-0 files early, dropping the tombstones their scans skip. */
  private static final int QUEUE_L0_TRIGGER = 2;
  private static final int MAX_IDLE_TXNS = 16;

  /** Directories (real paths) open in this JVM. */
  private static final Set<Path> OPEN_DIRS = ConcurrentHashMap.newKeySet();

  /**
   * Tuning of a RocksDB store.
   *
   * @param syncWrites fsync the WAL on every commit
   * @param blockCacheBytes size of the shared LRU block cache
   * @param compression block compression of new files
   * @param writeBufferBytes memtable size per column family
   */
  public record Settings(
      boolean syncWrites, long blockCacheBytes, Compression compression, long writeBufferBytes) {
    public Settings {
      Objects.requireNonNull(compression, "compression must not be null");
    }
  }

  private final Path dir;
  private final Path lockKey;
  private final boolean syncWrites;
  private final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
  private final Set<Cursor> cursors = ConcurrentHashMap.newKeySet();
  private final Recycler<Slot> idle = new Recycler<>(MAX_IDLE_TXNS);
  /** Options, filters and caches, in creation order; closed in reverse after the DB. */
  private final List<AutoCloseable> natives = new ArrayList<>();
  private final List<ColumnFamilyHandle> handles = new ArrayList<>();
  private final Map<Space, ColumnFamilyHandle> bySpace = new EnumMap<>(Space.class);
  private ColumnFamilyHandle metaHandle;
  /** The column family id of each Space, by ordinal (for WriteBatchRep). */
  private final int[] cfIds = new int[Space.values().length];
  private OptimisticTransactionDB db;
  private WriteOptions writeOptions;
  /** Default options of plain reads, made once: get without them builds a native ReadOptions per call. */
  private ReadOptions readOptions;
  private OptimisticTransactionOptions txnOptions;
  private OptimisticTransactionOptions latestTxnOptions;
  private volatile boolean closed;

  private static Set<String> ourColumnFamilies() {
    Set<String> s = new LinkedHashSet<>();
    s.add(DEFAULT_CF);
    s.add(META_CF);
    s.addAll(CF_NAMES.values());
    return Collections.unmodifiableSet(s);
  }

  // ------------------------------------------------------------------ opening

  /**
   * Opens (creating if missing or empty) the store in {@code dir}; a store of an older format
   * is refused (see {@link #open(Path, Settings, FormatUpgrade)}).
   */
  public static RocksKv open(Path dir, Settings settings) {
    return open(dir, settings, FormatUpgrade.NONE);
  }

  /**
   * Opens (creating if missing or empty) the store in {@code dir}, first upgrading a store of an
   * older format version (or finishing an upgrade a crash interrupted) with {@code upgrade}.
   *
   * @throws AtomicDbException naming {@code dir} if it is not ours, was written by a newer
   *     version, is of an older version {@code upgrade} does not cover, is damaged, or is already
   *     open by this or another process; the directory is then left as it was
   */
  public static RocksKv open(Path dir, Settings settings, FormatUpgrade upgrade) {
    Objects.requireNonNull(dir, "dir must not be null");
    Objects.requireNonNull(settings, "settings must not be null");
    Objects.requireNonNull(upgrade, "upgrade must not be null");
    Path abs = dir.toAbsolutePath().normalize();
    boolean fresh = RocksDirectory.prepare(abs);
    Path key;
    try {
      key = abs.toRealPath();
    } catch (IOException e) {
      throw new AtomicDbException("cannot resolve atomic-db directory " + abs + ": " + e, e);
    }
    if (!OPEN_DIRS.add(key)) {
      throw new AtomicDbException(RocksErrors.alreadyOpen(abs));
    }
    try {
      if (!fresh) {
        RocksDirectory.Inspection found = RocksDirectory.inspect(abs);
        fresh = found.create();
        if (found.needsUpgrade()) {
          upgrade(abs, key, settings, found.upgradeStart(), upgrade);
        }
      }
      return new RocksKv(abs, key, settings, fresh, true);
    } catch (RuntimeException | Error e) {
      OPEN_DIRS.remove(key);
      throw e;
    }
  }

  /**
   * Upgrades the store from format {@code from}: marks it (format = new, upgrade-from = from),
   * runs the steps, flushes, removes the mark. The locks family is opened without its TTL filter
   * meanwhile, because that filter would drop format-1 lock records (they are not in its row
   * format) if a compaction ran before they are converted.
   */
  private static void upgrade(Path dir, Path lockKey, Settings settings, int from, FormatUpgrade upgrade) {
    if (!upgrade.covers(from, FORMAT_VERSION)) {
      throw new AtomicDbException(
          "cannot open atomic-db store in " + dir + ": it has data format " + from + " and this"
              + " way of opening it cannot upgrade it; open it with AtomicRocksDb, which upgrades"
              + " it to format " + FORMAT_VERSION + ". The directory was left untouched");
    }
    RocksKv kv = new RocksKv(dir, lockKey, settings, false, false);
    try {
      kv.writeFormat(FORMAT_VERSION, from);
      upgrade.run(kv, from, FORMAT_VERSION, "the atomic-db store in " + dir);
      kv.flush();
      kv.writeFormat(FORMAT_VERSION, 0);
    } finally {
      kv.shutdown(false);
    }
  }

  private <T extends AutoCloseable> T own(T nativeObject) {
    natives.add(nativeObject);
    return nativeObject;
  }

  /** @param lockTtlFilter attach the TTL compaction filter to the locks family (format 2 on) */
  private RocksKv(Path dir, Path lockKey, Settings s, boolean create, boolean lockTtlFilter) {
    this.dir = dir;
    this.lockKey = lockKey;
    this.syncWrites = s.syncWrites();
    try {
      LRUCache cache = own(new LRUCache(s.blockCacheBytes()));
      BloomFilter bloom = own(new BloomFilter(10));
      BlockBasedTableConfig table =
          new BlockBasedTableConfig().setBlockCache(cache).setFilterPolicy(bloom);
      CompressionType compression = switch (s.compression()) {
        case NONE -> CompressionType.NO_COMPRESSION;
        case LZ4 -> CompressionType.LZ4_COMPRESSION;
        case ZSTD -> CompressionType.ZSTD_COMPRESSION;
      };
      CassandraCompactionFilter ttlFilter = own(new CassandraCompactionFilter(true, 0));
      ColumnFamilyOptions itemsOptions = own(columnFamilyOptions(DEFAULT_L0_TRIGGER))
          .setTableFormatConfig(table)
          .setCompressionType(compression)
          .setWriteBufferSize(s.writeBufferBytes())
          .setCompactionFilter(ttlFilter)
          .setPeriodicCompactionSeconds(PERIODIC_COMPACTION_SECONDS);
      ColumnFamilyOptions locksOptions = own(columnFamilyOptions(DEFAULT_L0_TRIGGER))
          .setTableFormatConfig(table)
          .setCompressionType(compression)
          .setWriteBufferSize(s.writeBufferBytes());
      if (lockTtlFilter) {
        locksOptions
            .setCompactionFilter(ttlFilter)
            .setPeriodicCompactionSeconds(PERIODIC_COMPACTION_SECONDS);
      }
      ColumnFamilyOptions otherOptions = own(columnFamilyOptions(DEFAULT_L0_TRIGGER))
          .setTableFormatConfig(table)
          .setCompressionType(compression)
          .setWriteBufferSize(s.writeBufferBytes());
      ColumnFamilyOptions queueOptions = own(columnFamilyOptions(QUEUE_L0_TRIGGER))
          .setTableFormatConfig(table)
          .setCompressionType(compression)
          .setWriteBufferSize(s.writeBufferBytes());
      DBOptions dbOptions = own(new DBOptions())
          .setCreateIfMissing(create)
          .setCreateMissingColumnFamilies(true)
          .setMaxBackgroundJobs(2)
          .setKeepLogFileNum(3)
          .setMaxLogFileSize(1 << 20)
          // rarely written families (meta, locks) must not pin old WAL files forever
          .setMaxTotalWalSize(Math.max(4 * s.writeBufferBytes(), 16L << 20));
      List<ColumnFamilyDescriptor> descs = new ArrayList<>();
      descs.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, otherOptions));
      descs.add(new ColumnFamilyDescriptor(META_CF.getBytes(StandardCharsets.US_ASCII), otherOptions));
      for (Space sp : Space.values()) {
        descs.add(new ColumnFamilyDescriptor(
            CF_NAMES.get(sp).getBytes(StandardCharsets.US_ASCII),
            switch (sp) {
              case ITEMS -> itemsOptions;
              case LOCKS -> locksOptions;
              case QUEUE, QINDEX -> queueOptions;
            }));
      }
      writeOptions = own(new WriteOptions()).setSync(s.syncWrites());
      readOptions = own(new ReadOptions());
      txnOptions = own(new OptimisticTransactionOptions()).setSetSnapshot(true);
      latestTxnOptions = own(new OptimisticTransactionOptions()).setSetSnapshot(false);
      db = OptimisticTransactionDB.open(dbOptions, dir.toString(), descs, handles);
      metaHandle = handles.get(1);
      for (int i = 0; i < Space.values().length; i++) {
        bySpace.put(Space.values()[i], handles.get(2 + i));
        cfIds[i] = handles.get(2 + i).getID();
      }
      if (create) {
        writeMeta(FORMAT_VERSION, 0);
      }
    } catch (RocksDBException e) {
      releaseAll();
      throw RocksErrors.map("open", dir, e);
    } catch (RuntimeException | Error e) {
      releaseAll();
      throw e;
    }
  }

  /**
   * Column family options with the flush-on-tombstone-scan trigger, which RocksJava has no setter
   * for (so they start from an options string).
   */
  private static ColumnFamilyOptions columnFamilyOptions(int level0CompactionTrigger) {
    Properties p = new Properties();
    p.setProperty("memtable_op_scan_flush_trigger", Integer.toString(SCAN_FLUSH_TRIGGER));
    p.setProperty("level0_file_num_compaction_trigger", Integer.toString(level0CompactionTrigger));
    try (ConfigOptions co = new ConfigOptions()) {
      ColumnFamilyOptions o = ColumnFamilyOptions.getColumnFamilyOptionsFromProps(co, p);
      if (o == null) {
        throw new IllegalStateException("RocksDB rejected the column family options " + p);
      }
      return o;
    }
  }

  /**
   * Writes the marker, the format version and the upgrade mark (removed when {@code upgradeFrom}
   * is 0) durably, and flushes them out of the WAL.
   */
  private void writeMeta(int format, int upgradeFrom) throws RocksDBException {
    try (WriteBatch b = new WriteBatch();
        WriteOptions sync = new WriteOptions().setSync(true);
        FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
      b.put(metaHandle, MAGIC_KEY, MAGIC);
      b.put(metaHandle, FORMAT_KEY, ByteBuffer.allocate(4).putInt(format).array());
      if (upgradeFrom == 0) {
        b.delete(metaHandle, UPGRADE_FROM_KEY);
      } else {
        b.put(metaHandle, UPGRADE_FROM_KEY, ByteBuffer.allocate(4).putInt(upgradeFrom).array());
      }
      db.write(sync, b);
      db.flush(fo, metaHandle);
    }
  }

  private void writeFormat(int format, int upgradeFrom) {
    Lock l = enter();
    try {
      writeMeta(format, upgradeFrom);
    } catch (RocksDBException e) {
      throw RocksErrors.map("write format version", dir, e);
    } finally {
      l.unlock();
    }
  }

  /** Frees every native object this store made, in dependency order. Exactly once. */
  private void releaseAll() {
    for (Slot s; (s = idle.poll()) != null; ) {
      s.free();
    }
    for (ColumnFamilyHandle h : handles) {
      h.close();
    }
    handles.clear();
    if (db != null) {
      db.close();
      freeDefaultReadOptions(db);
      db = null;
    }
    for (int i = natives.size() - 1; i >= 0; i--) {
      try {
        natives.get(i).close();
      } catch (Exception e) {
        // RocksObject.close() throws nothing; keep freeing the rest regardless
      }
    }
    natives.clear();
  }

  private static final java.lang.reflect.Field DEFAULT_READ_OPTIONS = defaultReadOptionsField();

  private static java.lang.reflect.Field defaultReadOptionsField() {
    try {
      java.lang.reflect.Field f = RocksDB.class.getDeclaredField("defaultReadOptions_");
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // another RocksJava layout: nothing we know how to free
    }
  }

  /**
   * Every RocksJava RocksDB object makes a native ReadOptions in its constructor that its close()
   * never frees (facebook/rocksdb#15036; still so in 11.8.1). Frees it once the DB is closed.
   * ReadOptions.close() is idempotent, so this stays safe if RocksJava starts freeing it itself.
   */
  static void freeDefaultReadOptions(RocksDB closed) {
    if (DEFAULT_READ_OPTIONS == null) {
      return;
    }
    try {
      Object ro = DEFAULT_READ_OPTIONS.get(closed);
      if (ro instanceof ReadOptions r) {
        r.close();
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      // leave it: a small leak beats failing close()
    }
  }

  /** The directory of this store. */
  public Path dir() {
    return dir;
  }

  // ------------------------------------------------------------------ calls

  private Lock enter() {
    Lock l = rw.readLock();
    l.lock();
    if (closed) {
      l.unlock();
      throw closedException();
    }
    return l;
  }

  private IllegalStateException closedException() {
    return new IllegalStateException("the atomic-db store in " + dir + " is closed");
  }

  private ColumnFamilyHandle cf(Space space) {
    return bySpace.get(Objects.requireNonNull(space, "space"));
  }

  @Override
  public byte[] get(Space space, byte[] key) {
    Lock l = enter();
    try {
      return db.get(cf(space), readOptions, key);
    } catch (RocksDBException e) {
      throw RocksErrors.map("get", dir, e);
    } finally {
      l.unlock();
    }
  }

  @Override
  public List<byte[]> multiGet(Space space, List<byte[]> keys) {
    Lock l = enter();
    try {
      if (keys.isEmpty()) {
        return new ArrayList<>();
      }
      // MultiGet reads every key at one sequence number: one consistent snapshot.
      return db.multiGetAsList(Collections.nCopies(keys.size(), cf(space)), keys);
    } catch (RocksDBException e) {
      throw RocksErrors.map("multiGet", dir, e);
    } finally {
      l.unlock();
    }
  }

  @Override
  public KvCursor scan(Space space, byte[] from, byte[] to, boolean reverse, int limitHint) {
    Lock l = enter();
    try {
      Objects.requireNonNull(from, "from must not be null");
      if (to != null && Arrays.compareUnsigned(from, to) >= 0) {
        return EMPTY;
      }
      return new Cursor(cf(space), from, to, reverse, null);
    } finally {
      l.unlock();
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
    Lock l = enter();
    // One native call for the whole batch (WriteBatchRep) instead of one per key.
    try (WriteBatch b = new WriteBatch(WriteBatchRep.of(ops, cfIds))) {
      db.write(writeOptions, b);
    } catch (RocksDBException e) {
      throw RocksErrors.map("write", dir, e);
    } finally {
      l.unlock();
    }
  }

  @Override
  public <T> T transact(Function<KvTxn, T> body) {
    return run(body, true);
  }

  /**
   * Without a snapshot: each getForUpdate reads the latest committed value, and RocksDB tracks
   * its key from the sequence number it takes just before that read, which is what the SPI asks.
   */
  @Override
  public <T> T transactOnLatest(Function<KvTxn, T> body) {
    return run(body, false);
  }

  private <T> T run(Function<KvTxn, T> body, boolean atStart) {
    Lock l = enter();
    try {
      OptimisticTransactionOptions options = atStart ? txnOptions : latestTxnOptions;
      Slot slot = idle.poll();
      if (slot != null) {
        slot.txn = db.beginTransaction(writeOptions, options, slot.txn);
      } else {
        slot = new Slot(options);
      }
      Snapshot snapshot = null;
      if (atStart) {
        snapshot = slot.txn.getSnapshot();
        slot.readOptions.setSnapshot(snapshot);
        slot.snapshotSet = true;
      }
      View view = new View(slot, snapshot);
      T result;
      try {
        result = body.apply(view);
        view.finish();
        slot.txn.commit();
      } catch (RocksDBException e) {
        view.finish();
        rollback(slot);
        throw RocksErrors.map("commit", dir, e); // Busy/TryAgain: KvConflictException

      } catch (RuntimeException | Error e) {
        view.finish();
        rollback(slot);
        throw e;
      }
      recycle(slot);
      return result;
    } finally {
      l.unlock();
    }
  }

  private void rollback(Slot slot) {
    try {
      slot.txn.rollback();
      recycle(slot);
    } catch (RocksDBException | RuntimeException e) {
      slot.free(); // do not reuse a transaction in an unknown state
    }
  }

  private void recycle(Slot slot) {
    if (slot.snapshotSet) {
      // An ended transaction keeps its snapshot until it is begun again: release it now, so an
      // idle pooled transaction does not keep compaction from dropping what it still sees.
      slot.readOptions.setSnapshot(null);
      slot.txn.clearSnapshot();
      slot.snapshotSet = false;
    }
    if (!idle.offer(slot)) {
      slot.free();
    }
  }

  /** A reusable transaction and the ReadOptions its getForUpdate reads through. */
  private final class Slot {
    final ReadOptions readOptions = new ReadOptions();
    Transaction txn;
    /** Whether readOptions reads at the transaction's snapshot (cleared before reuse). */
    boolean snapshotSet;

    Slot(OptimisticTransactionOptions options) {
      try {
        txn = db.beginTransaction(writeOptions, options);
      } catch (RuntimeException | Error e) {
        readOptions.close();
        throw e;
      }
    }

    void free() {
      txn.close();
      readOptions.close();
    }
  }

  /** The body's view of one transaction; valid only while the body runs. */
  private final class View implements KvTxn {
    private final Slot slot;
    private final Snapshot snapshot;
    /** Cursors the body opened; made by the first scan (the lock path opens none). */
    private List<Cursor> opened;
    private boolean done;

    View(Slot slot, Snapshot snapshot) {
      this.slot = slot;
      this.snapshot = snapshot;
    }

    private void check() {
      if (done) {
        throw new IllegalStateException("transaction already ended: use a KvTxn only inside its body");
      }
    }

    @Override
    public byte[] getForUpdate(Space space, byte[] key) {
      check();
      try {
        return slot.txn.getForUpdate(slot.readOptions, cf(space), key, true);
      } catch (RocksDBException e) {
        throw RocksErrors.map("getForUpdate", dir, e);
      }
    }

    @Override
    public void put(Space space, byte[] key, byte[] value) {
      check();
      Objects.requireNonNull(key, "key must not be null");
      Objects.requireNonNull(value, "value must not be null");
      try {
        slot.txn.putUntracked(cf(space), key, value);
      } catch (RocksDBException e) {
        throw RocksErrors.map("put", dir, e);
      }
    }

    @Override
    public void delete(Space space, byte[] key) {
      check();
      Objects.requireNonNull(key, "key must not be null");
      try {
        slot.txn.deleteUntracked(cf(space), key);
      } catch (RocksDBException e) {
        throw RocksErrors.map("delete", dir, e);
      }
    }

    @Override
    public KvCursor scan(Space space, byte[] from, byte[] to, boolean reverse) {
      check();
      Objects.requireNonNull(from, "from must not be null");
      if (to != null && Arrays.compareUnsigned(from, to) >= 0) {
        return EMPTY;
      }
      Cursor c = new Cursor(cf(space), from, to, reverse, snapshot);
      if (opened == null) {
        opened = new ArrayList<>(2);
      }
      opened.add(c);
      return c;
    }

    /**
     * Ends the view; releases any cursor the body left open (it reads the txn's snapshot, which
     * ends here), so that reading it later throws.
     */
    void finish() {
      done = true;
      if (opened == null) {
        return;
      }
      for (Cursor c : opened) {
        c.release(ENDED);
      }
    }
  }

  // ------------------------------------------------------------------ cursors

  private static final int OPEN = 0;
  private static final int DONE = 1;
  private static final int KILLED = 2;
  private static final int ENDED = 3;

  /** The cursor of an empty range. */
  private static final KvCursor EMPTY = new KvCursor() {
    @Override
    public boolean next() {
      return false;
    }

    @Override
    public byte[] key() {
      throw new IllegalStateException("no current entry");
    }

    @Override
    public byte[] value() {
      throw new IllegalStateException("no current entry");
    }

    @Override
    public void close() {}
  };

  /** A bounded iterator; released exactly once, on close, at the end, or by the store's close. */
  private final class Cursor implements KvCursor {
    private final AtomicInteger state = new AtomicInteger(OPEN);
    private final boolean reverse;
    private final ReadOptions readOptions;
    private final Slice lower;
    private final Slice upper;
    private final RocksIterator it;
    private boolean started;
    private byte[] key;
    private byte[] value;

    /** Called under the read lock. */
    Cursor(ColumnFamilyHandle cf, byte[] from, byte[] to, boolean reverse, Snapshot snapshot) {
      this.reverse = reverse;
      ReadOptions ro = new ReadOptions();
      Slice lo = null;
      Slice up = null;
      RocksIterator i;
      try {
        lo = new Slice(from);
        ro.setIterateLowerBound(lo);
        if (to != null) {
          up = new Slice(to);
          ro.setIterateUpperBound(up);
        }
        if (snapshot != null) {
          ro.setSnapshot(snapshot);
        }
        i = db.newIterator(cf, ro);
      } catch (RuntimeException | Error e) {
        ro.close();
        if (lo != null) {
          lo.close();
        }
        if (up != null) {
          up.close();
        }
        throw e;
      }
      this.readOptions = ro;
      this.lower = lo;
      this.upper = up;
      this.it = i;
      cursors.add(this);
    }

    @Override
    public boolean next() {
      if (state.get() != OPEN) {
        return ended();
      }
      Lock l = rw.readLock();
      l.lock();
      try {
        if (state.get() != OPEN) {
          return ended();
        }
        if (!started) {
          started = true;
          if (reverse) {
            it.seekToLast();
          } else {
            it.seekToFirst();
          }
        } else if (reverse) {
          it.prev();
        } else {
          it.next();
        }
        if (it.isValid()) {
          key = it.key();
          value = it.value();
          return true;
        }
        try {
          it.status();
        } catch (RocksDBException e) {
          release(DONE);
          throw RocksErrors.map("scan", dir, e);
        }
        release(DONE);
        return false;
      } finally {
        l.unlock();
      }
    }

    private boolean ended() {
      int st = state.get();
      if (st == KILLED) {
        throw closedException();
      }
      if (st == ENDED) {
        throw new IllegalStateException(
            "the transaction this cursor was opened in has ended; its snapshot is gone");
      }
      return false;
    }

    @Override
    public byte[] key() {
      if (key == null) {
        throw new IllegalStateException("no current entry");
      }
      return key;
    }

    @Override
    public byte[] value() {
      if (value == null) {
        throw new IllegalStateException("no current entry");
      }
      return value;
    }

    @Override
    public void close() {
      if (state.get() != OPEN) {
        return;
      }
      Lock l = rw.readLock();
      l.lock();
      try {
        release(DONE);
      } finally {
        l.unlock();
      }
    }

    /** Frees the natives once; the caller holds the lock (read, or write when closing). */
    void release(int newState) {
      if (!state.compareAndSet(OPEN, newState)) {
        return;
      }
      key = null;
      value = null;
      cursors.remove(this);
      it.close();
      readOptions.close();
      lower.close();
      if (upper != null) {
        upper.close();
      }
    }
  }

  // ------------------------------------------------------------------ maintenance (tests, tools)

  /** Flushes every column family's memtable to SST files and waits. */
  public void flush() {
    Lock l = enter();
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
      db.flush(fo, handles);
    } catch (RocksDBException e) {
      throw RocksErrors.map("flush", dir, e);
    } finally {
      l.unlock();
    }
  }

  /** Flushes {@code space} and compacts all of it (running the TTL filter on ITEMS). */
  public void flushAndCompact(Space space) {
    Lock l = enter();
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
      db.flush(fo, cf(space));
      db.compactRange(cf(space));
    } catch (RocksDBException e) {
      throw RocksErrors.map("compact", dir, e);
    } finally {
      l.unlock();
    }
  }

  /** Number of entries physically present in {@code space}, expired or not. */
  public long rawCount(Space space) {
    Lock l = enter();
    try (RocksIterator it = db.newIterator(cf(space))) {
      long n = 0;
      for (it.seekToFirst(); it.isValid(); it.next()) {
        n++;
      }
      it.status();
      return n;
    } catch (RocksDBException e) {
      throw RocksErrors.map("count", dir, e);
    } finally {
      l.unlock();
    }
  }

  /** RocksDB's integer property {@code name} (e.g. "rocksdb.num-deletes-active-mem-table") of a space. */
  public long longProperty(Space space, String name) {
    Lock l = enter();
    try {
      return db.getLongProperty(cf(space), name);
    } catch (RocksDBException e) {
      throw RocksErrors.map("property " + name, dir, e);
    } finally {
      l.unlock();
    }
  }

  /** Cursors not yet released (for leak tests). */
  public int openCursors() {
    return cursors.size();
  }

  // ------------------------------------------------------------------ tool hooks (atomicdb CLI)

  /**
   * Writes a consistent copy of the store, as of one moment, into the new directory {@code dest}
   * (RocksDB Checkpoint: hard links to the immutable files where possible, copies otherwise).
   * Writers may go on meanwhile. {@code dest} must not exist.
   */
  public void checkpoint(Path dest) {
    Lock l = enter();
    try (org.rocksdb.Checkpoint cp = org.rocksdb.Checkpoint.create(db)) {
      cp.createCheckpoint(dest.toAbsolutePath().normalize().toString());
    } catch (RocksDBException e) {
      throw RocksErrors.map("checkpoint to " + dest, dir, e);
    } finally {
      l.unlock();
    }
  }

  /** The data format version recorded in the store's meta column family. */
  public int storedFormatVersion() {
    Lock l = enter();
    try {
      byte[] f = db.get(metaHandle, FORMAT_KEY);
      return f == null || f.length != 4 ? -1 : ByteBuffer.wrap(f).getInt();
    } catch (RocksDBException e) {
      throw RocksErrors.map("read format version", dir, e);
    } finally {
      l.unlock();
    }
  }

  // ------------------------------------------------------------------ close

  /**
   * Waits for calls in flight, releases open cursors, then frees every native object. Idempotent.
   *
   * @throws IllegalStateException if called from inside a call on this store (a transaction
   *     body), which would otherwise deadlock
   */
  @Override
  public void close() {
    shutdown(true);
  }

  /** Closes; {@code releaseDir} false keeps the directory registered as open in this JVM. */
  private void shutdown(boolean releaseDir) {
    if (rw.getReadHoldCount() > 0) {
      throw new IllegalStateException(
          "close() of the store in " + dir + " called from inside one of its own calls");
    }
    rw.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      for (Cursor c : cursors) {
        c.release(KILLED);
      }
      releaseAll();
      if (releaseDir) {
        OPEN_DIRS.remove(lockKey);
      }
    } finally {
      rw.writeLock().unlock();
    }
  }
}
