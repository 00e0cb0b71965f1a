package io.github.atomicdb;

import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/*
 * Long polling. A waiting pull remembers its stripe's version, looks, and if it found nothing
 * sleeps (holding no lock) on the stripe's monitor until a commit that made an entry of the
 * stripe available bumps the version, or until its sleep ends (the caller bounds it by the next
 * due time and by one second), then looks again. Stripes are QueueCommitter's: a queue's waiters
 * and its lock share the index.
 */
final class QueueWaiters {
  private final AtomicLong[] versions = new AtomicLong[QueueCommitter.STRIPES];
  /** Waiting pulls sleep on these; held only briefly, never while taking another lock. */
  private final Object[] monitors = new Object[QueueCommitter.STRIPES];

  QueueWaiters() {
    for (int i = 0; i < versions.length; i++) {
      versions[i] = new AtomicLong();
      monitors[i] = new Object();
    }
  }

  /** The version a pull reads before it looks. */
  long version(String pk) {
    return versions[QueueCommitter.stripe(pk)].get();
  }

  /** After a commit that made an entry of each of {@code pks} available. */
  void signal(Collection<String> pks) {
    for (String pk : pks) {
      wake(QueueCommitter.stripe(pk));
    }
  }

  void wakeAll() {
    for (int s = 0; s < versions.length; s++) {
      wake(s);
    }
  }

  private void wake(int s) {
    versions[s].incrementAndGet();
    synchronized (monitors[s]) {
      monitors[s].notifyAll();
    }
  }

  /**
   * Sleeps up to {@code nanos} unless the version of {@code pk}'s stripe moved past {@code seen}.
   *
   * @return false if the thread was interrupted (its flag is set again)
   */
  boolean await(String pk, long seen, long nanos) {
    int s = QueueCommitter.stripe(pk);
    synchronized (monitors[s]) {
      if (versions[s].get() == seen) {
        try {
          TimeUnit.NANOSECONDS.timedWait(monitors[s], nanos);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return true;
  }
}
