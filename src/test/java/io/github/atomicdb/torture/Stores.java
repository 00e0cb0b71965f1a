package io.github.atomicdb.torture;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicMemoryDb;
import io.github.atomicdb.AtomicRocksDb;
import io.github.atomicdb.SharedKv;
import io.github.atomicdb.contract.ContractTypes;
import java.nio.file.Path;
import java.time.Clock;

/**
 * How the torture suite opens the stores it runs on. Every test that can run on more than one
 * implementation takes a {@link Kind}; the durable one is opened over a directory and can be
 * closed and reopened there.
 */
final class Stores {
  private Stores() {}

  /**
   * The implementations under test. The SHARED kinds are the same backends behind {@code SharedKv},
   * which says other processes write the store too: the engine then takes its validated
   * transactional path for queues.
   */
  enum Kind {
    MEMORY,
    ROCKS,
    MEMORY_SHARED,
    ROCKS_SHARED;

    /** Whether the store survives close and can be reopened over its directory. */
    boolean durable() {
      return this == ROCKS || this == ROCKS_SHARED;
    }
  }

  /** A store over {@code dir} (ignored for MEMORY) with {@link ContractTypes} registered. */
  static AtomicDb open(Kind kind, Path dir, Clock clock) {
    return open(kind, dir, clock, false);
  }

  static AtomicDb open(Kind kind, Path dir, Clock clock, boolean syncWrites) {
    switch (kind) {
      case MEMORY:
        AtomicMemoryDb.Builder b = AtomicMemoryDb.builder().clock(clock);
        ContractTypes.registerAll(b::register);
        return b.build();
      case ROCKS:
        return rocks(dir, clock, syncWrites);
      case MEMORY_SHARED:
        return SharedKv.memory(clock);
      case ROCKS_SHARED:
        return SharedKv.rocks(dir, clock, syncWrites);
      default:
        throw new AssertionError(kind);
    }
  }

  /** {@code AtomicRocksDb.builder(dir).clock(clock).register(..).syncWrites(s).open()}. */
  static AtomicDb rocks(Path dir, Clock clock, boolean syncWrites) {
    AtomicRocksDb.Builder b = AtomicRocksDb.builder(dir).clock(clock).syncWrites(syncWrites);
    ContractTypes.registerAll(b::register);
    return b.open();
  }
}
