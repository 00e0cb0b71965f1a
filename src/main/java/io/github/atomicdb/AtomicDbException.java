package io.github.atomicdb;

/**
 * Root of the unchecked exceptions atomic-db throws for store failures (I/O, corruption, a
 * directory in use). Bad arguments are {@link IllegalArgumentException} or {@link
 * NullPointerException}; use after close is {@link IllegalStateException}.
 */
public class AtomicDbException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public AtomicDbException(String message) {
    super(message);
  }

  public AtomicDbException(String message, Throwable cause) {
    super(message, cause);
  }
}
