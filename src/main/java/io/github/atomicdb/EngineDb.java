package io.github.atomicdb;

import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.Records;
import io.github.atomicdb.internal.ValueCodec;
import io.github.atomicdb.spi.KvConflictException;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.KvTxn;
import io.github.atomicdb.spi.Space;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/*
 * The engine: every rule of the AtomicDb contract, written once over the KvStore SPI.
 *
 * Items: ITEMS space, key = KeyCodec, value = Records.item envelope (TTL row format).
 * Locks: LOCKS space, same key, value = Records.lock (the same TTL row envelope as items, so
 *   expired locks are removed physically like expired items; an absent lock and an expired one
 *   mean the same to getLock and setAtomic). getLock and setAtomic are optimistic
 *   transactions that getForUpdate every lock they depend on, so correctness never rests on a
 *   JVM lock and holds over a backend shared by several processes.
 * Damaged records: every read that meets a damaged item or lock throws CorruptDataException
 *   carrying its key (a query or stream over its range too: skipping it would return a result
 *   that silently lacks an item). delete and set never read what they replace, so they always
 *   clear a damaged record; that is the way out, and the exception names the key to pass.
 * Queue: see QueueEngine.
 * Time: every expiry decision reads the injected Clock (epoch millis); ttl values are seconds.
 * Lifecycle: close() is idempotent; every call afterwards throws IllegalStateException.
 */
abstract class EngineDb implements AtomicDb {
  /** Upper bound of a lock record's bytes besides its key (version, ttl, framing). */
  static final int LOCK_RECORD_BYTES = 96;

  /** Lock lifetime: 24 h. */
  static final long LOCK_TTL_SECONDS = 24 * 3600;
  /** A lock with less than 1 h left is replaced by getLock. */
  static final long LOCK_REFRESH_SECONDS = 3600;
  /** Largest ttl accepted (the envelope stores it in microseconds in an int64). */
  static final long MAX_TTL_SECONDS = Long.MAX_VALUE / 1_000_000L;
  /** getLock retries this often on a conflict with a racing creator before giving up. */
  private static final int MAX_INTERNAL_RETRIES = 1000;

  static final UlidIds ULIDS = UlidIds.SHARED;

  final KvStore kv;
  final Clock clock;
  final ValueCodec codec;
  final QueueEngine queue;
  private final String name;
  private volatile boolean closed;

  EngineDb(String name, KvStore kv, Clock clock, ValueCodec codec) {
    this.name = name;
    this.kv = Objects.requireNonNull(kv);
    this.clock = Objects.requireNonNull(clock, "clock must not be null");
    this.codec = Objects.requireNonNull(codec);
    this.queue = new QueueEngine(kv, clock, codec, ULIDS);
  }

  final void checkOpen() {
    if (closed) {
      throw new IllegalStateException(name + " is closed");
    }
  }

  final boolean isClosed() {
    return closed;
  }

  // ------------------------------------------------------------------ items

  @Override
  public Optional<Item> get(ItemKey key) {
    StoreListener l = queue.listeners.current();
    if (l == null) {
      return getItem(key);
    }
    long t0 = System.nanoTime();
    try {
      return getItem(key);
    } finally {
      Listeners.operation(l, StoreListener.Operation.GET, System.nanoTime() - t0);
    }
  }

  private Optional<Item> getItem(ItemKey key) {
    checkOpen();
    byte[] k = KeyCodec.encode(key);
    return Optional.ofNullable(decodeItem(key.pk(), key.sk(), k, kv.get(Space.ITEMS, k), clock.millis()));
  }

  @Override
  public List<Optional<Item>> getMany(List<ItemKey> keys) {
    checkOpen();
    Objects.requireNonNull(keys, "keys must not be null");
    List<byte[]> ks = new ArrayList<>(keys.size());
    for (ItemKey key : keys) {
      ks.add(KeyCodec.encode(key));
    }
    List<byte[]> vs = kv.multiGet(Space.ITEMS, ks);
    long now = clock.millis();
    List<Optional<Item>> out = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      ItemKey key = keys.get(i);
      out.add(Optional.ofNullable(decodeItem(key.pk(), key.sk(), ks.get(i), vs.get(i), now)));
    }
    return out;
  }

  /** The item stored as {@code v} at {@code key}, or null if absent or expired at {@code nowMillis}. */
  final Item decodeItem(String pk, String sk, byte[] key, byte[] v, long nowMillis) {
    if (v == null) {
      return null;
    }
    Object where = new Where(pk, sk);
    try {
      Records.ItemView iv = Records.openItem(key, v, where);
      if (iv.ttl() != null && expired(iv.ttl(), nowMillis)) {
        return null;
      }
      Object data = codec.decode(iv.buf(), iv.kryoOffset(), iv.kryoLength(), where);
      return new Item(pk, sk, data, iv.ttl());
    } catch (CorruptDataException e) {
      throw withKey(e, pk, sk);
    }
  }

  /** {@code e} carrying the key of the damaged item or lock. */
  static CorruptDataException withKey(CorruptDataException e, String pk, String sk) {
    return e.key().isPresent() ? e : new CorruptDataException(e.getMessage(), new ItemKey(pk, sk), e);
  }

  /** The expiry rule of items and locks, the one every read and tool applies: now > ttl. */
  static boolean expired(long ttlSeconds, long nowMillis) {
    return nowMillis > ttlSeconds * 1000L;
  }

  /** Names a record in error messages. */
  record Where(String pk, String sk) {
    @Override
    public String toString() {
      return "(pk '" + pk + "', sk '" + sk + "')";
    }
  }

  @Override
  public void set(Item item) {
    set(List.of(Objects.requireNonNull(item, "item must not be null")));
  }

  @Override
  public void set(List<Item> items) {
    StoreListener l = queue.listeners.current();
    if (l == null) {
      setItems(items);
      return;
    }
    long t0 = System.nanoTime();
    try {
      setItems(items);
    } finally {
      Listeners.operation(l, StoreListener.Operation.SET, System.nanoTime() - t0);
    }
  }

  private void setItems(List<Item> items) {
    checkOpen();
    List<KvOp> ops = encodeItems(items);
    CommitLimits.check(kv, "set", "items", items.size(), ops.size(), bytes(ops));
    if (!ops.isEmpty()) {
      kv.write(ops);
    }
  }

  /** Keys and values of {@code ops}, as CommitLimits counts them. */
  static long bytes(List<KvOp> ops) {
    long n = 0;
    for (KvOp op : ops) {
      n += op.key().length + (op.value() == null ? 0 : op.value().length);
    }
    return n;
  }

  /** Validates every item and encodes it; throws before anything is written. */
  final List<KvOp> encodeItems(List<Item> items) {
    Objects.requireNonNull(items, "items must not be null");
    List<KvOp> ops = new ArrayList<>(items.size());
    Set<ByteKey> seen = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      Item item = Objects.requireNonNull(items.get(i), "items[" + i + "] must not be null");
      byte[] k = checkItem(item.pk(), item.sk(), item.ttl(), seen);
      ops.add(KvOp.put(Space.ITEMS, k, codec.encodeItem(k, item.data(), item.ttl())));
    }
    return ops;
  }

  /**
   * Checks an item's key and ttl as {@code set} does, and that {@code seen} (the keys of the same
   * call so far) does not hold its key yet; returns the encoded key.
   */
  static byte[] checkItem(String pk, String sk, Long ttl, Set<ByteKey> seen) {
    byte[] k = KeyCodec.encode(pk, sk);
    if (!seen.add(new ByteKey(k))) {
      throw new IllegalArgumentException(
          "items names the key " + new Where(pk, sk) + " twice; each key once");
    }
    checkTtl(pk, sk, ttl);
    return k;
  }

  /** {@link #checkItem(String, String, Long, Set)} of an item alone in its call. */
  static byte[] checkItem(String pk, String sk, Long ttl) {
    byte[] k = KeyCodec.encode(pk, sk);
    checkTtl(pk, sk, ttl);
    return k;
  }

  private static void checkTtl(String pk, String sk, Long ttl) {
    if (ttl != null) {
      Item.checkTtl(ttl, "ttl of " + new Where(pk, sk));
    }
  }

  /** The write of an item record: key from {@link #checkItem}, value bytes from the codec. */
  static KvOp itemPut(byte[] key, byte[] kryo, Long ttl) {
    return KvOp.put(Space.ITEMS, key, Records.item(key, kryo, ttl));
  }

  /** A byte[] with value equality, for duplicate checks. */
  record ByteKey(byte[] b) {
    @Override
    public boolean equals(Object o) {
      return o instanceof ByteKey other && Arrays.equals(b, other.b);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(b);
    }
  }

  @Override
  public void delete(ItemKey key) {
    delete(List.of(Objects.requireNonNull(key, "key must not be null")));
  }

  @Override
  public void delete(List<ItemKey> keys) {
    checkOpen();
    Objects.requireNonNull(keys, "keys must not be null");
    List<KvOp> ops = new ArrayList<>(keys.size() * 2);
    for (ItemKey key : keys) {
      byte[] k = KeyCodec.encode(key);
      ops.add(KvOp.delete(Space.ITEMS, k));
      ops.add(KvOp.delete(Space.LOCKS, k.clone()));
    }
    CommitLimits.check(kv, "delete", "keys", keys.size(), ops.size(), bytes(ops));
    if (!ops.isEmpty()) {
      kv.write(ops);
    }
  }

  // ------------------------------------------------------------------ locks

  @Override
  public ItemLock getLock(ItemKey key) {
    checkOpen();
    byte[] k = KeyCodec.encode(key);
    // Fast path: a committed lock with at least LOCK_REFRESH_SECONDS left is returned as read, with
    // no transaction. A read-only transaction would promise nothing more (its version, too, can
    // change the moment it returns) and costs a commit; creating or refreshing stays transactional.
    ItemLock current = liveLock(key, k, kv.get(Space.LOCKS, k), clock.millis());
    if (current != null) {
      return current;
    }
    for (int attempt = 0; ; attempt++) {
      try {
        return kv.transactOnLatest(
            t -> {
              long now = clock.millis();
              ItemLock live = liveLock(key, k, t.getForUpdate(Space.LOCKS, k), now);
              if (live != null) {
                return live;
              }
              String version = newVersion();
              long ttl = Math.floorDiv(now, 1000) + LOCK_TTL_SECONDS;
              t.put(Space.LOCKS, k, Records.lock(k, version, ttl));
              return new ItemLock(key.pk(), key.sk(), version, ttl);
            });
      } catch (KvConflictException e) {
        // A racing getLock created or refreshed it first: read again and return that one.
        if (attempt >= MAX_INTERNAL_RETRIES) {
          throw new AtomicDbException("getLock" + new Where(key.pk(), key.sk())
              + " kept conflicting with other writers after " + attempt + " attempts", e);
        }
      }
    }
  }

  /** The lock stored as {@code v} if it has at least LOCK_REFRESH_SECONDS left, else null. */
  private static ItemLock liveLock(ItemKey key, byte[] k, byte[] v, long now) {
    if (v == null) {
      return null;
    }
    Records.LockView lv;
    try {
      lv = Records.openLock(k, v, new Where(key.pk(), key.sk()));
    } catch (CorruptDataException e) {
      throw withKey(e, key.pk(), key.sk());
    }
    if (!expired(lv.ttl(), now) && lv.ttl() - Math.floorDiv(now, 1000) >= LOCK_REFRESH_SECONDS) {
      return new ItemLock(key.pk(), key.sk(), lv.version(), lv.ttl());
    }
    return null;
  }

  static String newVersion() {
    return ULIDS.get();
  }

  @Override
  public void setAtomic(Item item, ItemLock lock) {
    setAtomic(
        List.of(Objects.requireNonNull(item, "item must not be null")),
        List.of(Objects.requireNonNull(lock, "lock must not be null")));
  }

  @Override
  public void setAtomic(List<Item> items, List<ItemLock> locks) {
    StoreListener l = queue.listeners.current();
    if (l == null) {
      setItemsAtomic(items, locks);
      return;
    }
    long t0 = System.nanoTime();
    try {
      setItemsAtomic(items, locks);
    } catch (RaceConditionException e) {
      Listeners.conflict(l);
      throw e;
    } finally {
      Listeners.operation(l, StoreListener.Operation.SET_ATOMIC, System.nanoTime() - t0);
    }
  }

  private void setItemsAtomic(List<Item> items, List<ItemLock> locks) {
    checkOpen();
    Objects.requireNonNull(items, "items must not be null");
    Objects.requireNonNull(locks, "locks must not be null");
    if (items.size() != locks.size()) {
      throw new IllegalArgumentException(
          "items and locks must have the same length (items: " + items.size() + ", locks: "
              + locks.size() + ")");
    }
    if (items.size() == 1) {
      setOneAtomic(items.get(0), locks.get(0));
      return;
    }
    List<KvOp> writes = encodeItems(items);
    byte[][] lockKeys = new byte[locks.size()][];
    Set<ByteKey> seen = new HashSet<>();
    for (int i = 0; i < locks.size(); i++) {
      ItemLock l = Objects.requireNonNull(locks.get(i), "locks[" + i + "] must not be null");
      lockKeys[i] = KeyCodec.encode(l.pk(), l.sk());
      if (!seen.add(new ByteKey(lockKeys[i]))) {
        throw new IllegalArgumentException(
            "locks names the lock of " + new Where(l.pk(), l.sk()) + " twice; each lock once");
      }
    }
    long lockBytes = 0;
    for (byte[] lk : lockKeys) {
      lockBytes += 2L * lk.length + LOCK_RECORD_BYTES; // validated, then rewritten
    }
    CommitLimits.check(kv, "setAtomic", "items", items.size(), writes.size() + (long) lockKeys.length,
        bytes(writes) + lockBytes);
    if (items.isEmpty()) {
      return;
    }
    try {
      kv.transactOnLatest(
          t -> {
            long now = clock.millis();
            for (int i = 0; i < lockKeys.length; i++) {
              checkLock(t, locks.get(i), lockKeys[i], now);
            }
            for (KvOp w : writes) {
              t.put(w.space(), w.key(), w.value());
            }
            long ttl = Math.floorDiv(now, 1000) + LOCK_TTL_SECONDS;
            for (byte[] lk : lockKeys) {
              t.put(Space.LOCKS, lk, Records.lock(lk, ULIDS.nextAscii(), ttl));
            }
            return null;
          });
    } catch (KvConflictException e) {
      throw setAtomicConflict();
    }
  }

  /**
   * setAtomic of one item: the checks, limits and commit of the general case, without the
   * collections it needs to find duplicates, and with the key encoded once when the lock guards
   * the item itself.
   */
  private void setOneAtomic(Item item, ItemLock lock) {
    Objects.requireNonNull(item, "items[0] must not be null");
    byte[] k = checkItem(item.pk(), item.sk(), item.ttl());
    byte[] record = codec.encodeItem(k, item.data(), item.ttl());
    Objects.requireNonNull(lock, "locks[0] must not be null");
    byte[] lk = lock.pk().equals(item.pk()) && lock.sk().equals(item.sk())
        ? k.clone()
        : KeyCodec.encode(lock.pk(), lock.sk());
    CommitLimits.check(kv, "setAtomic", "items", 1, 2,
        k.length + (long) record.length + 2L * lk.length + LOCK_RECORD_BYTES);
    try {
      kv.transactOnLatest(
          t -> {
            long now = clock.millis();
            checkLock(t, lock, lk, now);
            t.put(Space.ITEMS, k, record);
            t.put(Space.LOCKS, lk,
                Records.lock(lk, ULIDS.nextAscii(), Math.floorDiv(now, 1000) + LOCK_TTL_SECONDS));
            return null;
          });
    } catch (KvConflictException e) {
      throw setAtomicConflict();
    }
  }

  /**
   * Reads lock {@code l} (key {@code lk}) for update in {@code t}; throws RaceConditionException
   * unless it is stored, live at {@code now} and still has {@code l}'s version.
   */
  private static void checkLock(KvTxn t, ItemLock l, byte[] lk, long now) {
    byte[] v = t.getForUpdate(Space.LOCKS, lk);
    Where where = new Where(l.pk(), l.sk());
    if (v == null) {
      throw new RaceConditionException(
          "the lock of " + where + " no longer exists (deleted or never taken); call"
              + " getLock again");
    }
    long ttl;
    try {
      ttl = Records.lockTtlIfVersion(lk, v, where, l.version());
    } catch (CorruptDataException e) {
      throw withKey(e, l.pk(), l.sk());
    }
    if (ttl == Records.OTHER_VERSION) {
      throw new RaceConditionException(
          "the lock of " + where + " has version " + Records.openLock(lk, v, where).version()
              + ", not " + l.version() + ": another writer got there first; read, getLock and"
              + " retry");
    }
    if (expired(ttl, now)) {
      throw new RaceConditionException(
          "the lock of " + where + " expired at " + ttl + "; call getLock again");
    }
  }

  private static RaceConditionException setAtomicConflict() {
    return new RaceConditionException(
        "a lock named by setAtomic changed while it committed: another writer got there first;"
            + " read, getLock and retry");
  }

  // ------------------------------------------------------------------ query

  /** The key range [from, to) of a query. */
  static byte[][] range(Query q) {
    byte[] part = KeyCodec.partition(KeyCodec.checkPk(q.pk()));
    byte[] from = part;
    if (q.skPrefix() != null && !q.skPrefix().isEmpty()) {
      byte[] p = KeyCodec.utf8(q.skPrefix(), "skPrefix");
      if (p.length > KeyCodec.MAX_SK_BYTES) {
        throw new IllegalArgumentException(
            "skPrefix is " + p.length + " UTF-8 bytes; the limit is " + KeyCodec.MAX_SK_BYTES);
      }
      from = Arrays.copyOf(part, part.length + p.length);
      System.arraycopy(p, 0, from, part.length, p.length);
    }
    return new byte[][] {from, KeyCodec.prefixEnd(from), part};
  }

  @Override
  public List<Item> query(Query query) {
    try (Stream<Item> s = stream(query)) {
      return s.toList();
    }
  }

  @Override
  public Stream<Item> stream(Query query) {
    return scanItems(query, this::decodeItem);
  }

  /** Turns a stored item record into a result, or null to leave it out (expired). */
  interface ItemReader<T> {
    T read(String pk, String sk, byte[] key, byte[] record, long nowMillis);
  }

  /** The records {@code query} selects, read by {@code reader}, as a lazy stream. */
  final <T> Stream<T> scanItems(Query query, ItemReader<T> reader) {
    checkOpen();
    Objects.requireNonNull(query, "query must not be null");
    byte[][] r = range(query);
    int partLen = r[2].length;
    String pk = query.pk();
    long now = clock.millis();
    int limit = query.limit();
    KvCursor cursor = kv.scan(Space.ITEMS, r[0], r[1], query.reverse(), limit);
    Spliterator<T> sp =
        new Spliterators.AbstractSpliterator<>(
            Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL) {
          private int returned;

          @Override
          public boolean tryAdvance(Consumer<? super T> action) {
            if (limit > 0 && returned >= limit) {
              cursor.close();
              return false;
            }
            while (cursor.next()) {
              byte[] k = cursor.key();
              String sk = new String(k, partLen, k.length - partLen, java.nio.charset.StandardCharsets.UTF_8);
              T item = reader.read(pk, sk, k, cursor.value(), now);
              if (item != null) {
                returned++;
                action.accept(item);
                return true;
              }
            }
            cursor.close();
            return false;
          }
        };
    return StreamSupport.stream(sp, false).onClose(cursor::close);
  }

  // ------------------------------------------------------------------ queue

  @Override
  public void queuePush(QueueItemInput item) {
    queuePush(List.of(Objects.requireNonNull(item, "item must not be null")));
  }

  @Override
  public void queuePush(List<QueueItemInput> items) {
    checkOpen();
    queue.push(items);
  }

  @Override
  public Optional<QueueItem> queuePull(QueuePullOptions options) {
    checkOpen();
    List<QueueItem> got = pull(options, 1);
    return got.isEmpty() ? Optional.empty() : Optional.of(got.get(0));
  }

  private List<QueueItem> pull(QueuePullOptions options, int max) {
    StoreListener l = queue.listeners.current();
    if (l == null) {
      return queue.pull(options, max);
    }
    long t0 = System.nanoTime();
    try {
      return queue.pull(options, max);
    } finally {
      Listeners.operation(l, StoreListener.Operation.PULL, System.nanoTime() - t0);
    }
  }

  @Override
  public List<QueueItem> queuePullBatch(QueuePullOptions options, int max) {
    checkOpen();
    if (max < 1 || max > QueuePullOptions.MAX_BATCH) {
      throw new IllegalArgumentException(
          "max must be between 1 and " + QueuePullOptions.MAX_BATCH + ", was " + max);
    }
    return pull(options, max);
  }

  @Override
  public void queueAcknowledge(ItemKey key) {
    checkOpen();
    queue.acknowledge(key, null);
  }

  @Override
  public boolean queueAcknowledge(QueueItem delivered) {
    checkOpen();
    return queue.acknowledge(QueueEngine.keyOf(delivered), QueueEngine.receiptOf(delivered));
  }

  @Override
  public void queueRelease(ItemKey key) {
    checkOpen();
    queue.release(key, null);
  }

  @Override
  public boolean queueRelease(QueueItem delivered) {
    checkOpen();
    return queue.release(QueueEngine.keyOf(delivered), QueueEngine.receiptOf(delivered));
  }

  @Override
  public boolean queueExtend(QueueItem delivered, long ttlSeconds) {
    checkOpen();
    Objects.requireNonNull(delivered, "delivered must not be null");
    QueuePullOptions.checkTtlSeconds(ttlSeconds, "ttlSeconds");
    return queue.extend(delivered, ttlSeconds);
  }

  @Override
  public QueueStats queueStats(String pk) {
    checkOpen();
    return queue.stats(pk);
  }

  @Override
  public long queueRedrive(String fromPk, String toPk) {
    checkOpen();
    return queue.redrive(fromPk, toPk);
  }

  // ------------------------------------------------------------------ operator API

  private volatile EngineTools tools;

  /**
   * The operator API of this store: records as stored, import through the engine's checks, and
   * a record-by-record check (see {@link io.github.atomicdb.tools.StoreTools}).
   *
   * @throws IllegalStateException if the store is closed
   */
  public final io.github.atomicdb.tools.StoreTools tools() {
    checkOpen();
    EngineTools t = tools;
    if (t == null) {
      t = new EngineTools(this);
      tools = t;
    }
    return t;
  }

  // ------------------------------------------------------------------ listeners

  /**
   * Installs {@code listener}: from now on it hears of this store's call latencies, conflicts
   * and queue events (see {@link StoreListener}). Several may be installed; each is called.
   * Thread-safe; calls already running may or may not report to it.
   *
   * @throws NullPointerException if {@code listener} is null
   */
  public final void addListener(StoreListener listener) {
    queue.listeners.add(listener);
  }

  /**
   * Removes one installation of {@code listener}; later calls no longer report to it.
   *
   * @return false if it was not installed
   */
  public final boolean removeListener(StoreListener listener) {
    return queue.listeners.remove(listener);
  }

  /** The data format version the store records; stores that record none: the one this code writes. */
  int formatVersion() {
    return Records.FORMAT;
  }

  // ------------------------------------------------------------------ lifecycle

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    queue.close();
    kv.close();
  }
}
