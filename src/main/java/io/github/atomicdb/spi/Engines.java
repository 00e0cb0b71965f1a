package io.github.atomicdb.spi;

import io.github.atomicdb.AtomicDb;
import java.time.Clock;
import java.util.Objects;

/**
 * Runs the engine (every rule of the {@link AtomicDb} contract) over a backend's {@link KvStore}:
 * how a backend outside this module becomes an {@code AtomicDb}.
 */
public final class Engines {
  /** What the engine package provides; installed by it when it is first loaded. */
  public interface Factory {
    AtomicDb open(String name, KvStore kv, Clock clock, TypeRegistry types);

    /** See {@link Engines#sweepExpired}. */
    int sweepExpired(AtomicDb db, int maxKeys);
  }

  private static final String ENGINE_FACTORY = "io.github.atomicdb.BackendDb$EngineFactory";
  private static volatile Factory factory;

  private Engines() {}

  /**
   * An {@link AtomicDb} over {@code kv}. Closing it closes {@code kv}.
   *
   * @param name what the store calls itself in messages, e.g. {@code "AtomicEtcdDb(orders-app)"}
   * @throws NullPointerException if an argument is null
   */
  public static AtomicDb open(String name, KvStore kv, Clock clock, TypeRegistry types) {
    Objects.requireNonNull(name, "name must not be null");
    Objects.requireNonNull(kv, "kv must not be null");
    Objects.requireNonNull(clock, "clock must not be null");
    Objects.requireNonNull(types, "types must not be null");
    Factory f = factory;
    if (f == null) {
      try {
        Class.forName(ENGINE_FACTORY, true, Engines.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(ENGINE_FACTORY + " is missing", e);
      }
      f = factory;
    }
    return f.open(name, kv, clock, types);
  }

  /**
   * One round of physical removal of expired items and lock records from the store of {@code
   * db}, for a backend that has no removal of its own: reads at most {@code maxKeys} records,
   * going on from where the previous round stopped and starting over at the end, and deletes
   * those expired by {@code db}'s clock. Reads already hide them; this frees their space. Safe to
   * run in several processes on one store at once (each delete is validated: a key set again
   * meanwhile stays) and alongside every other call. Thread-safe: rounds of one {@code db} run
   * one at a time.
   *
   * @param db an {@link AtomicDb} returned by {@link #open}
   * @param maxKeys most records one round reads, at least 2
   * @return how many records this round deleted
   * @throws IllegalArgumentException if {@code db} is not one {@link #open} returned, or {@code
   *     maxKeys} is below 2
   * @throws IllegalStateException if {@code db} is closed
   */
  public static int sweepExpired(AtomicDb db, int maxKeys) {
    Objects.requireNonNull(db, "db must not be null");
    Factory f = factory;
    if (f == null) {
      throw new IllegalArgumentException("db was not opened by Engines.open");
    }
    return f.sweepExpired(db, maxKeys);
  }

  /**
   * Called once by the engine package when it loads. Only the engine's own factory class is
   * accepted, so no other code can stand in for the engine.
   *
   * @throws IllegalArgumentException for any other factory
   */
  public static synchronized void install(Factory f) {
    if (f.getClass().getName().equals(ENGINE_FACTORY)
        && f.getClass().getModule() == Engines.class.getModule()
        && f.getClass().getClassLoader() == Engines.class.getClassLoader()) {
      factory = f;
      return;
    }
    throw new IllegalArgumentException("only the engine installs its factory");
  }
}
