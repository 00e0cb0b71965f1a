package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicRocksDb;
import io.github.atomicdb.tools.DiskUsage;
import io.github.atomicdb.tools.ReadPosition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Stores on disk: {@link AtomicRocksDb}, through its public operations. */
final class RocksBackend implements Backend {

  @Override
  public void requireStore(Path dir) {
    if (!Files.exists(dir)) {
      throw new CliException(ExitCode.NO_STORE, "no store at " + dir
          + ": the directory does not exist; check the path");
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

  @Override
  public AtomicDb openFollower(Path dir) {
    return AtomicRocksDb.builder(dir).readOnlyFollower().open();
  }

  @Override
  public Optional<ReadPosition> readPosition(AtomicDb db) {
    return db instanceof AtomicRocksDb r && r.isReadOnlyFollower()
        ? Optional.of(r.readPosition()) : Optional.empty();
  }

  private static AtomicRocksDb rocks(AtomicDb db) {
    if (db instanceof AtomicRocksDb r) {
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
    rocks(db).compact();
  }

  @Override
  public DiskUsage diskUsage(Path dir) {
    return AtomicRocksDb.diskUsage(dir);
  }
}
