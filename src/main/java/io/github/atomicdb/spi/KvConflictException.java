package io.github.atomicdb.spi;

/** A transaction's commit found a key it read rewritten by another commit; nothing was written. */
public final class KvConflictException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public KvConflictException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
