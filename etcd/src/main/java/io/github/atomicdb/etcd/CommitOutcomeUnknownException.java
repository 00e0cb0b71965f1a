package io.github.atomicdb.etcd;

import io.github.atomicdb.AtomicDbException;

/**
 * A write reached etcd (or may have) but its answer never came back: it timed out, or the
 * connection or the leader was lost after the request was sent. The write may have been applied
 * or not, and may still be applied by the cluster; read the state again before deciding, and
 * repeat only writes that are safe to apply twice.
 */
public class CommitOutcomeUnknownException extends AtomicDbException {
  private static final long serialVersionUID = 1L;

  public CommitOutcomeUnknownException(String message, Throwable cause) {
    super(message, cause);
  }
}
