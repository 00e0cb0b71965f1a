package io.github.atomicdb;

import io.github.atomicdb.internal.MemoryKv;
import io.github.atomicdb.internal.Registrations;
import io.github.atomicdb.internal.ValueCodec;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory {@link AtomicDb}, for tests and development. It runs the same engine as {@code
 * AtomicRocksDb} and stores the same encoded bytes, so it behaves exactly like the durable store:
 * same ordering, same copies, same errors, same limits. Nothing survives the JVM.
 *
 * <p>Thread-safe. Commits are serialized under one lock; reads do not block each other.
 *
 * <p>Expired items and lock records are invisible at once and removed physically as the store is
 * written: every {@value #SWEEP_EVERY}th write ({@code set}, {@code delete}, {@code getLock},
 * {@code setAtomic}) runs one bounded sweep round of {@value #SWEEP_KEYS} records, going on where
 * the last one stopped, on the writing thread. A round reads, per write on average, one item record
 * and one lock record, so an expired record is gone within about as many writes as its kind has
 * records in the store, and a store that locks ephemeral keys does not grow without bound. No thread of its own: a store that is never closed leaks nothing.
 *
 * <pre>{@code
 * AtomicDb db = new AtomicMemoryDb();
 * AtomicDb db2 = AtomicMemoryDb.builder().register(MyRecord.class, 100).clock(clock).build();
 * }</pre>
 */
public final class AtomicMemoryDb extends EngineDb {
  /** Writes between two expiry sweep rounds. */
  static final int SWEEP_EVERY = 64;
  /** Records one sweep round reads: half items, half locks (one of each per write on average). */
  static final int SWEEP_KEYS = 128;

  private final ExpirySweeper sweeper;
  private final AtomicLong writes = new AtomicLong();

  /** A store with the system UTC clock and only the built-in types. */
  public AtomicMemoryDb() {
    this(Clock.systemUTC(), new ValueCodec(java.util.Map.of()));
  }

  private AtomicMemoryDb(Clock clock, ValueCodec codec) {
    super("AtomicMemoryDb", new MemoryKv(), clock, codec);
    this.sweeper = new ExpirySweeper(kv, clock);
  }

  @Override
  public void set(List<Item> items) {
    super.set(items);
    wrote();
  }

  @Override
  public void delete(List<ItemKey> keys) {
    super.delete(keys);
    wrote();
  }

  @Override
  public ItemLock getLock(ItemKey key) {
    ItemLock lock = super.getLock(key);
    wrote();
    return lock;
  }

  @Override
  public void setAtomic(List<Item> items, List<ItemLock> locks) {
    super.setAtomic(items, locks);
    wrote();
  }

  /** After a write that returned normally: every SWEEP_EVERY-th one sweeps a round. */
  private void wrote() {
    if (writes.incrementAndGet() % SWEEP_EVERY == 0) {
      sweepRound();
    }
  }

  /** One sweep round; returns how many expired records it removed. */
  int sweepRound() {
    try {
      return sweeper.sweep(SWEEP_KEYS);
    } catch (RuntimeException e) {
      // A concurrent close, or a conflict the round gave up on: the caller's write took effect,
      // and the next round reads these records again. Nothing is lost by skipping a round.
      return 0;
    }
  }

  /** A builder for a store with a clock or user types. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link AtomicMemoryDb}s. Not thread-safe; reusable. */
  public static final class Builder {
    private Clock clock = Clock.systemUTC();
    private final Registrations registrations = new Registrations();

    private Builder() {}

    /**
     * The clock every expiry decision reads (item ttl, lock ttl, visibility timeouts, delays).
     *
     * @throws NullPointerException if {@code clock} is null
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock must not be null");
      return this;
    }

    /**
     * Gives {@code type} the stable serialization id {@code id} (100 or more). Records are
     * written component by component; other classes field by field, tolerating added fields.
     *
     * @throws IllegalArgumentException if the id is below 100, or the id or the class is already
     *     registered to another
     */
    public Builder register(Class<?> type, int id) {
      registrations.add(type, id);
      return this;
    }

    /** A new, empty store. */
    public AtomicMemoryDb build() {
      return new AtomicMemoryDb(clock, new ValueCodec(registrations.asMap()));
    }
  }
}
