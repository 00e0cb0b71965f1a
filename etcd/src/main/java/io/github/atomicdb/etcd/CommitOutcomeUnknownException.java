package io.github.atomicdb.etcd;

/**
 * What {@link AtomicEtcdDb} throws when a write's outcome is unknown: a {@link
 * io.github.atomicdb.CommitOutcomeUnknownException}, which is the type to catch (the same for
 * every backend). This subclass remains so that code catching it keeps working.
 *
 * @deprecated catch {@link io.github.atomicdb.CommitOutcomeUnknownException} instead
 */
@Deprecated
public class CommitOutcomeUnknownException extends io.github.atomicdb.CommitOutcomeUnknownException {
  private static final long serialVersionUID = 1L;

  public CommitOutcomeUnknownException(String message, Throwable cause) {
    super(message, cause);
  }
}
