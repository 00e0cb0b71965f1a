package io.github.atomicdb.torture;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicMemoryDb;
import io.github.atomicdb.contract.ContractTypes;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Clock;

/**
 * How the torture suite opens the stores it runs on. Every test that can run on more than one
 * implementation takes a {@link Kind}; the durable one is opened over a directory and can be
 * closed and reopened there.
 */
final class Stores {
  private Stores() {}

  /** The implementations under test. */
  enum Kind {
    MEMORY,
    ROCKS
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
      default:
        throw new AssertionError(kind);
    }
  }

  /** Is the durable implementation on the classpath? */
  static boolean rocksAvailable() {
    try {
      Class.forName("io.github.atomicdb.AtomicRocksDb");
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /**
   * {@code AtomicRocksDb.builder(dir).clock(clock).register(..).syncWrites(s).open()}, called
   * reflectively so that this suite compiles whether or not the durable store is there yet.
   */
  static AtomicDb rocks(Path dir, Clock clock, boolean syncWrites) {
    try {
      Class<?> c = Class.forName("io.github.atomicdb.AtomicRocksDb");
      Object builder = c.getMethod("builder", Path.class).invoke(null, dir);
      Class<?> bc = builder.getClass();
      builder = call(bc, builder, "clock", new Class<?>[] {Clock.class}, clock);
      Object bb = builder;
      ContractTypes.registerAll(
          (type, id) -> call(bc, bb, "register", new Class<?>[] {Class.class, int.class}, type, id));
      builder = call(bc, builder, "syncWrites", new Class<?>[] {boolean.class}, syncWrites);
      return (AtomicDb) call(bc, builder, "open", new Class<?>[0]);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("cannot open AtomicRocksDb: " + e, e);
    }
  }

  private static Object call(Class<?> c, Object target, String name, Class<?>[] types, Object... args) {
    try {
      Method m = c.getMethod(name, types);
      m.setAccessible(true);
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new AssertionError(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("AtomicRocksDb builder has no " + name + ": " + e, e);
    }
  }
}
