package io.github.atomicdb;

/**
 * {@code setAtomic} found a lock whose version is no longer the stored one (another writer got
 * there first, or the lock expired or was deleted). Nothing was written. Read again, take a
 * fresh lock with {@code getLock}, and retry.
 */
public class RaceConditionException extends AtomicDbException {
  private static final long serialVersionUID = 1L;

  public RaceConditionException(String message) {
    super(message);
  }
}
