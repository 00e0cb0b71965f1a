package io.github.atomicdb;

/**
 * A write was sent but its answer never came back (a timeout, or the connection or the leader
 * was lost after sending): it may have been applied or not, and may still be. Read the state
 * again before deciding; repeat only writes that are safe to apply twice ({@code set}, {@code
 * delete}, a push with an explicit sk, an acknowledgement by receipt).
 *
 * <p>Only a store over a networked backend throws it ({@code AtomicEtcdDb}); on the embedded
 * stores a call that throws wrote nothing. Catch this type to handle it for every backend.
 */
public class CommitOutcomeUnknownException extends AtomicDbException {
  private static final long serialVersionUID = 1L;

  public CommitOutcomeUnknownException(String message, Throwable cause) {
    super(message, cause);
  }
}
