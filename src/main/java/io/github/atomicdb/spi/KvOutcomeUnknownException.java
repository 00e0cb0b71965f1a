package io.github.atomicdb.spi;

/**
 * A commit whose outcome is not known: the backend may or may not have applied it (a networked
 * backend lost its answer, for example on a timeout or a leader change). The caller must read
 * before acting again; only idempotent operations may simply be retried.
 */
public final class KvOutcomeUnknownException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public KvOutcomeUnknownException(String message, Throwable cause) {
    super(message, cause);
  }
}
