package io.github.atomicdb;

import io.github.atomicdb.internal.OwnerOnly;
import io.github.atomicdb.internal.Registrations;
import io.github.atomicdb.internal.RocksFollowerKv;
import io.github.atomicdb.internal.RocksKv;
import io.github.atomicdb.internal.ValueCodec;
import io.github.atomicdb.spi.Space;
import io.github.atomicdb.tools.DiskUsage;
import io.github.atomicdb.tools.ReadPosition;
import io.github.atomicdb.tools.StorageStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The durable {@link AtomicDb}: the same engine as {@link AtomicMemoryDb}, over RocksDB files in
 * one directory.
 *
 * <p><b>Guarantees.</b> Every call that returned normally survives a crash of the process (kill
 * -9) and is there after reopening: commits go to RocksDB's write-ahead log before the call
 * returns. With {@link Builder#syncWrites(boolean) syncWrites(true)} every commit is also fsynced,
 * so it survives power loss and operating system crashes too, at the cost of one fsync per write.
 * Each call is atomic: after a crash it is there whole or not at all. A queue entry pushed and not
 * acknowledged is still there after reopen, with its delivery state (in flight until its timeout,
 * attempts).
 *
 * <p><b>Threading.</b> Thread-safe: share one instance. Reads never block each other; commits
 * validate what they read and never hold locks across calls. {@link #close()} waits for calls in
 * progress, so it never frees anything another thread is using.
 *
 * <p><b>Lifecycle.</b> {@link #open(Path)} or {@link #builder(Path)}{@code ...open()} creates a
 * new store in the directory if it is missing (then created with owner-only permissions,
 * {@code rwx------}) or empty (it keeps the permissions you gave it), or opens the store in it. A
 * store written in an older data format is upgraded in place first (data-format.md, "Upgrading a
 * store"): values, ttls and lock versions are kept exactly, and a crash during the upgrade is
 * finished by the next open. It refuses, leaving the directory untouched, a directory that holds
 * anything else, a store written by a newer version, and a directory already open in this or
 * another process. {@code close()}
 * releases every file and native resource; it is idempotent, and every call afterwards throws
 * {@link IllegalStateException}. A {@link java.util.stream.Stream} from {@link #stream(Query)}
 * holds a RocksDB iterator (and keeps the files it reads alive) until it is closed or fully
 * consumed: close it with try-with-resources. Streams still open at {@code close()} are released
 * then, and throw {@link IllegalStateException} if read further.
 *
 * <p><b>Caveats.</b> Reads decide expiry with the injected {@link Builder#clock(Clock) clock}, but
 * the physical removal of expired items and lock records happens in RocksDB's compactions, in
 * native code that reads the <em>wall clock</em>: only records expired by wall-clock time are
 * removed from disk (a periodic compaction runs at least daily). With a test clock running ahead
 * of the wall clock, expired items are invisible but still take space. A lock record is removed
 * once its 24 h ttl has passed (so at most about a day after its last use, also when its item
 * expired or was never written). Failures of the storage itself (disk full,
 * I/O errors) surface as {@link AtomicDbException}, damaged data as {@link CorruptDataException}.
 *
 * <p><b>Operations.</b> The process that holds the store open can back it up ({@link
 * #checkpoint(Path)}), compact it ({@link #compact()}) and measure it ({@link #diskUsage()})
 * while other threads go on using it; {@link #tools()} gives the operator API (export, import,
 * verify, queue inspection), and {@link #storageStats()} RocksDB's own figures for monitoring.
 *
 * <p><b>Read-only followers.</b> {@link Builder#readOnlyFollower()} opens a store that another
 * process (or another {@code AtomicRocksDb} of this one) holds and writes, without disturbing it:
 * it takes no lock and writes nothing into the directory. It reads the store as of its open and
 * of each {@link #catchUp()}, never newer ({@link #readPosition()} says how fresh it is). Every
 * read works as on the owner; every write ({@code set}, {@code delete}, {@code getLock}, {@code
 * setAtomic}, queue push, pull, acknowledge, release, extend, redrive, imports, {@link
 * #checkpoint}, {@link #compact}) throws {@link UnsupportedOperationException}. A follower never
 * upgrades: it refuses a store of an older data format (the owner upgrades it at its open).
 *
 * <pre>{@code
 * try (AtomicDb db = AtomicRocksDb.builder(Path.of("data"))
 *     .register(Order.class, 100)
 *     .syncWrites(true)
 *     .open()) {
 *   db.set(Item.of("user#1", "profile", "Ada"));
 * }
 * }</pre>
 */
public final class AtomicRocksDb extends EngineDb {
  /** The owner's store; null on a follower. */
  private final RocksKv rocks;
  /** The follower's store; null on the owner. */
  private final RocksFollowerKv follower;

  private AtomicRocksDb(RocksKv rocks, RocksFollowerKv follower, Clock clock, ValueCodec codec) {
    super("AtomicRocksDb(" + (rocks != null ? rocks.dir() : follower.dir() + ", read-only"
        + " follower") + ")", rocks != null ? rocks : follower, clock, codec);
    this.rocks = rocks;
    this.follower = follower;
  }

  /** The owner's store, or the refusal of {@code what} on a follower. */
  private RocksKv owner(String what) {
    if (rocks == null) {
      throw follower.readOnly(what);
    }
    return rocks;
  }

  /**
   * Opens the store in {@code dir} with every default: system UTC clock, built-in types only,
   * no fsync per commit, LZ4 compression.
   *
   * @throws AtomicDbException if the directory cannot be used (see {@link Builder#open()})
   */
  public static AtomicRocksDb open(Path dir) {
    return builder(dir).open();
  }

  /** A builder for the store in {@code dir}. */
  public static Builder builder(Path dir) {
    return new Builder(Objects.requireNonNull(dir, "dir must not be null"));
  }

  // ------------------------------------------------------------------ operations

  /**
   * Writes a consistent copy of the store, as of one moment, into the new directory {@code
   * target}, while other threads go on reading and writing. The copy is itself a store: open it,
   * or put it in place of this one to restore. Files are hard links to the store's immutable
   * files where the file system allows (so the copy is fast and small), copies otherwise.
   *
   * <p>{@code target} and every file in it are owner-only ({@code rwx------} and {@code
   * rw-------}, whatever the umask; on file systems with POSIX permissions), and so are the store
   * files it links to. It is built in a hidden owner-only directory beside {@code target} and
   * renamed into place at the end, so {@code target} never holds a half-written copy.
   *
   * @throws NullPointerException if {@code target} is null
   * @throws IllegalArgumentException if {@code target} exists or its parent directory does not
   * @throws AtomicDbException if the copy cannot be written (nothing is left behind then)
   * @throws IllegalStateException if the store is closed
   * @throws UnsupportedOperationException on a read-only follower (back up from the owner)
   */
  public void checkpoint(Path target) {
    checkOpen();
    RocksKv rocks = owner("checkpoint");
    Objects.requireNonNull(target, "target must not be null");
    Path abs = target.toAbsolutePath().normalize();
    Path parent = abs.getParent();
    if (Files.exists(abs, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new IllegalArgumentException("checkpoint target " + target + " already exists; give a"
          + " new directory");
    }
    if (parent == null || !Files.isDirectory(parent)) {
      throw new IllegalArgumentException("the parent directory " + parent + " of checkpoint"
          + " target " + target + " does not exist; create it first");
    }
    Path work = null;
    try {
      work = OwnerOnly.createTempDirectory(parent, "." + abs.getFileName() + ".");
      Path copy = work.resolve("checkpoint");
      // Queue counters this process holds in memory are written back first, so the copy opens
      // without counting its queues (a queue changed meanwhile is counted, once, when opened).
      queue.releaseHeldCounters();
      rocks.checkpoint(copy);
      OwnerOnly.restrictTree(copy);
      Files.move(copy, abs, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new AtomicDbException("cannot write checkpoint of " + rocks.dir() + " to " + target
          + ": " + e, e);
    } finally {
      if (work != null) {
        OwnerOnly.deleteTree(work);
      }
    }
  }

  /**
   * Compacts the whole store: deleted records and items expired by the wall clock leave the disk.
   * Other threads may go on using the store meanwhile; this call returns when it is done.
   *
   * @throws IllegalStateException if the store is closed
   * @throws UnsupportedOperationException on a read-only follower
   */
  public void compact() {
    checkOpen();
    RocksKv rocks = owner("compact");
    for (Space s : Space.values()) {
      rocks.flushAndCompact(s);
    }
  }

  /**
   * The bytes the store's files take, by kind: live data (data files and write-ahead log) apart
   * from housekeeping files (RocksDB's diagnostic logs and options files, which change on every
   * open and say nothing about the data). A snapshot of a moment; background compactions change it.
   *
   * @throws IllegalStateException if the store is closed
   * @throws java.io.UncheckedIOException if the directory cannot be listed
   */
  public DiskUsage diskUsage() {
    checkOpen();
    return diskUsage(dir());
  }

  /**
   * RocksDB's own figures for monitoring (estimates RocksDB keeps; reading them is cheap and
   * touches no data). On a read-only follower they describe the follower's memory, and its view of
   * the files.
   *
   * @throws IllegalStateException if the store is closed
   */
  public StorageStats storageStats() {
    checkOpen();
    long live = 0;
    long pending = 0;
    long memtables = 0;
    long cache = 0;
    for (Space s : Space.values()) {
      live += property(s, "rocksdb.estimate-live-data-size");
      pending += property(s, "rocksdb.estimate-pending-compaction-bytes");
      memtables += property(s, "rocksdb.cur-size-all-mem-tables");
      cache = Math.max(cache, property(s, "rocksdb.block-cache-usage")); // one shared cache
    }
    return new StorageStats(live, pending, memtables, cache);
  }

  private long property(Space space, String name) {
    return rocks != null ? rocks.longProperty(space, name) : follower.longProperty(space, name);
  }

  // ------------------------------------------------------------------ followers

  /** True if this is a read-only follower ({@link Builder#readOnlyFollower()}). */
  public boolean isReadOnlyFollower() {
    return follower != null;
  }

  /**
   * Makes this read-only follower see what the owner wrote since its open or its last catch-up,
   * and says how fresh it is now. Calls in progress finish on the state they started with.
   *
   * @throws UnsupportedOperationException if this is not a follower (the owner is always current)
   * @throws IllegalStateException if the store is closed
   * @throws AtomicDbException if the owner's files cannot be read
   */
  public ReadPosition catchUp() {
    checkOpen();
    return position(requireFollower("catchUp").catchUp());
  }

  /**
   * How fresh this read-only follower is: when it last caught up, and the sequence number of the
   * last write it sees.
   *
   * @throws UnsupportedOperationException if this is not a follower
   * @throws IllegalStateException if the store is closed
   */
  public ReadPosition readPosition() {
    checkOpen();
    return position(requireFollower("readPosition").position());
  }

  private RocksFollowerKv requireFollower(String what) {
    if (follower == null) {
      throw new UnsupportedOperationException(what + "() is for read-only followers"
          + " (AtomicRocksDb.Builder.readOnlyFollower()); this AtomicRocksDb owns " + dir()
          + " and always reads its latest state");
    }
    return follower;
  }

  private static ReadPosition position(RocksFollowerKv.Position p) {
    return new ReadPosition(p.caughtUpAt(), p.sequence());
  }

  /**
   * The bytes the store files in {@code dir} take, by kind (see {@link #diskUsage()}), whether or
   * not a process has the store open: for a checkpoint, or a store another process holds.
   *
   * @throws NullPointerException if {@code dir} is null
   * @throws java.io.UncheckedIOException if the directory cannot be listed
   */
  public static DiskUsage diskUsage(Path dir) {
    Objects.requireNonNull(dir, "dir must not be null");
    long table = 0;
    long log = 0;
    long other = 0;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        long size;
        try {
          if (!Files.isRegularFile(p)) {
            continue;
          }
          size = Files.size(p);
        } catch (NoSuchFileException gone) {
          continue; // removed by a compaction meanwhile
        }
        String name = p.getFileName().toString();
        if (name.endsWith(".sst") || name.endsWith(".blob")) {
          table += size;
        } else if (name.matches("[0-9]+\\.log")) {
          log += size;
        } else {
          other += size;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the store directory " + dir, e);
    }
    return new DiskUsage(table, log, other);
  }

  // Writes a follower refuses before the engine runs, also those that would find nothing to do.

  private void refuseOnFollower(String what) {
    if (follower != null) {
      checkOpen();
      throw follower.readOnly(what);
    }
  }

  @Override
  public ItemLock getLock(ItemKey key) {
    refuseOnFollower("getLock");
    return super.getLock(key);
  }

  @Override
  public void set(List<Item> items) {
    refuseOnFollower("set");
    super.set(items);
  }

  @Override
  public void setAtomic(List<Item> items, List<ItemLock> locks) {
    refuseOnFollower("setAtomic");
    super.setAtomic(items, locks);
  }

  @Override
  public void delete(List<ItemKey> keys) {
    refuseOnFollower("delete");
    super.delete(keys);
  }

  @Override
  public void queuePush(List<QueueItemInput> items) {
    refuseOnFollower("queuePush");
    super.queuePush(items);
  }

  @Override
  public Optional<QueueItem> queuePull(QueuePullOptions options) {
    refuseOnFollower("queuePull");
    return super.queuePull(options);
  }

  @Override
  public List<QueueItem> queuePullBatch(QueuePullOptions options, int max) {
    refuseOnFollower("queuePullBatch");
    return super.queuePullBatch(options, max);
  }

  @Override
  public void queueAcknowledge(ItemKey key) {
    refuseOnFollower("queueAcknowledge");
    super.queueAcknowledge(key);
  }

  @Override
  public boolean queueAcknowledge(QueueItem delivered) {
    refuseOnFollower("queueAcknowledge");
    return super.queueAcknowledge(delivered);
  }

  @Override
  public void queueRelease(ItemKey key) {
    refuseOnFollower("queueRelease");
    super.queueRelease(key);
  }

  @Override
  public boolean queueRelease(QueueItem delivered) {
    refuseOnFollower("queueRelease");
    return super.queueRelease(delivered);
  }

  @Override
  public boolean queueExtend(QueueItem delivered, long ttlSeconds) {
    refuseOnFollower("queueExtend");
    return super.queueExtend(delivered, ttlSeconds);
  }

  @Override
  public long queueRedrive(String fromPk, String toPk) {
    refuseOnFollower("queueRedrive");
    return super.queueRedrive(fromPk, toPk);
  }

  @Override
  int formatVersion() {
    return rocks != null ? rocks.storedFormatVersion() : follower.storedFormatVersion();
  }

  // ------------------------------------------------------------------ package-private test hooks

  /** Flushes and fully compacts the items column family, running the TTL compaction filter. */
  void compactItems() {
    checkOpen();
    owner("compact").flushAndCompact(Space.ITEMS);
  }

  /** Flushes every memtable to files. */
  void flush() {
    checkOpen();
    owner("flush").flush();
  }

  /** Entries physically stored in {@code space}, expired or not. */
  long rawCount(Space space) {
    checkOpen();
    return owner("rawCount").rawCount(space);
  }

  /** RocksDB's integer property {@code name} of the column family of {@code space}. */
  long rocksProperty(Space space, String name) {
    checkOpen();
    return property(space, name);
  }

  /** Iterators not yet released. */
  int openCursors() {
    return owner("openCursors").openCursors();
  }

  /** The store's directory. */
  Path dir() {
    return rocks != null ? rocks.dir() : follower.dir();
  }

  /** Builds {@link AtomicRocksDb}s. Not thread-safe; reusable (each {@link #open()} is new). */
  public static final class Builder {
    static final long MIN_CACHE_BYTES = 1L << 20;
    static final long MIN_WRITE_BUFFER_BYTES = 64L << 10;
    static final long MAX_WRITE_BUFFER_BYTES = 1L << 30;

    private final Path dir;
    private Clock clock = Clock.systemUTC();
    private final Registrations registrations = new Registrations();
    private boolean syncWrites;
    private long blockCacheBytes = 32L << 20;
    private long writeBufferBytes = 16L << 20;
    private Compression compression = Compression.LZ4;
    private boolean follower;

    private Builder(Path dir) {
      this.dir = dir;
    }

    /**
     * The clock every expiry decision of reads and commits uses (item ttl, lock ttl, visibility
     * timeouts, delays). Compaction removes expired items by the wall clock regardless.
     *
     * @throws NullPointerException if {@code clock} is null
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock must not be null");
      return this;
    }

    /**
     * Gives {@code type} the stable serialization id {@code id} (100 or more). Ids are part of
     * the stored data: register the same class with the same id every time the store is opened.
     *
     * @throws IllegalArgumentException if the id is below 100, or the id or the class is already
     *     registered to another
     */
    public Builder register(Class<?> type, int id) {
      registrations.add(type, id);
      return this;
    }

    /**
     * false (the default): every returned call survives a crash of the process, the last ones
     * may be lost on power loss or an OS crash. true: every commit is fsynced before it returns,
     * so it survives those too; each write then costs a disk flush.
     */
    public Builder syncWrites(boolean syncWrites) {
      this.syncWrites = syncWrites;
      return this;
    }

    /**
     * Memory for cached blocks of the store's files (default 32 MiB).
     *
     * @throws IllegalArgumentException if below 1 MiB
     */
    public Builder blockCacheBytes(long bytes) {
      if (bytes < MIN_CACHE_BYTES) {
        throw new IllegalArgumentException(
            "blockCacheBytes is " + bytes + "; it must be at least " + MIN_CACHE_BYTES + " (1 MiB)");
      }
      this.blockCacheBytes = bytes;
      return this;
    }

    /**
     * Memory each of the store's column families buffers before writing a file (default 16 MiB).
     * A column family that is written to may hold up to about twice this in memory (the buffer
     * being filled, one being written out, and recent history kept to check transactions for
     * conflicts). Larger buffers mean fewer, larger files and longer replay of the log at open.
     *
     * @throws IllegalArgumentException if below 64 KiB or above 1 GiB
     */
    public Builder writeBufferBytes(long bytes) {
      if (bytes < MIN_WRITE_BUFFER_BYTES || bytes > MAX_WRITE_BUFFER_BYTES) {
        throw new IllegalArgumentException(
            "writeBufferBytes is " + bytes + "; it must be between " + MIN_WRITE_BUFFER_BYTES
                + " (64 KiB) and " + MAX_WRITE_BUFFER_BYTES + " (1 GiB)");
      }
      this.writeBufferBytes = bytes;
      return this;
    }

    /**
     * Compression of newly written files (default {@link Compression#LZ4}).
     *
     * @throws NullPointerException if {@code compression} is null
     */
    public Builder compression(Compression compression) {
      this.compression = Objects.requireNonNull(compression, "compression must not be null");
      return this;
    }

    /**
     * Makes {@link #open()} open a read-only follower of the existing store in the directory,
     * which another process (or another {@code AtomicRocksDb} of this one) may hold open and
     * write: see the class Javadoc. It takes no lock, writes nothing into the directory (RocksDB
     * keeps the follower's own log in a private temporary directory, deleted at close), and sees
     * the store as of its open and each {@link AtomicRocksDb#catchUp()}. Register the same types
     * as the owner to read their values; {@link #clock}, {@link #blockCacheBytes} apply,
     * settings about writing ({@link #syncWrites}, {@link #writeBufferBytes}, {@link
     * #compression}) are ignored.
     */
    public Builder readOnlyFollower() {
      this.follower = true;
      return this;
    }

    /**
     * Opens the store, creating it if the directory is missing or empty; with {@link
     * #readOnlyFollower()}, opens a follower of the existing store instead (creating nothing).
     * If anything fails, everything opened so far is closed again.
     *
     * @throws AtomicDbException naming the directory if it holds something that is not an
     *     atomic-db store, a store written by a newer version, or damaged data, or if it is
     *     already open by this or another process (owners only: followers may open a held
     *     store), or, for a follower, if it holds no store or one of an older data format (a
     *     follower never upgrades; open it once as owner); the directory is then left untouched
     */
    public AtomicRocksDb open() {
      ValueCodec codec = new ValueCodec(Map.copyOf(registrations.asMap()));
      if (follower) {
        RocksFollowerKv f = RocksFollowerKv.open(dir, blockCacheBytes);
        try {
          return new AtomicRocksDb(null, f, clock, codec);
        } catch (RuntimeException | Error e) {
          f.close();
          throw e;
        }
      }
      RocksKv kv =
          RocksKv.open(
              dir, new RocksKv.Settings(syncWrites, blockCacheBytes, compression, writeBufferBytes),
              FormatMigrations.UPGRADE);
      try {
        return new AtomicRocksDb(kv, null, clock, codec);
      } catch (RuntimeException | Error e) {
        kv.close();
        throw e;
      }
    }
  }
}
