package io.github.atomicdb.internal;

import io.github.atomicdb.AtomicDbException;
import io.github.atomicdb.CorruptDataException;
import io.github.atomicdb.spi.KvConflictException;
import java.nio.file.Path;
import java.util.Locale;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/**
 * The one place a {@link RocksDBException} becomes an atomic-db exception (STYLE.md, habit 6):
 * every RocksDB call of {@link RocksKv} routes its failures here, so callers only ever see
 * {@link KvConflictException}, {@link AtomicDbException} or its subclass {@link
 * CorruptDataException}. The message names the operation, the directory and RocksDB's status
 * code and text.
 */
final class RocksErrors {
  private RocksErrors() {}

  /** The status code of {@code e}, or {@code Undefined} when RocksDB gave none. */
  static Status.Code code(RocksDBException e) {
    Status s = e.getStatus();
    return s == null || s.getCode() == null ? Status.Code.Undefined : s.getCode();
  }

  /** True when RocksDB refused to take the directory's LOCK file: another opener holds it. */
  static boolean isLockHeld(RocksDBException e) {
    String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    return code(e) == Status.Code.IOError && m.contains("lock");
  }

  /** The message every "second opener" failure carries. */
  static String alreadyOpen(Path dir) {
    return "atomic-db directory " + dir + " is already open by this or another process;"
        + " close the other AtomicRocksDb (or stop the other process) first";
  }

  /**
   * Maps a failure of {@code operation} on the store in {@code dir}.
   *
   * @return a {@link KvConflictException} for Busy/TryAgain, a {@link CorruptDataException} for
   *     Corruption, an {@link AtomicDbException} for everything else
   */
  static RuntimeException map(String operation, Path dir, RocksDBException e) {
    Status.Code c = code(e);
    String detail = operation + " failed on atomic-db directory " + dir + ": RocksDB status " + c
        + " (" + e.getMessage() + ")";
    switch (c) {
      case Busy:
      case TryAgain:
        return new KvConflictException(detail, e);
      case Corruption:
        return new CorruptDataException(detail + "; the store's files are damaged", e);
      case IOError:
        if (isLockHeld(e)) {
          return new AtomicDbException(alreadyOpen(dir), e);
        }
        return new AtomicDbException(detail + "; check disk space and permissions", e);
      default:
        return new AtomicDbException(detail, e);
    }
  }
}
