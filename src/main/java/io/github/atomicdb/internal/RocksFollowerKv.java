package io.github.atomicdb.internal;

import io.github.atomicdb.AtomicDbException;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.KvTxn;
import io.github.atomicdb.spi.Space;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;

/*
 * A read-only follower of a RocksDB store that another process (or another AtomicRocksDb of this
 * JVM) may hold open and write: RocksDB's secondary instance (RocksDB.openAsSecondary). It takes
 * no LOCK and writes nothing into the store's directory; its own info log lives in a private
 * temporary directory (the "secondary path"), deleted at close. Opening reads the MANIFEST (the
 * primary's files) and replays the primary's live write-ahead log into the follower's own
 * memtables, so the follower sees every write committed before it opened.
 *
 * An open is accepted only if the owner's MANIFEST did not change while it ran (see
 * manifestMark); otherwise it is repeated.
 *
 * Catching up opens a new secondary instance (a "generation") rather than calling
 * tryCatchUpWithPrimary: in RocksDB 11.8.1 a secondary that replayed a write from the WAL keeps
 * it in its memtable after the primary flushed a newer value for the same key, and reads prefer
 * the memtable, so the older value is served indefinitely (facebook/rocksdb#15051;
 * RocksFollowerTest reproduces it with a pull followed by the owner's compaction). A new
 * instance has no such memtable. The cost is one open (MANIFEST plus the live WAL, which the
 * owner bounds by max_total_wal_size) per catch-up. A cursor keeps the generation it was opened
 * on alive until it is released; a generation is closed when it is neither current nor read.
 *
 * max_open_files = -1 keeps every table file open: a compaction of the primary may delete a file
 * the follower still reads, and an open descriptor keeps it readable until the next catch-up.
 *
 * Consistency: catchUp takes the write half of a ReentrantReadWriteLock, every call and cursor
 * step the read half; so one get, one transaction body (all its reads) and one cursor each see
 * one state. Writes (write, and put/delete in a transaction) throw UnsupportedOperationException
 * naming the directory. singleWriter() is false: the engine must trust nothing kept in memory,
 * because the primary changes the store behind this follower's back.
 *
 * Format: a store whose format differs from the one this code writes, or with an upgrade in
 * progress, is refused (a follower cannot upgrade; the owner upgrades it at its open).
 */
/** A read-only {@link KvStore} over a store another opener may be writing. Thread-safe. */
public final class RocksFollowerKv implements KvStore {
  static {
    NativeLibrary.load();
  }

  private static final Space[] SPACES = Space.values();
  private static final Map<Space, String> CF_NAMES = new EnumMap<>(Map.of(
      Space.ITEMS, "items", Space.LOCKS, "locks", Space.QUEUE, "queue", Space.QINDEX, "qindex"));

  /** Opens of a secondary instance tried at least before giving up (see openGeneration). */
  private static final int OPEN_ATTEMPTS = 20;
  /**
   * How long openGeneration keeps trying, past its first attempts, while the owner keeps
   * flushing or compacting (on a loaded machine 20 attempts were seen to all meet one).
   */
  private static final long OPEN_PATIENCE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);

  /** How fresh the follower is: its last catch-up. */
  public record Position(Instant caughtUpAt, long sequence) {}

  private final Path dir;
  private final Path secondaryPath;
  private final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
  private final Set<Cursor> cursors = ConcurrentHashMap.newKeySet();
  /** Options and the block cache, shared by every generation; closed last. */
  private final List<AutoCloseable> natives = new ArrayList<>();
  private DBOptions dbOptions;
  private ColumnFamilyOptions cfOptions;
  private int generations;
  /** The instance reads go to; replaced by catchUp (under the write lock). */
  private Gen gen;
  private int format;
  private volatile Position position;
  private volatile boolean closed;

  private RocksFollowerKv(Path dir, Path secondaryPath) {
    this.dir = dir;
    this.secondaryPath = secondaryPath;
  }

  /**
   * Opens a follower of the store in {@code dir}, caught up as of now.
   *
   * @param blockCacheBytes memory for cached blocks of the store's files
   * @throws AtomicDbException naming {@code dir} if it holds no atomic-db store, one of another
   *     format version, or one being upgraded; nothing in {@code dir} is changed
   */
  public static RocksFollowerKv open(Path dir, long blockCacheBytes) {
    Objects.requireNonNull(dir, "dir must not be null");
    Path abs = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(abs)) {
      throw new AtomicDbException("cannot open a read-only follower of " + abs + ": no such"
          + " directory; give the directory of an atomic-db store");
    }
    if (!Files.isRegularFile(abs.resolve("CURRENT"))) {
      throw new AtomicDbException("cannot open a read-only follower of " + abs + ": it is not an"
          + " atomic-db store (it holds no RocksDB database, no CURRENT file)");
    }
    Path secondary;
    try {
      secondary = OwnerOnly.createTempDirectory(
          Path.of(System.getProperty("java.io.tmpdir")), "atomicdb-follower-");
    } catch (IOException e) {
      throw new AtomicDbException("cannot open a read-only follower of " + abs + ": cannot create"
          + " its private directory in " + System.getProperty("java.io.tmpdir") + ": " + e, e);
    }
    RocksFollowerKv kv = new RocksFollowerKv(abs, secondary);
    try {
      kv.start(blockCacheBytes);
      return kv;
    } catch (RuntimeException | Error e) {
      kv.releaseAll();
      throw e;
    }
  }

  private <T extends AutoCloseable> T own(T nativeObject) {
    natives.add(nativeObject);
    return nativeObject;
  }

  private void start(long blockCacheBytes) {
    List<byte[]> names;
    try (Options o = new Options()) {
      names = RocksDB.listColumnFamilies(o, dir.toString());
    } catch (RocksDBException e) {
      throw RocksErrors.map("read the list of column families", dir, e);
    }
    List<String> found = new ArrayList<>();
    for (byte[] n : names) {
      found.add(new String(n, StandardCharsets.UTF_8));
    }
    if (!found.contains(RocksKv.META_CF) || !found.containsAll(CF_NAMES.values())
        || !RocksKv.OUR_CFS.containsAll(found)) {
      throw new AtomicDbException("cannot open a read-only follower of " + dir + ": it is not an"
          + " atomic-db store (column families " + found + ")");
    }
    LRUCache cache = own(new LRUCache(blockCacheBytes));
    cfOptions = own(new ColumnFamilyOptions())
        .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache));
    dbOptions = own(new DBOptions()).setMaxOpenFiles(-1).setKeepLogFileNum(1);
    gen = openGeneration();
    try {
      checkFormat(gen);
    } catch (RocksDBException e) {
      throw RocksErrors.map("read the format version", dir, e);
    }
    position = new Position(Instant.now(), gen.db.getLatestSequenceNumber());
  }

  /** A new secondary instance of the store, in its own subdirectory of the private directory. */
  private Gen openGeneration() {
    List<ColumnFamilyDescriptor> descs = new ArrayList<>();
    List<String> order = new ArrayList<>();
    order.add(new String(RocksDB.DEFAULT_COLUMN_FAMILY, StandardCharsets.US_ASCII));
    order.add(RocksKv.META_CF);
    for (Space s : SPACES) {
      order.add(CF_NAMES.get(s));
    }
    for (String n : order) {
      descs.add(new ColumnFamilyDescriptor(n.getBytes(StandardCharsets.US_ASCII), cfOptions));
    }
    long giveUpAt = System.nanoTime() + OPEN_PATIENCE_NANOS;
    for (int attempt = 1; ; attempt++) {
      boolean last = attempt >= OPEN_ATTEMPTS && System.nanoTime() - giveUpAt >= 0;
      Path path = secondaryPath.resolve(Integer.toString(generations++));
      Gen g = new Gen();
      try {
        OwnerOnly.createDirectory(path);
        g.path = path;
        String before = manifestMark();
        g.db = RocksDB.openAsSecondary(dbOptions, dir.toString(), path.toString(), descs, g.handles);
        if (before != null && before.equals(manifestMark())) {
          return withHandles(g);
        }
        g.close(); // the owner recorded a flush or compaction meanwhile: open again
        if (last) {
          throw new AtomicDbException("cannot open a read-only follower of " + dir + ": its"
              + " owner flushed or compacted during each of " + attempt + " attempts to read a"
              + " consistent state; try again");
        }
      } catch (IOException e) {
        g.close();
        throw new AtomicDbException("cannot open a read-only follower of " + dir + ": cannot"
            + " create its private directory " + path + ": " + e, e);
      } catch (RocksDBException e) {
        g.close();
        // The owner may delete a log or table file between the follower reading the list of
        // files and opening one (a flush or compaction finished): the next attempt reads the
        // new list.
        if (last) {
          throw RocksErrors.map("open as a read-only follower (" + attempt + " attempts)", dir, e);
        }
      }
      try {
        Thread.sleep(Math.min(100, 5L << attempt)); // let the owner's flush or compaction end
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AtomicDbException("interrupted while opening a read-only follower of " + dir, e);
      }
    }
  }

  /**
   * The owner's current MANIFEST and its length, or null if unreadable. A flush or compaction
   * appends to the MANIFEST before the owner deletes the write-ahead log or table files it made
   * obsolete; when the mark is the same before and after an open, no such deletion can have
   * removed a file the open still had to read. Without this check a follower opened while its
   * owner flushed and compacted was seen to lack items written long before (RocksFollowerTest,
   * concurrent catch-ups): the open succeeded on a state missing a write-ahead log's writes.
   */
  private String manifestMark() {
    try {
      String current = Files.readString(dir.resolve("CURRENT"), StandardCharsets.US_ASCII).strip();
      return current + ":" + Files.size(dir.resolve(current));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static Gen withHandles(Gen g) {
    g.meta = g.handles.get(1);
    for (int i = 0; i < SPACES.length; i++) {
      g.bySpace.put(SPACES[i], g.handles.get(2 + i));
    }
    return g;
  }

  /** One secondary instance; closed once it is no longer current and no cursor reads it. */
  private static final class Gen {
    final List<ColumnFamilyHandle> handles = new ArrayList<>();
    final Map<Space, ColumnFamilyHandle> bySpace = new EnumMap<>(Space.class);
    final AtomicInteger cursors = new AtomicInteger();
    final AtomicInteger closedFlag = new AtomicInteger();
    volatile boolean retired;
    ColumnFamilyHandle meta;
    RocksDB db;
    Path path;

    /** Called by whoever may be the last user: closes once it is retired and unread. */
    void closeIfUnused() {
      if (retired && cursors.get() == 0) {
        close();
      }
    }

    void close() {
      if (!closedFlag.compareAndSet(0, 1)) {
        return;
      }
      for (ColumnFamilyHandle h : handles) {
        h.close();
      }
      if (db != null) {
        db.close();
        RocksKv.freeDefaultReadOptions(db);
      }
      if (path != null) {
        OwnerOnly.deleteTree(path);
      }
    }
  }

  private void checkFormat(Gen g) throws RocksDBException {
    RocksDB db = g.db;
    ColumnFamilyHandle metaHandle = g.meta;
    byte[] magic = db.get(metaHandle, RocksKv.MAGIC_KEY);
    if (magic == null || !Arrays.equals(magic, RocksKv.MAGIC)) {
      throw new AtomicDbException("cannot open a read-only follower of " + dir + ": it is not an"
          + " atomic-db store (no atomic-db marker; a store still being created has none yet)");
    }
    byte[] f = db.get(metaHandle, RocksKv.FORMAT_KEY);
    int version = f == null || f.length != 4 ? -1 : ByteBuffer.wrap(f).getInt();
    if (version > RocksKv.FORMAT_VERSION) {
      throw new AtomicDbException("cannot open a read-only follower of " + dir + ": it was"
          + " written by a newer atomic-db (data format version " + version + "); this version"
          + " reads format " + RocksKv.FORMAT_VERSION + ". Use a newer atomic-db");
    }
    if (version != RocksKv.FORMAT_VERSION
        || db.get(metaHandle, RocksKv.UPGRADE_FROM_KEY) != null) {
      throw new AtomicDbException("cannot open a read-only follower of " + dir + ": it has data"
          + " format " + version + (version == RocksKv.FORMAT_VERSION ? " with an upgrade in"
          + " progress" : "") + " and a follower reads only format " + RocksKv.FORMAT_VERSION
          + " and never upgrades. Open it once with AtomicRocksDb (the owning application, or"
          + " `atomicdb compact` while nobody holds it), which upgrades it in place");
    }
    format = version;
  }

  /** The store's directory. */
  public Path dir() {
    return dir;
  }

  /** The data format version the store records. */
  public int storedFormatVersion() {
    return format;
  }

  /** The last catch-up: when, and the sequence number of the last write it includes. */
  public Position position() {
    return position;
  }

  /**
   * Reads what the primary wrote since the last catch-up; calls in progress finish first, and
   * each call after this sees the new state. Cursors already open go on reading the state they
   * started with.
   */
  public Position catchUp() {
    rw.writeLock().lock();
    try {
      if (closed) {
        throw closedException();
      }
      Gen next = openGeneration();
      try {
        checkFormat(next);
      } catch (RocksDBException | RuntimeException e) {
        next.close();
        throw e instanceof RocksDBException r ? RocksErrors.map("read the format version", dir, r)
            : (RuntimeException) e;
      }
      Gen old = gen;
      gen = next;
      old.retired = true;
      old.closeIfUnused();
      Position p = new Position(Instant.now(), next.db.getLatestSequenceNumber());
      position = p;
      return p;
    } finally {
      rw.writeLock().unlock();
    }
  }

  /** RocksDB's integer property {@code name} of the column family of {@code space}. */
  public long longProperty(Space space, String name) {
    Lock l = enter();
    try {
      return gen.db.getLongProperty(gen.bySpace.get(space), name);
    } catch (RocksDBException e) {
      throw RocksErrors.map("property " + name, dir, e);
    } finally {
      l.unlock();
    }
  }

  /** The error every write gets. */
  public UnsupportedOperationException readOnly(String what) {
    return new UnsupportedOperationException(what + " refused: the atomic-db store in " + dir
        + " is open as a read-only follower (AtomicRocksDb.Builder.readOnlyFollower()), which"
        + " never writes; write through the AtomicRocksDb of the process that owns the store");
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
    return new IllegalStateException("the read-only follower of " + dir + " is closed");
  }

  private ColumnFamilyHandle cf(Space space) {
    return gen.bySpace.get(Objects.requireNonNull(space, "space"));
  }

  @Override
  public byte[] get(Space space, byte[] key) {
    Lock l = enter();
    try {
      return gen.db.get(cf(space), key);
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
      return gen.db.multiGetAsList(Collections.nCopies(keys.size(), cf(space)), keys);
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
      return new Cursor(gen, space, from, to, reverse);
    } finally {
      l.unlock();
    }
  }

  @Override
  public void write(List<KvOp> ops) {
    throw readOnly("write");
  }

  /**
   * Runs {@code body} over the current state (no catch-up runs meanwhile); its reads are what a
   * transaction would read, its writes are refused.
   */
  @Override
  public <T> T transact(Function<KvTxn, T> body) {
    Lock l = enter();
    View view = new View();
    try {
      return body.apply(view);
    } finally {
      view.finish();
      l.unlock();
    }
  }

  private final class View implements KvTxn {
    private final List<Cursor> opened = new ArrayList<>(2);
    private boolean done;

    private void check() {
      if (done) {
        throw new IllegalStateException("transaction already ended: use a KvTxn only inside its body");
      }
    }

    @Override
    public byte[] getForUpdate(Space space, byte[] key) {
      check();
      return get(space, key);
    }

    @Override
    public void put(Space space, byte[] key, byte[] value) {
      throw readOnly("put");
    }

    @Override
    public void delete(Space space, byte[] key) {
      throw readOnly("delete");
    }

    @Override
    public KvCursor scan(Space space, byte[] from, byte[] to, boolean reverse) {
      check();
      Cursor c = (Cursor) RocksFollowerKv.this.scan(space, from, to, reverse, 0);
      opened.add(c);
      return c;
    }

    void finish() {
      done = true;
      for (Cursor c : opened) {
        c.close();
      }
    }
  }

  // ------------------------------------------------------------------ cursors

  private static final int OPEN = 0;
  private static final int DONE = 1;
  private static final int KILLED = 2;

  /** A bounded iterator; released exactly once, on close, at the end, or by the store's close. */
  private final class Cursor implements KvCursor {
    private final AtomicInteger state = new AtomicInteger(OPEN);
    private final boolean reverse;
    private final ReadOptions readOptions;
    private final Slice lower;
    private final Slice upper;
    private final RocksIterator it;
    private final boolean empty;
    private final Gen on;
    private boolean started;
    private byte[] key;
    private byte[] value;

    /** Called under the read lock. */
    Cursor(Gen on, Space space, byte[] from, byte[] to, boolean reverse) {
      this.on = on;
      this.reverse = reverse;
      this.empty = to != null && Arrays.compareUnsigned(from, to) >= 0;
      ReadOptions ro = new ReadOptions();
      Slice lo = null;
      Slice up = null;
      RocksIterator i;
      try {
        lo = new Slice(from);
        ro.setIterateLowerBound(lo);
        if (to != null && !empty) {
          up = new Slice(to);
          ro.setIterateUpperBound(up);
        }
        i = on.db.newIterator(on.bySpace.get(Objects.requireNonNull(space, "space")), ro);
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
      on.cursors.incrementAndGet();
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
        if (empty) {
          release(DONE);
          return false;
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
      if (state.get() == KILLED) {
        throw closedException();
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
      on.cursors.decrementAndGet();
      on.closeIfUnused();
    }
  }

  // ------------------------------------------------------------------ close

  /** Releases open cursors, every native object and the private directory. Idempotent. */
  @Override
  public void close() {
    if (rw.getReadHoldCount() > 0) {
      throw new IllegalStateException(
          "close() of the follower of " + dir + " called from inside one of its own calls");
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
    } finally {
      rw.writeLock().unlock();
    }
  }

  private void releaseAll() {
    if (gen != null) {
      gen.close();
      gen = null;
    }
    for (int i = natives.size() - 1; i >= 0; i--) {
      try {
        natives.get(i).close();
      } catch (Exception e) {
        // RocksObject.close() throws nothing; keep freeing the rest regardless
      }
    }
    natives.clear();
    OwnerOnly.deleteTree(secondaryPath);
  }
}
