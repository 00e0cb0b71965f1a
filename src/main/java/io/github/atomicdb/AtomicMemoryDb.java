package io.github.atomicdb;

import io.github.atomicdb.internal.MemoryKv;
import io.github.atomicdb.internal.Registrations;
import io.github.atomicdb.internal.ValueCodec;
import java.time.Clock;
import java.util.Objects;

/**
 * An in-memory {@link AtomicDb}, for tests and development. It runs the same engine as {@code
 * AtomicRocksDb} and stores the same encoded bytes, so it behaves exactly like the durable store:
 * same ordering, same copies, same errors, same limits. Nothing survives the JVM.
 *
 * <p>Thread-safe. Commits are serialized under one lock; reads do not block each other.
 *
 * <pre>{@code
 * AtomicDb db = new AtomicMemoryDb();
 * AtomicDb db2 = AtomicMemoryDb.builder().register(MyRecord.class, 100).clock(clock).build();
 * }</pre>
 */
public final class AtomicMemoryDb extends EngineDb {

  /** A store with the system UTC clock and only the built-in types. */
  public AtomicMemoryDb() {
    this(Clock.systemUTC(), new ValueCodec(java.util.Map.of()));
  }

  private AtomicMemoryDb(Clock clock, ValueCodec codec) {
    super("AtomicMemoryDb", new MemoryKv(), clock, codec);
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
