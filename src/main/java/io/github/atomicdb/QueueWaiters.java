package io.github.atomicdb;

import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.QueueLayout;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.KvWatch;
import io.github.atomicdb.spi.Space;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/*
 * Long polling. A waiting pull remembers its stripe's version, looks, and if it found nothing
 * sleeps (holding no lock) on the stripe's monitor until a commit that made an entry of the
 * stripe available bumps the version, or until its sleep ends (the caller bounds it by the next
 * due time and by maxSleepNanos()), then looks again. Stripes are QueueCommitter's: a queue's
 * waiters and its lock share the index.
 *
 * Commits of this process signal the stripes they touched. On a store other processes write
 * too (not singleWriter), their commits are seen through the store's watch, when it has one: one
 * watch per store on the queue index space, opened by the first pull that waits and kept until
 * close. A put of a ready key (an entry became available) or of a timed key (an entry was
 * pulled, delayed or nacked: a due time the waiter may not know yet) wakes the stripe of its
 * queue, and the waiter looks again. While the watch is live, the timer is only a safety net
 * (WATCHED_POLL_NANOS); without one (no watch, or it broke), waiters look again every second.
 * A pull that opens the watch looks again at once instead of sleeping: anything committed before
 * the watch began is found by that look, anything after is notified.
 */
final class QueueWaiters {
  /** Longest sleep of a waiting pull before it looks again, when no watch covers other writers. */
  static final long POLL_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** Longest sleep while the store's watch is live: a safety net only. */
  static final long WATCHED_POLL_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** How long after a failed attempt to open the watch the next one may be made. */
  private static final long WATCH_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final AtomicLong[] versions = new AtomicLong[QueueCommitter.STRIPES];
  /** Waiting pulls sleep on these; held only briefly, never while taking another lock. */
  private final Object[] monitors = new Object[QueueCommitter.STRIPES];
  /** The store to watch, or null when every commit passes through this process. */
  private final KvStore shared;
  private final Object watchLock = new Object();
  /** Guarded by watchLock. */
  private Subscription subscription;
  /** Guarded by watchLock: the store has no watch; never ask again. */
  private boolean unsupported;
  /** Guarded by watchLock: System.nanoTime() of the last failed attempt, or 0. */
  private long failedAt;
  private volatile boolean watching;
  private volatile boolean closed;

  /** Waiters over {@code kv}: it is watched for other writers' commits unless it is singleWriter. */
  QueueWaiters(KvStore kv) {
    this.shared = kv == null || kv.singleWriter() ? null : kv;
    for (int i = 0; i < versions.length; i++) {
      versions[i] = new AtomicLong();
      monitors[i] = new Object();
    }
  }

  /** The version a pull reads before it looks. */
  long version(String pk) {
    return versions[QueueCommitter.stripe(pk)].get();
  }

  /** The longest a waiting pull may sleep before it looks again. */
  long maxSleepNanos() {
    return watching ? WATCHED_POLL_NANOS : POLL_NANOS;
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
   * On a shared store, the first call opens the watch and returns at once (the caller looks
   * again).
   *
   * @return false if the thread was interrupted (its flag is set again)
   */
  boolean await(String pk, long seen, long nanos) {
    if (shared != null && !watching && startWatch()) {
      return true;
    }
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

  /**
   * Opens the store's watch unless it is open, unsupported, or failed less than a second ago.
   * An error opening it is not the pull's: the pull goes on polling.
   *
   * @return true if this call opened it
   */
  private boolean startWatch() {
    synchronized (watchLock) {
      if (closed || watching || unsupported
          || (failedAt != 0 && System.nanoTime() - failedAt < WATCH_RETRY_NANOS)) {
        return false;
      }
      Subscription sub = new Subscription();
      Optional<KvWatch> w;
      try {
        w = shared.watch(Space.QINDEX, new byte[0], sub);
      } catch (RuntimeException e) {
        failedAt = System.nanoTime();
        return false;
      }
      if (w.isEmpty()) {
        unsupported = true;
        return false;
      }
      sub.watch = w.get();
      if (sub.lost) {
        sub.watch.close();
        failedAt = System.nanoTime();
        return false;
      }
      subscription = sub;
      watching = true;
      return true;
    }
  }

  /** Ends the watch and wakes every waiter. */
  void close() {
    closed = true;
    synchronized (watchLock) {
      watching = false;
      if (subscription != null) {
        subscription.watch.close();
        subscription = null;
      }
    }
    wakeAll();
  }

  /** The listener of one watch. */
  private final class Subscription implements KvWatch.Listener {
    /** Guarded by watchLock. */
    KvWatch watch;
    /** Guarded by watchLock. */
    boolean lost;

    @Override
    public void put(byte[] key) {
      if (key.length < 2 || (key[0] != QueueLayout.READY_TAG && key[0] != QueueLayout.TIMED_TAG)) {
        return; // counters: every commit that changes them also puts an index key, or frees none
      }
      String pk;
      try {
        pk = KeyCodec.decode(key, 1).pk();
      } catch (RuntimeException e) {
        wakeAll(); // not a key this version writes: whoever waits looks again
        return;
      }
      wake(QueueCommitter.stripe(pk));
    }

    @Override
    public void lost() {
      synchronized (watchLock) {
        lost = true;
        if (subscription == this) {
          subscription = null;
          watching = false;
          failedAt = System.nanoTime();
        }
      }
      wakeAll();
    }
  }
}
