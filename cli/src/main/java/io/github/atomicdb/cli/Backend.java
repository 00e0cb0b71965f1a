package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import java.nio.file.Path;

/**
 * How the command line opens and maintains stores. The real one is {@link RocksBackend}; tests
 * may run commands over another (for example in-memory stores).
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

  /** Writes a consistent copy of the open store {@code db} to the new directory {@code dest}. */
  void checkpoint(AtomicDb db, Path dest);

  /** Compacts every space of the open store {@code db} (drops deleted and expired records). */
  void compact(AtomicDb db);

  /** The data format version the open store {@code db} records (-1 if it records none). */
  int formatVersion(AtomicDb db);
}
