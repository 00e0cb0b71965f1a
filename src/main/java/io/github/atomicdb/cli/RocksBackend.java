package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Stores on disk: {@code AtomicRocksDb}. */
final class RocksBackend implements Backend {

  @Override
  public void requireStore(Path dir) {
    if (!Files.exists(dir)) {
      throw new CliException(ExitCode.NO_STORE, "no store at " + dir
          + ": the directory does not exist; check the path (`atomicdb demo " + dir
          + "` creates a store there)");
    }
    if (!Files.isDirectory(dir)) {
      throw new CliException(ExitCode.NO_STORE, dir + " is a file, not a store directory; give the"
          + " directory of an atomic-db store");
    }
    if (!Files.isRegularFile(dir.resolve("CURRENT"))) {
      throw new CliException(ExitCode.NO_STORE, dir + " is not an atomic-db store (it has no"
          + " RocksDB CURRENT file); give the directory of an atomic-db store");
    }
  }

  @Override
  public AtomicDb open(Path dir) {
    // TODO(merge rocks): call AtomicRocksDb.open(dir) directly.
    try {
      Class<?> c = Class.forName("io.github.atomicdb.AtomicRocksDb");
      return (AtomicDb) c.getMethod("open", Path.class).invoke(null, dir);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new CliException(ExitCode.INTERNAL, "this build has no AtomicRocksDb; rebuild atomic-db");
    }
  }

  @Override
  public void checkpoint(AtomicDb db, Path dest) {
    throw new CliException(ExitCode.INTERNAL, "backup is not available in this build");
  }

  @Override
  public void compact(AtomicDb db) {
    throw new CliException(ExitCode.INTERNAL, "compact is not available in this build");
  }
}
