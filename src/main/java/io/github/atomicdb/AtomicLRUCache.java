package io.github.atomicdb;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.atomicdb.internal.ValueCodec;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/*
 * Design (the contract is in the class Javadoc).
 *
 * Concurrency: every cache mutation of a key goes through the Caffeine map's per-key atomic
 * operations (compute / remove), and is guarded by striped write stamps. Per stripe (a hash of
 * the ItemKey, 1024 stripes) there are two counters: started (a write through this cache began)
 * and finished (it ended, successfully or not). Always finished <= started.
 *  - A writer reads finished f, then increments started and gets its ticket t. It is
 *    "exclusive" when f == t: no other write of the stripe was in flight. It invalidates its keys,
 *    writes the store, then for each key runs compute(key): put the new entry only if exclusive
 *    and started is still t + 1 (no write began since); otherwise remove. Then finished++.
 *  - A reader that misses reads finished f0, then started s0; it may insert only if f0 == s0 (no
 *    write in flight when it looked), reads the store, then compute(key): insert only if started
 *    is still s0 (no write began since), else keep whatever is there.
 *  So a value is inserted only if no write through the cache overlapped the read or write that
 *  produced it; and a write that begins afterwards increments started before it invalidates, so
 *  its invalidation (which waits for any running compute of the key) removes what was inserted.
 *  The classic race (get misses, reads v1; set writes v2 and caches it; get caches v1) cannot
 *  happen: the get sees started moved and drops v1. Two overlapping writers both drop their
 *  entry, because the store may have ordered their commits either way. Stripes only cost
 *  false conflicts (a dropped insert, never a wrong one). Nothing here holds a lock across a
 *  call to the wrapped store.
 *
 * getMany: one snapshot of the stamps of every key's stripe, hits from the cache, every miss in
 *  one getMany of the wrapped store, then the stamps again. If a write through the cache was in
 *  flight or began meanwhile, and some keys were hits, the hits and the fetched values might not
 *  belong to one moment, so it re-reads all keys in one more getMany of the store (rare: only
 *  under writes to the same stripes).
 *
 * What an entry holds (measured, see CacheHitCostMeasurement in src/test and the cache issue
 *  note): the item's data as Kryo bytes from the store's own ValueCodec, decoded on every hit,
 *  except when the data is deeply immutable (null, String, boxed primitives, BigDecimal,
 *  BigInteger, UUID, java.time values, and List.of / Set.of / Map.of / Collections.empty* /
 *  singleton* holding only such values): then the Item itself is kept and returned as is.
 *  Decoding bytes costs one Kryo read per hit; the alternative, a decoded object deep-copied by
 *  a codec round trip, costs a write plus a read and was 1.5-2.4x slower on every shape
 *  measured (e.g. String 111 vs 199 ns, 10-string ArrayList in a registered class 507 vs 913 ns,
 *  HashMap of 20 954 vs 2327 ns, byte[1024] 233 vs 499 ns); sharing immutable values costs
 *  ~2-3 ns per hit instead of 100-300 ns. Kryo's own copy() was not used: Kryo 5.6's
 *  RecordSerializer extends ImmutableSerializer and the codec's collection CopySerializer is
 *  built immutable, so copy() returns those objects as is (a record holding an ArrayList, or an
 *  unmodifiable view of the caller's list, would be shared): not a deep copy.
 *
 * Negative caching: absent keys are cached (an ABSENT entry; it counts against maxItems), and
 *  delete writes ABSENT through. Measured: a cached absence answers in ~9 ns, against ~97 ns
 *  for a get of an absent key on the in-memory store and ~680 ns on AtomicRocksDb; the protocol
 *  above keeps it exactly as safe as a positive entry. The cost: absences take slots from items,
 *  so a scan of many distinct absent keys can evict useful entries.
 *
 * Expiry: items keep their ttl; every hit compares it to the clock (now_millis > ttl * 1000 =
 *  expired, as EngineDb does), drops the entry with a conditional remove and answers empty.
 *  Expired entries otherwise stay until evicted or read.
 *
 * Eviction: Caffeine maximumSize(maxItems) (W-TinyLFU: near-LRU with frequency-based
 *  admission), maintenance on the calling thread (executor(Runnable::run)), evictions counted by
 *  an eviction listener.
 */

/**
 * A bounded in-memory cache of items in front of any {@link AtomicDb}: repeated {@code get}s and
 * {@code getMany}s of the same keys are answered without reading the wrapped store.
 *
 * <pre>{@code
 * AtomicDb cached = new AtomicLRUCache(AtomicRocksDb.open(dir), 10_000);
 * }</pre>
 *
 * <h2>Guarantees</h2>
 *
 * Every call keeps the {@link AtomicDb} contract of the wrapped store: same results, same
 * errors, same atomicity. For writes made through this cache, reads are as fresh as reads of the
 * store: a read never returns a value older than the last write of its key that returned before
 * the read began, and once a write and a racing read of the same key have both returned, the
 * cache holds the store's value for that key or nothing. A write that throws (including {@link
 * RaceConditionException}) leaves no entry for its keys: the next read goes to the store and sees
 * whatever the store kept, even if the write took effect before it threw. An item past its {@code
 * ttl} ({@code now > ttl}, by this cache's clock) is never returned. Data is copied by value both
 * ways: mutating what you passed to {@code set}, or what {@code get} returned, changes nothing
 * cached. {@code getMany} reads one consistent moment, as the store does.
 *
 * <h2>Threading</h2>
 *
 * Thread-safe, like every {@link AtomicDb}. No lock is held while the wrapped store is called;
 * concurrent writes of keys that hash alike only make the cache drop an entry (a later miss),
 * never keep a wrong one.
 *
 * <h2>What is cached</h2>
 *
 * <ul>
 *   <li>{@code get} and {@code getMany} results, including absent keys (negative caching). A
 *       {@code getMany} reads all its misses in one call of the wrapped store, in order.
 *   <li>{@code set} and {@code setAtomic} put their items in the cache after the wrapped store
 *       accepted them; {@code delete} caches the absence after it succeeded.
 *   <li>Never cached, always passed through: {@code getLock} and the locks of {@code setAtomic},
 *       {@code query}, {@code stream} and every queue call.
 * </ul>
 *
 * At most {@code maxItems} entries (items and absences) are kept; beyond that Caffeine evicts
 * (W-TinyLFU: close to LRU, with frequency-based admission, so it is not strict LRU order).
 * Values are held as encoded bytes and decoded on each hit, or shared as is when deeply immutable
 * (strings, numbers, java.time values, {@code List.of}-style collections of these).
 *
 * <h2>Lifecycle</h2>
 *
 * {@link #close()} closes the wrapped store too, and is idempotent; every other call afterwards
 * throws {@link IllegalStateException}.
 *
 * <h2>Caveats</h2>
 *
 * <ul>
 *   <li>Consistency covers writes made through this cache object only. Writes made to the
 *       wrapped store directly, through another cache over it, or by another process sharing its
 *       files, are not seen: the cache may return the older value until that entry is written
 *       through the cache, evicted, or expires by its ttl. Use one cache per store and write only
 *       through it, or do not cache.
 *   <li>Expiry is judged by this cache's clock: give it the store's clock (the two-argument
 *       constructor does so for stores built by this library).
 *   <li>Over a store that this library did not build, the cache cannot know the store's
 *       registered types: it caches data of built-in types only and passes every other item
 *       through uncached (still correct).
 *   <li>{@code maxItems} bounds the number of entries, not their bytes; an expired entry keeps
 *       its slot until it is read or evicted.
 * </ul>
 */
public final class AtomicLRUCache implements AtomicDb {
  private static final int STRIPES = 1024; // a power of two

  private final AtomicDb db;
  /** {@code db} when this library built it (to see it closed), else null. */
  private final EngineDb engine;
  private final Clock clock;
  private final ValueCodec codec;
  private final long maxItems;
  private final Cache<ItemKey, Entry> cache;
  /** Per stripe: writes through the cache that began. */
  private final AtomicLongArray started = new AtomicLongArray(STRIPES);
  /** Per stripe: writes through the cache that ended (always {@code <= started}). */
  private final AtomicLongArray finished = new AtomicLongArray(STRIPES);
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * A cache of at most {@code maxItems} entries over {@code db}, reading the clock of {@code db}
   * when this library built it ({@link AtomicMemoryDb}, {@code AtomicRocksDb}, another cache),
   * else {@link Clock#systemUTC()}.
   *
   * @throws NullPointerException if {@code db} is null
   * @throws IllegalArgumentException if {@code maxItems < 1}
   */
  public AtomicLRUCache(AtomicDb db, long maxItems) {
    this(db, maxItems, clockOf(db));
  }

  /**
   * A cache of at most {@code maxItems} entries over {@code db}, judging item expiry by {@code
   * clock} (which should be the store's own clock).
   *
   * @throws NullPointerException if {@code db} or {@code clock} is null
   * @throws IllegalArgumentException if {@code maxItems < 1}
   */
  public AtomicLRUCache(AtomicDb db, long maxItems, Clock clock) {
    this.db = Objects.requireNonNull(db, "db must not be null");
    this.engine = db instanceof EngineDb e ? e : null;
    this.clock = Objects.requireNonNull(clock, "clock must not be null");
    if (maxItems < 1) {
      throw new IllegalArgumentException("maxItems must be >= 1, was " + maxItems);
    }
    this.maxItems = maxItems;
    this.codec = codecOf(db);
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(maxItems)
            .executor(Runnable::run)
            .<ItemKey, Entry>evictionListener(
                (k, v, cause) -> {
                  if (cause.wasEvicted()) {
                    evictions.increment();
                  }
                })
            .build();
  }

  private static Clock clockOf(AtomicDb db) {
    if (db instanceof EngineDb e) {
      return e.clock;
    }
    if (db instanceof AtomicLRUCache c) {
      return c.clock;
    }
    return Clock.systemUTC();
  }

  private static ValueCodec codecOf(AtomicDb db) {
    if (db instanceof EngineDb e) {
      return e.codec;
    }
    if (db instanceof AtomicLRUCache c) {
      return c.codec;
    }
    return new ValueCodec(Map.of()); // built-in types only; see the class caveats
  }

  /** The most entries this cache keeps. */
  public long maxItems() {
    return maxItems;
  }

  /** Hits, misses and evictions since this cache was created. Cheap; never blocks. */
  public CacheStats stats() {
    return CacheStats.of(hits.sum(), misses.sum(), evictions.sum());
  }

  // ------------------------------------------------------------------ entries

  /** A cached answer for one key. Immutable. */
  private static final class Entry {
    /** The key is absent (or its item was expired) in the store. */
    static final Entry ABSENT = new Entry(null, null, null);

    /** A deeply immutable item returned as is, or null. */
    final Item shared;
    /** The Kryo bytes of the data when not shared. */
    final byte[] data;
    final Long ttl;

    Entry(Item shared, byte[] data, Long ttl) {
      this.shared = shared;
      this.data = data;
      this.ttl = ttl;
    }
  }

  /** The entry to cache for {@code item}, or null if its data cannot be cached. */
  private Entry entryFor(Item item) {
    if (isDeeplyImmutable(item.data(), 0, new int[] {IMMUTABLE_SCAN_BUDGET})) {
      return new Entry(item, null, item.ttl());
    }
    try {
      return new Entry(null, codec.encode(item.data()), item.ttl());
    } catch (RuntimeException e) {
      return null; // e.g. a user type unknown to the codec of a foreign store: pass through
    }
  }

  /** The answer of a cached entry, or empty (and the entry dropped) if it expired. */
  private Optional<Item> serve(ItemKey key, Entry e) {
    if (e == Entry.ABSENT) {
      return Optional.empty();
    }
    if (e.ttl != null && EngineDb.expired(e.ttl, clock.millis())) {
      cache.asMap().remove(key, e);
      return Optional.empty();
    }
    if (e.shared != null) {
      return Optional.of(e.shared);
    }
    return Optional.of(
        new Item(key.pk(), key.sk(), codec.decode(e.data, 0, e.data.length, key), e.ttl));
  }

  private static final int IMMUTABLE_SCAN_BUDGET = 1024;
  private static final int IMMUTABLE_SCAN_DEPTH = 8;

  private static final Set<Class<?>> IMMUTABLE_VALUES =
      Set.of(
          String.class, Integer.class, Long.class, Short.class, Byte.class, Character.class,
          Boolean.class, Float.class, Double.class, BigDecimal.class, BigInteger.class,
          UUID.class, Instant.class, LocalDate.class, LocalTime.class, LocalDateTime.class,
          ZonedDateTime.class, OffsetDateTime.class, OffsetTime.class, Duration.class,
          Period.class, Year.class, YearMonth.class, MonthDay.class, ZoneOffset.class,
          ZoneId.of("Europe/Paris").getClass());

  /** JDK collections that cannot be changed by anyone (unlike unmodifiable views). */
  private static final Set<Class<?>> IMMUTABLE_COLLECTIONS =
      classes(
          List.of().getClass(), List.of(1).getClass(), List.of(1, 2, 3).getClass(),
          Set.of().getClass(), Set.of(1).getClass(), Set.of(1, 2, 3).getClass(),
          Map.of().getClass(), Map.of(1, 1).getClass(), Map.of(1, 1, 2, 2).getClass(),
          Collections.emptyList().getClass(), Collections.emptySet().getClass(),
          Collections.emptyMap().getClass(), Collections.singletonList(1).getClass(),
          Collections.singleton(1).getClass(), Collections.singletonMap(1, 1).getClass());

  private static Set<Class<?>> classes(Class<?>... cs) {
    return Set.copyOf(Arrays.asList(cs)); // several factories share a class; copyOf dedupes
  }

  /**
   * True if nobody can change {@code o} or anything it holds. Exact classes only (a subclass of
   * BigDecimal may be mutable). Gives up (false) past a depth or element budget.
   */
  static boolean isDeeplyImmutable(Object o, int depth, int[] budget) {
    if (o == null) {
      return true;
    }
    if (--budget[0] < 0) {
      return false;
    }
    Class<?> c = o.getClass();
    if (IMMUTABLE_VALUES.contains(c)) {
      return true;
    }
    if (!IMMUTABLE_COLLECTIONS.contains(c) || depth >= IMMUTABLE_SCAN_DEPTH) {
      return false;
    }
    if (o instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!isDeeplyImmutable(e.getKey(), depth + 1, budget)
            || !isDeeplyImmutable(e.getValue(), depth + 1, budget)) {
          return false;
        }
      }
      return true;
    }
    for (Object x : (Collection<?>) o) {
      if (!isDeeplyImmutable(x, depth + 1, budget)) {
        return false;
      }
    }
    return true;
  }

  // ------------------------------------------------------------------ stamps

  private static int stripe(ItemKey key) {
    int h = key.hashCode();
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }

  /** Caches {@code result} of a store read of {@code key} unless a write began since {@code s0}. */
  private void offer(ItemKey key, int s, long s0, Optional<Item> result) {
    if (started.get(s) != s0) {
      return;
    }
    Entry e = result.isPresent() ? entryFor(result.get()) : Entry.ABSENT;
    if (e == null) {
      return;
    }
    cache.asMap().compute(key, (k, old) -> started.get(s) == s0 ? e : old);
  }

  /** A write through the cache in flight: its stripes and tickets. */
  private final class Write {
    final List<ItemKey> keys;
    final int[] stripes;
    final long[] tickets;
    final boolean[] exclusive;
    /** Index into stripes/tickets of each key. */
    final int[] slot;

    Write(List<ItemKey> keys) {
      this.keys = keys;
      int n = keys.size();
      slot = new int[n];
      int[] distinct = new int[Math.min(n, STRIPES)];
      int[] slotOfStripe = null; // for long lists; short ones search linearly
      if (n > 16) {
        slotOfStripe = new int[STRIPES];
        Arrays.fill(slotOfStripe, -1);
      }
      int d = 0;
      for (int i = 0; i < n; i++) {
        int s = stripe(keys.get(i));
        int at = -1;
        if (slotOfStripe != null) {
          at = slotOfStripe[s];
        } else {
          for (int j = 0; j < d; j++) {
            if (distinct[j] == s) {
              at = j;
              break;
            }
          }
        }
        if (at < 0) {
          at = d;
          distinct[d++] = s;
          if (slotOfStripe != null) {
            slotOfStripe[s] = at;
          }
        }
        slot[i] = at;
      }
      stripes = Arrays.copyOf(distinct, d);
      tickets = new long[d];
      exclusive = new boolean[d];
      for (int j = 0; j < d; j++) {
        long f = finished.get(stripes[j]);
        long t = started.getAndIncrement(stripes[j]);
        tickets[j] = t;
        exclusive[j] = f == t;
      }
      for (ItemKey k : keys) {
        cache.invalidate(k);
      }
    }

    /**
     * Ends the write: caches {@code entries[i]} for key i where allowed, drops every other key.
     *
     * @param entries null when the write failed
     */
    void end(Entry[] entries) {
      try {
        for (int i = 0; i < keys.size(); i++) {
          ItemKey k = keys.get(i);
          Entry e = entries == null ? null : entries[i];
          int j = slot[i];
          if (e != null && exclusive[j]) {
            int s = stripes[j];
            long expected = tickets[j] + 1;
            cache.asMap().compute(k, (kk, old) -> started.get(s) == expected ? e : null);
          } else {
            cache.invalidate(k);
          }
        }
      } finally {
        for (int s : stripes) {
          finished.incrementAndGet(s);
        }
      }
    }
  }

  /** Runs {@code op} (a write of {@code keys} to the store) under the write protocol. */
  private void write(List<ItemKey> keys, Entry[] entries, Runnable op) {
    Write w = new Write(keys);
    boolean ok = false;
    try {
      op.run();
      ok = true;
    } finally {
      w.end(ok ? entries : null);
    }
  }

  // ------------------------------------------------------------------ items

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("AtomicLRUCache is closed");
    }
    if (engine != null && engine.isClosed()) {
      // Closed behind the cache's back: a hit must not answer for a closed store.
      throw new IllegalStateException("the store under this AtomicLRUCache is closed");
    }
  }

  private static boolean hasNull(List<?> list) {
    for (Object o : list) {
      if (o == null) {
        return true;
      }
    }
    return false;
  }

  /** Served from the cache on a hit; a miss reads the wrapped store once and caches its answer. */
  @Override
  public Optional<Item> get(ItemKey key) {
    checkOpen();
    if (key == null) {
      return db.get(null); // the store's own refusal
    }
    Entry e = cache.getIfPresent(key);
    if (e != null) {
      hits.increment();
      return serve(key, e);
    }
    misses.increment();
    int s = stripe(key);
    long f0 = finished.get(s);
    long s0 = started.get(s);
    Optional<Item> r = db.get(key);
    if (f0 == s0) {
      offer(key, s, s0, r);
    }
    return r;
  }

  /**
   * Hits from the cache; every miss read in one {@code getMany} of the wrapped store, in order.
   * Reads one consistent moment: if a write through this cache raced the call and some keys were
   * hits, all keys are read again from the store in one more call.
   */
  @Override
  public List<Optional<Item>> getMany(List<ItemKey> keys) {
    checkOpen();
    if (keys == null || hasNull(keys)) {
      return db.getMany(keys); // the store's own refusal
    }
    int n = keys.size();
    if (n == 0) {
      return new ArrayList<>();
    }
    int[] st = new int[n];
    long[] f0 = new long[n];
    long[] s0 = new long[n];
    for (int i = 0; i < n; i++) {
      st[i] = stripe(keys.get(i));
      f0[i] = finished.get(st[i]);
    }
    boolean quiet = true;
    for (int i = 0; i < n; i++) {
      s0[i] = started.get(st[i]);
      quiet &= f0[i] == s0[i];
    }
    List<Optional<Item>> out = new ArrayList<>(Collections.nCopies(n, Optional.<Item>empty()));
    int[] missAt = new int[n];
    List<ItemKey> missKeys = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ItemKey k = keys.get(i);
      Entry e = cache.getIfPresent(k);
      if (e == null) {
        missAt[missKeys.size()] = i;
        missKeys.add(k);
      } else {
        out.set(i, serve(k, e));
      }
    }
    int m = missKeys.size();
    List<Optional<Item>> fetched = m == 0 ? List.of() : db.getMany(missKeys);
    if (fetched.size() != m) {
      throw new AtomicDbException(
          "the wrapped store's getMany returned " + fetched.size() + " results for " + m
              + " keys");
    }
    if (m < n) {
      boolean unchanged = quiet;
      for (int i = 0; unchanged && i < n; i++) {
        unchanged = started.get(st[i]) == s0[i];
      }
      if (!unchanged) {
        misses.add(n);
        return db.getMany(keys);
      }
    }
    hits.add(n - m);
    misses.add(m);
    for (int j = 0; j < m; j++) {
      int i = missAt[j];
      out.set(i, fetched.get(j));
      if (f0[i] == s0[i]) {
        offer(keys.get(i), st[i], s0[i], fetched.get(j));
      }
    }
    return out;
  }

  /** Passed through; locks are never cached. */
  @Override
  public ItemLock getLock(ItemKey key) {
    checkOpen();
    return db.getLock(key);
  }

  /** Writes through; caches the item once the wrapped store accepted it. */
  @Override
  public void set(Item item) {
    checkOpen();
    if (item == null) {
      db.set((Item) null); // the store's own refusal
      return;
    }
    write(List.of(item.key()), new Entry[] {entryFor(item)}, () -> db.set(item));
  }

  /** Writes through; caches the items once the wrapped store accepted them. */
  @Override
  public void set(List<Item> items) {
    checkOpen();
    if (items == null) {
      db.set((List<Item>) null);
      return;
    }
    List<ItemKey> keys = new ArrayList<>(items.size());
    List<Entry> entries = new ArrayList<>(items.size());
    collect(items, keys, entries);
    write(keys, entries.toArray(new Entry[0]), () -> db.set(items));
  }

  /** Keys and entries of the non-null items; a list with nulls caches nothing. */
  private void collect(List<Item> items, List<ItemKey> keys, List<Entry> entries) {
    boolean nulls = hasNull(items);
    for (Item it : items) {
      if (it != null) {
        keys.add(it.key());
        entries.add(nulls ? null : entryFor(it));
      }
    }
  }

  /** Writes through; the lock passes through; caches the item once the write succeeded. */
  @Override
  public void setAtomic(Item item, ItemLock lock) {
    checkOpen();
    if (item == null) {
      db.setAtomic(item, lock); // the store's own refusal
      return;
    }
    write(List.of(item.key()), new Entry[] {entryFor(item)}, () -> db.setAtomic(item, lock));
  }

  /**
   * Writes through; locks pass through; caches the items once the write succeeded. On {@link
   * RaceConditionException} (or any failure) the cache drops every key of {@code items}.
   */
  @Override
  public void setAtomic(List<Item> items, List<ItemLock> locks) {
    checkOpen();
    if (items == null) {
      db.setAtomic(items, locks);
      return;
    }
    List<ItemKey> keys = new ArrayList<>(items.size());
    List<Entry> entries = new ArrayList<>(items.size());
    collect(items, keys, entries);
    write(keys, entries.toArray(new Entry[0]), () -> db.setAtomic(items, locks));
  }

  /** Deletes through; caches the absence once the delete succeeded. */
  @Override
  public void delete(ItemKey key) {
    checkOpen();
    if (key == null) {
      db.delete((ItemKey) null);
      return;
    }
    write(List.of(key), new Entry[] {Entry.ABSENT}, () -> db.delete(key));
  }

  /** Deletes through; caches the absences once the delete succeeded. */
  @Override
  public void delete(List<ItemKey> keys) {
    checkOpen();
    if (keys == null) {
      db.delete((List<ItemKey>) null);
      return;
    }
    boolean nulls = hasNull(keys);
    List<ItemKey> ks = new ArrayList<>(keys.size());
    for (ItemKey k : keys) {
      if (k != null) {
        ks.add(k);
      }
    }
    Entry[] entries = new Entry[ks.size()];
    if (!nulls) {
      Arrays.fill(entries, Entry.ABSENT);
    }
    write(ks, entries, () -> db.delete(keys));
  }

  /** Passed through; results are not cached. */
  @Override
  public List<Item> query(Query query) {
    checkOpen();
    return db.query(query);
  }

  /** Passed through; results are not cached. */
  @Override
  public Stream<Item> stream(Query query) {
    checkOpen();
    return db.stream(query);
  }

  // ------------------------------------------------------------------ queue: passed through

  @Override
  public void queuePush(QueueItemInput item) {
    checkOpen();
    db.queuePush(item);
  }

  @Override
  public void queuePush(List<QueueItemInput> items) {
    checkOpen();
    db.queuePush(items);
  }

  @Override
  public Optional<QueueItem> queuePull(QueuePullOptions options) {
    checkOpen();
    return db.queuePull(options);
  }

  @Override
  public List<QueueItem> queuePullBatch(QueuePullOptions options, int max) {
    checkOpen();
    return db.queuePullBatch(options, max);
  }

  @Override
  public void queueAcknowledge(ItemKey key) {
    checkOpen();
    db.queueAcknowledge(key);
  }

  @Override
  public boolean queueAcknowledge(QueueItem delivered) {
    checkOpen();
    return db.queueAcknowledge(delivered);
  }

  @Override
  public void queueRelease(ItemKey key) {
    checkOpen();
    db.queueRelease(key);
  }

  @Override
  public boolean queueRelease(QueueItem delivered) {
    checkOpen();
    return db.queueRelease(delivered);
  }

  @Override
  public boolean queueExtend(QueueItem delivered, long ttlSeconds) {
    checkOpen();
    return db.queueExtend(delivered, ttlSeconds);
  }

  @Override
  public QueueStats queueStats(String pk) {
    checkOpen();
    return db.queueStats(pk);
  }

  @Override
  public long queueRedrive(String fromPk, String toPk) {
    checkOpen();
    return db.queueRedrive(fromPk, toPk);
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Empties the cache and closes the wrapped store. Idempotent: only the first call closes the
   * store; every other method afterwards throws {@link IllegalStateException}.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      db.close();
    } finally {
      cache.invalidateAll();
      cache.cleanUp();
    }
  }

  // ------------------------------------------------------------------ for tests

  /** Runs Caffeine's pending maintenance (evictions) now. */
  void cleanUp() {
    cache.cleanUp();
  }

  /** Entries held now (after {@link #cleanUp()}, at most {@code maxItems}). */
  long estimatedSize() {
    return cache.estimatedSize();
  }

  /** Whether {@code key} has an entry, without counting a hit or touching the policy. */
  boolean isCached(ItemKey key) {
    return cache.policy().getIfPresentQuietly(key) != null;
  }
}
