package io.github.atomicdb;

import com.github.f4b6a3.ulid.UlidFactory;
import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.Records;
import io.github.atomicdb.internal.ValueCodec;
import io.github.atomicdb.spi.KvConflictException;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.KvStore;
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
 * Locks: LOCKS space, same key, value = Records.lock. getLock and setAtomic are optimistic
 *   transactions that getForUpdate every lock they depend on, so correctness never rests on a
 *   JVM lock and holds over a backend shared by several processes.
 * Queue: see QueueEngine.
 * Time: every expiry decision reads the injected Clock (epoch millis); ttl values are seconds.
 * Lifecycle: close() is idempotent; every call afterwards throws IllegalStateException.
 */
abstract class EngineDb implements AtomicDb {
  /** Lock lifetime: 24 h. */
  static final long LOCK_TTL_SECONDS = 24 * 3600;
  /** A lock with less than 1 h left is replaced by getLock. */
  static final long LOCK_REFRESH_SECONDS = 3600;
  /** Largest ttl accepted (the envelope stores it in microseconds in an int64). */
  static final long MAX_TTL_SECONDS = Long.MAX_VALUE / 1_000_000L;
  /** getLock retries this often on a conflict with a racing creator before giving up. */
  private static final int MAX_INTERNAL_RETRIES = 1000;

  static final UlidFactory ULIDS = UlidFactory.newMonotonicInstance();

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
    this.queue = new QueueEngine(this);
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
    checkOpen();
    byte[] k = KeyCodec.encode(key);
    return Optional.ofNullable(decodeItem(key.pk(), key.sk(), kv.get(Space.ITEMS, k), clock.millis()));
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
      out.add(Optional.ofNullable(decodeItem(key.pk(), key.sk(), vs.get(i), now)));
    }
    return out;
  }

  /** The item stored as {@code v}, or null if absent or expired at {@code nowMillis}. */
  final Item decodeItem(String pk, String sk, byte[] v, long nowMillis) {
    if (v == null) {
      return null;
    }
    Object where = new Where(pk, sk);
    Records.ItemView iv = Records.openItem(v, where);
    if (iv.ttl() != null && expired(iv.ttl(), nowMillis)) {
      return null;
    }
    Object data = codec.decode(iv.buf(), iv.kryoOffset(), iv.kryoLength(), where);
    return new Item(pk, sk, data, iv.ttl());
  }

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
    checkOpen();
    List<KvOp> ops = encodeItems(items);
    if (!ops.isEmpty()) {
      kv.write(ops);
    }
  }

  /** Validates every item and encodes it; throws before anything is written. */
  final List<KvOp> encodeItems(List<Item> items) {
    Objects.requireNonNull(items, "items must not be null");
    List<KvOp> ops = new ArrayList<>(items.size());
    Set<ByteKey> seen = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      Item item = Objects.requireNonNull(items.get(i), "items[" + i + "] must not be null");
      byte[] k = KeyCodec.encode(item.pk(), item.sk());
      if (!seen.add(new ByteKey(k))) {
        throw new IllegalArgumentException(
            "items names the key " + new Where(item.pk(), item.sk()) + " twice; each key once");
      }
      Long ttl = item.ttl();
      if (ttl != null && (ttl < 0 || ttl > MAX_TTL_SECONDS)) {
        throw new IllegalArgumentException(
            "ttl of " + new Where(item.pk(), item.sk()) + " is " + ttl
                + "; it must be epoch seconds between 0 and " + MAX_TTL_SECONDS);
      }
      ops.add(KvOp.put(Space.ITEMS, k, Records.item(codec.encode(item.data()), ttl)));
    }
    return ops;
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
    ItemLock current = liveLock(key, kv.get(Space.LOCKS, k), clock.millis());
    if (current != null) {
      return current;
    }
    for (int attempt = 0; ; attempt++) {
      try {
        return kv.transact(
            t -> {
              long now = clock.millis();
              ItemLock live = liveLock(key, t.getForUpdate(Space.LOCKS, k), now);
              if (live != null) {
                return live;
              }
              String version = newVersion();
              long ttl = Math.floorDiv(now, 1000) + LOCK_TTL_SECONDS;
              t.put(Space.LOCKS, k, Records.lock(version, ttl));
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
  private static ItemLock liveLock(ItemKey key, byte[] v, long now) {
    if (v == null) {
      return null;
    }
    Records.LockView lv = Records.openLock(v, new Where(key.pk(), key.sk()));
    if (!expired(lv.ttl(), now) && lv.ttl() - Math.floorDiv(now, 1000) >= LOCK_REFRESH_SECONDS) {
      return new ItemLock(key.pk(), key.sk(), lv.version(), lv.ttl());
    }
    return null;
  }

  static String newVersion() {
    return ULIDS.create().toString();
  }

  @Override
  public void setAtomic(Item item, ItemLock lock) {
    setAtomic(
        List.of(Objects.requireNonNull(item, "item must not be null")),
        List.of(Objects.requireNonNull(lock, "lock must not be null")));
  }

  @Override
  public void setAtomic(List<Item> items, List<ItemLock> locks) {
    checkOpen();
    Objects.requireNonNull(items, "items must not be null");
    Objects.requireNonNull(locks, "locks must not be null");
    if (items.size() != locks.size()) {
      throw new IllegalArgumentException(
          "items and locks must have the same length (items: " + items.size() + ", locks: "
              + locks.size() + ")");
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
    if (items.isEmpty()) {
      return;
    }
    try {
      kv.transact(
          t -> {
            long now = clock.millis();
            for (int i = 0; i < lockKeys.length; i++) {
              ItemLock l = locks.get(i);
              byte[] v = t.getForUpdate(Space.LOCKS, lockKeys[i]);
              Where where = new Where(l.pk(), l.sk());
              if (v == null) {
                throw new RaceConditionException(
                    "the lock of " + where + " no longer exists (deleted or never taken); call"
                        + " getLock again");
              }
              Records.LockView lv = Records.openLock(v, where);
              if (!lv.version().equals(l.version())) {
                throw new RaceConditionException(
                    "the lock of " + where + " has version " + lv.version() + ", not "
                        + l.version() + ": another writer got there first; read, getLock and"
                        + " retry");
              }
              if (expired(lv.ttl(), now)) {
                throw new RaceConditionException(
                    "the lock of " + where + " expired at " + lv.ttl() + "; call getLock again");
              }
            }
            for (KvOp w : writes) {
              t.put(w.space(), w.key(), w.value());
            }
            long ttl = Math.floorDiv(now, 1000) + LOCK_TTL_SECONDS;
            for (byte[] lk : lockKeys) {
              t.put(Space.LOCKS, lk, Records.lock(newVersion(), ttl));
            }
            return null;
          });
    } catch (KvConflictException e) {
      throw new RaceConditionException(
          "a lock named by setAtomic changed while it committed: another writer got there first;"
              + " read, getLock and retry");
    }
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
    checkOpen();
    Objects.requireNonNull(query, "query must not be null");
    byte[][] r = range(query);
    int partLen = r[2].length;
    String pk = query.pk();
    long now = clock.millis();
    int limit = query.limit();
    KvCursor cursor = kv.scan(Space.ITEMS, r[0], r[1], query.reverse(), limit);
    Spliterator<Item> sp =
        new Spliterators.AbstractSpliterator<>(
            Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL) {
          private int returned;

          @Override
          public boolean tryAdvance(Consumer<? super Item> action) {
            if (limit > 0 && returned >= limit) {
              cursor.close();
              return false;
            }
            while (cursor.next()) {
              byte[] k = cursor.key();
              String sk = new String(k, partLen, k.length - partLen, java.nio.charset.StandardCharsets.UTF_8);
              Item item = decodeItem(pk, sk, cursor.value(), now);
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
    List<QueueItem> got = queue.pull(options, 1);
    return got.isEmpty() ? Optional.empty() : Optional.of(got.get(0));
  }

  @Override
  public List<QueueItem> queuePullBatch(QueuePullOptions options, int max) {
    checkOpen();
    if (max < 1) {
      throw new IllegalArgumentException("max must be >= 1, was " + max);
    }
    return queue.pull(options, max);
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

  // ------------------------------------------------------------------ lifecycle

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    queue.wakeAll();
    kv.close();
  }
}
