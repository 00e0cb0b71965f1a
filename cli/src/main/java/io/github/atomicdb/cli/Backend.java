package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.tools.DiskUsage;
import io.github.atomicdb.tools.ReadPosition;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How the command line opens and maintains stores. The real one is {@link RocksBackend}; tests
 * may run commands over another.
 */
interface Backend {
  /**
   * Checks that {@code dir} holds a store without opening it.
   *
   * @throws CliException with {@link ExitCode#NO_STORE} if it does not
   */
  void requireStore(Path dir);

  /** Opens the store in {@code dir}, creating it if absent. The caller closes it. */
  AtomicDb open(Path dir);

  /**
   * Opens a read-only follower of the existing store in {@code dir}, which another process may
   * hold and write; it takes no lock and writes nothing. The caller closes it.
   */
  AtomicDb openFollower(Path dir);

  /** How fresh {@code db} is if it is a follower ({@link #openFollower}); empty otherwise. */
  Optional<ReadPosition> readPosition(AtomicDb db);

  /** Writes a consistent copy of the open store {@code db} to the new directory {@code dest}. */
  void checkpoint(AtomicDb db, Path dest);

  /** Compacts every space of the open store {@code db} (drops deleted and expired records). */
  void compact(AtomicDb db);

  /** The bytes the store files in {@code dir} take. */
  DiskUsage diskUsage(Path dir);
}
