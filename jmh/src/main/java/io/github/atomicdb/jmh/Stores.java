package io.github.atomicdb.jmh;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicMemoryDb;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;

/** Opens the library implementation named by a benchmark's {@code impl} parameter. */
final class Stores {
  /** Cache capacity of {@code cacheOverRocks}: holds every item the benchmarks touch. */
  static final long CACHE_ITEMS = 100_000;

  private Stores() {}

  static boolean isLibrary(String impl) {
    return impl.equals("memory") || impl.equals("rocks") || impl.equals("cacheOverRocks");
  }

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

  // Reflection until the rocks and cache branches are merged into this one.
  private static AtomicDb rocks(Path dir, boolean syncWrites) {
    try {
      Class<?> c = Class.forName("io.github.atomicdb.AtomicRocksDb");
      Object b = c.getMethod("builder", Path.class).invoke(null, dir);
      b = b.getClass().getMethod("syncWrites", boolean.class).invoke(b, syncWrites);
      return (AtomicDb) b.getClass().getMethod("open").invoke(b);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("AtomicRocksDb is not in this build (branch rocks not merged)", e);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static AtomicDb cache(AtomicDb db, long maxItems) {
    try {
      Class<?> c = Class.forName("io.github.atomicdb.AtomicLRUCache");
      return (AtomicDb) c.getConstructor(AtomicDb.class, long.class).newInstance(db, maxItems);
    } catch (ClassNotFoundException e) {
      db.close();
      throw new IllegalStateException("AtomicLRUCache is not in this build (branch cache not merged)", e);
    } catch (ReflectiveOperationException e) {
      db.close();
      throw new IllegalStateException(e);
    }
  }
}
