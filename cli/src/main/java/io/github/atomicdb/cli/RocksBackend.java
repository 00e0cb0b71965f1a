package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicRocksDb;
import io.github.atomicdb.internal.EngineAccess;
import io.github.atomicdb.internal.RocksKv;
import io.github.atomicdb.spi.Space;
import java.nio.file.Files;
import java.nio.file.Path;

/** Stores on disk: {@link AtomicRocksDb}. */
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
    return AtomicRocksDb.open(dir);
  }

  static RocksKv rocks(AtomicDb db) {
    if (EngineAccess.get().kv(db) instanceof RocksKv r) {
      return r;
    }
    throw new CliException(ExitCode.INTERNAL, "not a RocksDB store: " + db);
  }

  @Override
  public void checkpoint(AtomicDb db, Path dest) {
    rocks(db).checkpoint(dest);
  }

  @Override
  public void compact(AtomicDb db) {
    RocksKv r = rocks(db);
    for (Space s : Space.values()) {
      r.flushAndCompact(s);
    }
  }

  @Override
  public int formatVersion(AtomicDb db) {
    return rocks(db).storedFormatVersion();
  }
}
