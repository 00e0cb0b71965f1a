package io.github.atomicdb.jmh;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicLRUCache;
import io.github.atomicdb.AtomicMemoryDb;
import io.github.atomicdb.AtomicRocksDb;
import java.nio.file.Path;

/** Opens the library implementation named by a benchmark's {@code impl} parameter. */
final class Stores {
  /** Cache capacity of {@code cacheOverRocks}: holds every item the benchmarks touch. */
  static final long CACHE_ITEMS = 100_000;

  private Stores() {}

  /**
   * A fresh store: {@code memory}, {@code rocks} or {@code cacheOverRocks} (AtomicLRUCache over
   * AtomicRocksDb), in {@code dir} for the durable ones.
   */
  static AtomicDb open(String impl, Path dir, boolean syncWrites) {
    switch (impl) {
      case "memory":
        return new AtomicMemoryDb();
      case "rocks":
        return rocks(dir, syncWrites);
      case "cacheOverRocks":
        return cache(rocks(dir, syncWrites), CACHE_ITEMS);
      default:
        throw new IllegalArgumentException("unknown library implementation: " + impl);
    }
  }

  private static AtomicDb rocks(Path dir, boolean syncWrites) {
    return AtomicRocksDb.builder(dir).syncWrites(syncWrites).open();
  }

  private static AtomicDb cache(AtomicDb db, long maxItems) {
    try {
      return new AtomicLRUCache(db, maxItems);
    } catch (RuntimeException | Error e) {
      db.close();
      throw e;
    }
  }
}
