package io.github.atomicdb;

import io.github.atomicdb.internal.Registrations;
import io.github.atomicdb.internal.RocksKv;
import io.github.atomicdb.internal.ValueCodec;
import io.github.atomicdb.spi.Space;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;

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
 * {@code rwx------}) or empty (it keeps the permissions you gave it), or opens the store in it. It
 * refuses, leaving the directory untouched, a directory that holds anything else, a store written
 * by a newer version, and a directory already open in this or another process. {@code close()}
 * releases every file and native resource; it is idempotent, and every call afterwards throws
 * {@link IllegalStateException}. A {@link java.util.stream.Stream} from {@link #stream(Query)}
 * holds a RocksDB iterator (and keeps the files it reads alive) until it is closed or fully
 * consumed: close it with try-with-resources. Streams still open at {@code close()} are released
 * then, and throw {@link IllegalStateException} if read further.
 *
 * <p><b>Caveats.</b> Reads decide expiry with the injected {@link Builder#clock(Clock) clock}, but
 * the physical removal of expired items happens in RocksDB's compactions, in native code that
 * reads the <em>wall clock</em>: only items expired by wall-clock time are removed from disk (a
 * periodic compaction runs at least daily). With a test clock running ahead of the wall clock,
 * expired items are invisible but still take space. Failures of the storage itself (disk full,
 * I/O errors) surface as {@link AtomicDbException}, damaged data as {@link CorruptDataException}.
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
  private final RocksKv rocks;

  private AtomicRocksDb(RocksKv rocks, Clock clock, ValueCodec codec) {
    super("AtomicRocksDb(" + rocks.dir() + ")", rocks, clock, codec);
    this.rocks = rocks;
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

  // ------------------------------------------------------------------ package-private test hooks

  /** Flushes and fully compacts the items column family, running the TTL compaction filter. */
  void compactItems() {
    checkOpen();
    rocks.flushAndCompact(Space.ITEMS);
  }

  /** Flushes every memtable to files. */
  void flush() {
    checkOpen();
    rocks.flush();
  }

  /** Entries physically stored in {@code space}, expired or not. */
  long rawCount(Space space) {
    checkOpen();
    return rocks.rawCount(space);
  }

  /** RocksDB's integer property {@code name} of the column family of {@code space}. */
  long rocksProperty(Space space, String name) {
    checkOpen();
    return rocks.longProperty(space, name);
  }

  /** Iterators not yet released. */
  int openCursors() {
    return rocks.openCursors();
  }

  /** The store's directory. */
  Path dir() {
    return rocks.dir();
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
     * Opens the store, creating it if the directory is missing or empty. If anything fails,
     * everything opened so far is closed again.
     *
     * @throws AtomicDbException naming the directory if it holds something that is not an
     *     atomic-db store, a store written by a newer version, or damaged data, or if it is
     *     already open by this or another process; the directory is then left untouched
     */
    public AtomicRocksDb open() {
      ValueCodec codec = new ValueCodec(Map.copyOf(registrations.asMap()));
      RocksKv kv =
          RocksKv.open(
              dir, new RocksKv.Settings(syncWrites, blockCacheBytes, compression, writeBufferBytes));
      try {
        return new AtomicRocksDb(kv, clock, codec);
      } catch (RuntimeException | Error e) {
        kv.close();
        throw e;
      }
    }
  }
}
