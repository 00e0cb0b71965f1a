package io.github.atomicdb;

import io.github.atomicdb.spi.KvConflictException;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.KvStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntConsumer;

/*
 * How queue commits reach the store: every queue operation is one atomic commit (crash
 * atomicity), made while holding the stripe locks of every queue it touches.
 *
 * Locks: 64 striped ReentrantLocks by queue pk; a commit touching several queues (a push naming
 * several, dead-lettering, redrive, import) takes their stripes in ascending index order, so
 * commits never deadlock.
 *
 * Single-writer store (KvStore.singleWriter(): RocksDB, memory): the locks serialize every writer
 * of a queue's records, so a commit reads the committed state with plain reads and writes one
 * plain KvStore.write batch, with the queue's counters taken from QueueHints (loaded once; the
 * stored record is marked held by the first commit that changes the queue, and written back at
 * close) instead of a validated read, and entry records written a moment ago taken from
 * QueueHints.Records instead of read back. Nothing can conflict, so nothing is retried. A failed
 * write forgets the hints of the queues it touched and the records it wrote.
 * Group commit: a commit of one queue (push, pull without dead-lettering, acknowledge, release,
 * extend) joins a per-stripe list and then tries the stripe lock; the thread that gets it (the
 * leader) runs every commit of the list (up to MAX_GROUP at a time), in list order, as one batch,
 * until its own is made, so concurrent producers and consumers of one queue share one write (and
 * one fsync with syncWrites). The others park: the leader wakes each thread whose commit it made,
 * and after releasing the lock (any holder of a stripe lock does) wakes the first thread still
 * waiting in the list, which leads next. If another thread took the lock meanwhile, what the woken
 * one does depends on the store. On a store that syncs its writes (KvStore.syncsWrites(),
 * RocksDB with syncWrites(true)) it parks again: the lock's holder serves the list, or wakes the
 * first waiting thread when it lets go. Queueing for the lock there meant sitting out the fsync
 * of the commit that served it and then taking the lock only to let it go, and four synced
 * producers on one queue got no more done than one (jmh DurabilityBench). On a store that does
 * not sync, a commit takes about as long as a wake-up, and parking again cost more wake-ups than it
 * saved (4 consumers of one queue: about 0.7x of queueing, QueueBench cycle4Consumers), so the
 * woken thread queues for the lock and leads unless it was served meanwhile. Either way a commit
 * that finds the list empty and the lock free is made
 * at once, without the list. Each body sees the writes of the bodies before it
 * (QueueAccess.Batch reads its pending writes; the ready window merges the ready keys they added),
 * exactly as if they had committed one after the other. A group whose batch fails, or one of
 * whose bodies throws, is committed again body by body, so each gets its own outcome.
 *
 * Shared store (other processes write it too): each commit is an optimistic transaction that
 * reads every record it depends on with getForUpdate (the counters included) and trusts nothing
 * kept in memory; the locks only avoid pointless conflicts inside this JVM. A conflict is retried
 * with randomized exponential backoff (50 us doubling to 50 ms) until a deadline, then reported
 * as AtomicDbException.
 */
final class QueueCommitter {
  static final int STRIPES = 64;
  /** Most commits made in one group. */
  private static final int MAX_GROUP = 256;
  private static final long FIRST_BACKOFF_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final KvStore kv;
  private final Clock clock;
  private final QueueWaiters waiters;
  /** Null on a shared store. */
  private final QueueHints hints;

  private final long retryNanos;
  private final Listeners listeners;
  /** Whether a waiting thread parks until served instead of queueing for the lock (see header). */
  private final boolean parkUntilServed;
  private final ReentrantLock[] locks = new ReentrantLock[STRIPES];
  private final List<ConcurrentLinkedQueue<Request>> groups = new ArrayList<>(STRIPES);

  QueueCommitter(KvStore kv, Clock clock, QueueWaiters waiters, Duration retryDeadline,
      Listeners listeners) {
    this.listeners = listeners;
    this.kv = kv;
    this.clock = clock;
    this.waiters = waiters;
    this.hints = kv.singleWriter() ? new QueueHints(kv) : null;
    this.parkUntilServed = kv.syncsWrites();
    this.retryNanos = retryDeadline.toNanos();
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new ReentrantLock();
      groups.add(new ConcurrentLinkedQueue<>());
    }
  }

  static int stripe(String pk) {
    int h = pk.hashCode();
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }

  /** Whether commits use the single-writer path. */
  boolean singleWriter() {
    return hints != null;
  }

  /** The longest time a commit on a shared store retries conflicts. */
  Duration retryDeadline() {
    return Duration.ofNanos(retryNanos);
  }

  /** Runs {@code body} as one commit over the queues {@code pks}, holding their locks. */
  <T> T commit(Collection<String> pks, Function<QueueOp, T> body) {
    int[] stripes = pks.stream().mapToInt(QueueCommitter::stripe).distinct().sorted().toArray();
    int locked = 0;
    try {
      for (int s : stripes) {
        locks[s].lock();
        locked++;
      }
      return hints != null ? commitBatch(body) : commitTransaction(body);
    } finally {
      for (int i = locked - 1; i >= 0; i--) {
        locks[stripes[i]].unlock();
        handOver(stripes[i]);
      }
    }
  }

  /** Runs {@code body} as a commit of queue {@code pk}, never grouped with others. */
  <T> T commitAlone(String pk, Function<QueueOp, T> body) {
    int s = stripe(pk);
    locks[s].lock();
    try {
      return hints != null ? commitBatch(body) : commitTransaction(body);
    } finally {
      locks[s].unlock();
      handOver(s);
    }
  }

  /**
   * Runs {@code body} as a commit of queue {@code pk} alone; on a single-writer store possibly in
   * one batch with concurrent commits of the same stripe (see the group commit above).
   */
  @SuppressWarnings("unchecked")
  <T> T commit(String pk, Function<QueueOp, T> body) {
    if (hints == null) {
      ReentrantLock lock = locks[stripe(pk)];
      lock.lock();
      try {
        return commitTransaction(body);
      } finally {
        lock.unlock();
      }
    }
    int s = stripe(pk);
    ConcurrentLinkedQueue<Request> pending = groups.get(s);
    ReentrantLock lock = locks[s];
    if (pending.isEmpty() && lock.tryLock()) {
      // Nobody waits: commit alone, without the group's bookkeeping.
      try {
        return commitBatch(body);
      } finally {
        lock.unlock();
        handOver(s);
      }
    }
    Request mine = new Request(body);
    pending.add(mine);
    boolean leading = lock.tryLock() || awaitTurn(mine, lock);
    if (leading) {
      try {
        while (!mine.done) {
          List<Request> group = new ArrayList<>();
          for (Request r; group.size() < MAX_GROUP && (r = pending.poll()) != null; ) {
            group.add(r);
          }
          commitGroup(group);
        }
      } finally {
        lock.unlock();
      }
      handOver(s);
    }
    // done (volatile) was written after result and error.
    if (mine.error instanceof RuntimeException e) {
      throw e;
    }
    if (mine.error instanceof Error e) {
      throw e;
    }
    return (T) mine.result;
  }

  /**
   * After {@code mine} was listed and the lock was taken: waits until another thread's group has
   * made it (false) or this thread holds {@code lock} and leads (true).
   *
   * <p>Another thread leads. It wakes this one when it has made this commit; otherwise the thread
   * that next releases the lock wakes the first one still waiting. Both wake only a thread that
   * says it waits, so that no thread is left with a stale wake-up (which would send it to queue
   * for the lock next time instead of parking). "waiting" is written before "done" and the lock
   * are read again here, and read after they were written there, so one side always sees the
   * other. Woken and not served (or woken spuriously), this one leads if it can take the lock;
   * otherwise, on a store that syncs, it parks again, and on one that does not, it queues for the
   * lock (see the header).
   */
  private boolean awaitTurn(Request mine, ReentrantLock lock) {
    mine.waiting = true;
    if (!parkUntilServed) {
      if (mine.done) {
        return false;
      }
      if (lock.tryLock()) {
        return true;
      }
      LockSupport.park(this);
      if (mine.done) {
        return false;
      }
      lock.lock();
      return true;
    }
    boolean interrupted = false;
    try {
      while (!mine.done) {
        if (lock.tryLock()) {
          return true;
        }
        LockSupport.park(this);
        // An interrupt would end every park at once: keep it for the caller instead.
        interrupted |= Thread.interrupted();
      }
      return false;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ------------------------------------------------------------------ single writer

  private <T> T commitBatch(Function<QueueOp, T> body) {
    QueueAccess.Batch io = new QueueAccess.Batch(kv);
    QueueOp op = new QueueOp(io, clock.millis(), hints);
    T result = body.apply(op);
    op.finish();
    List<KvOp> ops = io.ops();
    if (!ops.isEmpty()) {
      try {
        kv.write(ops);
      } catch (RuntimeException | Error e) {
        for (QueueOp.State s : op.states()) {
          hints.forget(s.q.pk());
        }
        op.forgetWritten();
        throw e;
      }
    }
    op.keepWritten();
    List<KvOp> evicted = null;
    for (QueueOp.State s : op.states()) {
      List<KvOp> back = hints.put(s.q.pk(), s.hint());
      if (!back.isEmpty()) {
        evicted = evicted == null ? new ArrayList<>() : evicted;
        evicted.addAll(back);
      }
    }
    if (evicted != null) {
      writeBack(evicted);
    }
    op.logDamaged();
    waiters.signal(op.wake);
    report(op);
    return result;
  }

  /**
   * Writes the plain counters of queues whose hints were dropped from memory. If that fails the
   * records stay held, which costs a recount when next loaded and loses nothing.
   */
  private void writeBack(List<KvOp> counters) {
    try {
      kv.write(counters);
    } catch (RuntimeException e) {
      // the held records stay: the next load of those queues counts them
    }
  }

  /**
   * Writes back the counters of every queue this process holds (QueueHints), stripe by stripe
   * under each stripe's lock, so that the next open reads them instead of counting the queues.
   * Called when the store closes; commits made after it hold their queues again (and leave them
   * to be counted at the next open), which is safe.
   */
  void releaseHeldCounters() {
    eachStripe(s -> {
      List<KvOp> back = hints.release(s);
      if (!back.isEmpty()) {
        writeBack(back);
      }
    });
  }

  /** Forgets every entry record kept in memory (tests that change stored records behind the engine). */
  void forgetRecords() {
    eachStripe(s -> hints.recordsOf(s).clear());
  }

  /** Single-writer store only (else nothing): runs {@code step} for each stripe under its lock. */
  private void eachStripe(IntConsumer step) {
    if (hints == null) {
      return;
    }
    for (int s = 0; s < STRIPES; s++) {
      locks[s].lock();
      try {
        step.accept(s);
      } finally {
        locks[s].unlock();
        handOver(s);
      }
    }
  }

  /** A commit of one queue waiting to be made, alone or with others of its stripe. */
  private static final class Request {
    final Function<QueueOp, ?> body;
    final Thread thread = Thread.currentThread();
    Object result;
    Throwable error;
    /** Written last by the thread that made the commit: publishes result and error. */
    volatile boolean done;
    /** Set by the requesting thread before it may park: wake it (see commit). */
    volatile boolean waiting;

    Request(Function<QueueOp, ?> body) {
      this.body = body;
    }
  }

  /** Commits {@code body} (pushes to queue {@code pk} only); see {@link #commit(String, Function)}. */
  void push(String pk, Consumer<QueueOp> body) {
    commit(pk, op -> {
      body.accept(op);
      return null;
    });
  }

  /** Commits of {@code pk}'s stripe waiting to be made in a group. */
  int pendingPushes(String pk) {
    return groups.get(stripe(pk)).size();
  }

  private void commitGroup(List<Request> group) {
    try {
      commitBatch(op -> {
        for (Request r : group) {
          r.result = r.body.apply(op);
        }
        return null;
      });
    } catch (RuntimeException | Error e) {
      if (group.size() == 1) {
        group.get(0).result = null;
        group.get(0).error = e;
      } else {
        for (Request r : group) {
          try {
            r.result = commitBatch(r.body);
          } catch (RuntimeException | Error one) {
            r.result = null;
            r.error = one;
          }
        }
      }
    }
    Thread me = Thread.currentThread();
    for (Request r : group) {
      r.done = true;
      if (r.thread != me && r.waiting) {
        LockSupport.unpark(r.thread);
      }
    }
  }

  /**
   * After stripe {@code s}'s lock was released: wakes the thread of the first commit waiting in
   * its group list, which takes the lock and commits the list (it may be parked, waiting for a
   * leader that will not come).
   */
  private void handOver(int s) {
    Request next = groups.get(s).peek();
    if (next != null && next.waiting) {
      LockSupport.unpark(next.thread);
    }
  }

  /** Tells the store's listeners, if any, what the commit {@code op} did. */
  private void report(QueueOp op) {
    StoreListener l = listeners.current();
    if (l == null) {
      return;
    }
    for (QueueOp.State s : op.states()) {
      String pk = s.q.pk();
      Listeners.queueEvents(l, pk, StoreListener.QueueEvent.PUSHED, s.pushed);
      Listeners.queueEvents(l, pk, StoreListener.QueueEvent.PULLED, s.pulled);
      Listeners.queueEvents(l, pk, StoreListener.QueueEvent.ACKNOWLEDGED, s.acknowledged);
      Listeners.queueEvents(l, pk, StoreListener.QueueEvent.TIMED_OUT, s.timedOut);
      Listeners.queueEvents(l, pk, StoreListener.QueueEvent.DEAD_LETTERED, s.deadLettered);
    }
  }

  // ------------------------------------------------------------------ shared

  private <T> T commitTransaction(Function<QueueOp, T> body) {
    long deadline = System.nanoTime() + retryNanos;
    long backoff = FIRST_BACKOFF_NANOS;
    for (int attempt = 1; ; attempt++) {
      QueueOp[] committed = new QueueOp[1];
      try {
        T result = kv.transact(t -> {
          QueueOp op = new QueueOp(new QueueAccess.Txn(t), clock.millis(), null);
          T r = body.apply(op);
          op.finish();
          committed[0] = op;
          return r;
        });
        committed[0].logDamaged();
        waiters.signal(committed[0].wake);
        report(committed[0]);
        return result;
      } catch (KvConflictException e) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AtomicDbException("a queue commit kept conflicting with other writers of the"
              + " store for " + TimeUnit.NANOSECONDS.toMillis(retryNanos) + " ms (" + attempt
              + " attempts) and was given up; nothing of it was written. Retry later, or spread"
              + " the work over more queues", e);
        }
        if (Thread.currentThread().isInterrupted()) {
          throw new AtomicDbException("interrupted while retrying a conflicting queue commit;"
              + " nothing of it was written", e);
        }
        long sleep = ThreadLocalRandom.current().nextLong(backoff / 2, backoff + 1);
        LockSupport.parkNanos(Math.min(sleep, left));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
      }
    }
  }
}
