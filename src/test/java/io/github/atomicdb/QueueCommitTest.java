package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.contract.TestClock;
import io.github.atomicdb.internal.MemoryKv;
import io.github.atomicdb.internal.ValueCodec;
import io.github.atomicdb.spi.KvConflictException;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.KvTxn;
import io.github.atomicdb.spi.Space;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * How queue operations reach the store: one plain write batch each on a single-writer store, a
 * validated transaction each on a shared one (retried with backoff until a deadline), and
 * concurrent pushes of one queue grouped into one batch.
 */
class QueueCommitTest {
  /** A KvStore over MemoryKv that counts commits and can make transactions conflict. */
  static final class Probe extends ForwardingKv {
    final boolean single;
    /** What {@link #syncsWrites()} says (a store that syncs parks waiting group members until served). */
    boolean syncs;
    final AtomicInteger writes = new AtomicInteger();
    final AtomicInteger transactions = new AtomicInteger();
    /** Conflict every transaction while this says so. */
    volatile Supplier<Boolean> conflict = () -> false;
    /** Where each scan of QINDEX started. */
    final List<byte[]> indexScans = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Runs before each write. */
    volatile Runnable beforeWrite = () -> {};
    /** A write whose ops this accepts fails (as a backend refusing it would). */
    volatile java.util.function.Predicate<List<KvOp>> refuse = ops -> false;

    Probe(boolean single) {
      super(new MemoryKv());
      this.single = single;
    }

    @Override
    public boolean singleWriter() {
      return single;
    }

    @Override
    public boolean syncsWrites() {
      return syncs;
    }

    @Override
    public KvCursor scan(Space space, byte[] from, byte[] to, boolean reverse, int limitHint) {
      if (space == Space.QINDEX) {
        indexScans.add(from);
      }
      return inner.scan(space, from, to, reverse, limitHint);
    }

    @Override
    public void write(List<KvOp> ops) {
      beforeWrite.run();
      if (refuse.test(ops)) {
        throw new IllegalStateException("the test's backend refuses this write");
      }
      writes.incrementAndGet();
      inner.write(ops);
    }

    @Override
    public <T> T transact(Function<KvTxn, T> body) {
      transactions.incrementAndGet();
      if (conflict.get()) {
        throw new KvConflictException("test conflict", null);
      }
      return inner.transact(body);
    }
  }

  /** Holds the first write of {@code kv} (made after this is built) until {@link #release} opens. */
  static final class FirstWriteGate {
    final CountDownLatch started = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    FirstWriteGate(Probe kv) {
      AtomicInteger calls = new AtomicInteger();
      kv.beforeWrite = () -> {
        if (calls.incrementAndGet() == 1) {
          started.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            throw new AssertionError(e);
          }
        }
      };
    }
  }

  private final TestClock clock = new TestClock();
  private final AtomicLong ids = new AtomicLong();

  private QueueEngine engine(KvStore kv, Duration retryDeadline) {
    return new QueueEngine(kv, clock, new ValueCodec(Map.of()),
        () -> String.format("%026d", ids.incrementAndGet()), retryDeadline);
  }

  private static void cycle(QueueEngine q) {
    q.push(List.of(QueueItemInput.of("jobs", "data")));
    QueueItem got = q.pull(QueuePullOptions.of("jobs"), 1).get(0);
    assertTrue(q.acknowledge(got.key(), got.receipt()));
  }

  @Test
  void onASingleWriterStoreEachOperationIsOnePlainBatch() {
    Probe kv = new Probe(true);
    QueueEngine q = engine(kv, QueueEngine.RETRY_DEADLINE);
    cycle(q);
    cycle(q);
    assertEquals(0, kv.transactions.get(), "no transaction");
    assertEquals(6, kv.writes.get(), "push, pull and ack: one write each");
    assertEquals(new QueueStats(0, 0, 0, 0), q.stats("jobs"));
    assertEquals(6, kv.writes.get(), "stats writes nothing");
  }

  @Test
  void onASingleWriterStorePullsStartPastTheKeysEarlierPullsAndAcksDeleted() {
    // On an LSM store deleted keys stay as tombstones until compaction; a scan from the front of
    // the queue's indexes would step over every entry ever consumed.
    Probe kv = new Probe(true);
    QueueEngine q = engine(kv, QueueEngine.RETRY_DEADLINE);
    byte[] part = io.github.atomicdb.internal.QueueLayout.part("jobs");
    String previous = null;
    for (int i = 0; i < 50; i++) {
      q.push(List.of(QueueItemInput.of("jobs", "data")));
      kv.indexScans.clear();
      QueueItem got = q.pull(QueuePullOptions.of("jobs"), 1).get(0);
      assertTrue(kv.indexScans.size() <= 1, "at most one scan (the ready index); the timed index holds nothing due");
      if (previous != null && !kv.indexScans.isEmpty()) {
        byte[] floor = io.github.atomicdb.internal.QueueLayout.readyKey(part,
            previous.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(java.util.Arrays.compareUnsigned(kv.indexScans.get(0), floor) >= 0,
            "pull " + i + " scans from the last consumed key on, not from the front");
      }
      assertTrue(q.acknowledge(got.key(), got.receipt()));
      previous = got.sk();
    }
    // A delivery that times out is still found: the hints know the earliest deadline.
    q.push(List.of(QueueItemInput.of("jobs", "late")));
    QueueItem late = q.pull(QueuePullOptions.of("jobs").withTtlSeconds(10), 1).get(0);
    assertTrue(q.pull(QueuePullOptions.of("jobs"), 1).isEmpty());
    clock.advanceSeconds(10);
    assertEquals(late.sk(), q.pull(QueuePullOptions.of("jobs"), 1).get(0).sk());
  }

  @Test
  void onASingleWriterStorePullsReadTheReadyIndexOncePerWindowNotOncePerPull() {
    Probe kv = new Probe(true);
    QueueEngine q = engine(kv, QueueEngine.RETRY_DEADLINE);
    int backlog = 20 * QueueHints.REFILL;
    List<QueueItemInput> in = new ArrayList<>();
    for (int i = 0; i < backlog; i++) {
      in.add(QueueItemInput.of("jobs", i));
    }
    q.push(in);
    kv.indexScans.clear();
    for (int i = 0; i < backlog; i++) {
      // one more behind the backlog each time, as a steady producer would
      q.push(List.of(QueueItemInput.of("jobs", backlog + i)));
      QueueItem got = q.pull(QueuePullOptions.of("jobs"), 1).get(0);
      assertEquals(i, (int) got.data(Integer.class), "FIFO");
      assertTrue(q.acknowledge(got.key(), got.receipt()));
    }
    assertTrue(kv.indexScans.size() <= backlog / QueueHints.REFILL + 1,
        kv.indexScans.size() + " scans of the index for " + backlog + " pulls");
    for (int i = 0; i < backlog; i++) {
      assertEquals(backlog + i, (int) q.pull(QueuePullOptions.of("jobs"), 1).get(0).data(Integer.class));
    }
    assertTrue(q.pull(QueuePullOptions.of("jobs"), 1).isEmpty());
  }

  @Test
  void aPullThatPromotesMoreThanTheReadyWindowHoldsDeliversThemAllInOrder() {
    Probe kv = new Probe(true);
    QueueEngine q = engine(kv, QueueEngine.RETRY_DEADLINE);
    int n = 3 * QueueHints.MAX_WINDOW;
    List<QueueItemInput> in = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      in.add(QueueItemInput.of("jobs", i));
    }
    q.push(in);
    assertEquals(n, q.pull(QueuePullOptions.of("jobs").withTtlSeconds(10), n).size());
    q.push(List.of(QueueItemInput.of("jobs", n), QueueItemInput.of("jobs", n + 1)));
    clock.advanceSeconds(10);
    // One commit promotes all n timed-out deliveries (below the two ready entries) and takes them
    // past the window's capacity.
    List<QueueItem> again = q.pull(QueuePullOptions.of("jobs"), 2 * n);
    assertEquals(n + 2, again.size());
    for (int i = 0; i < n + 2; i++) {
      assertEquals(i, (int) again.get(i).data(Integer.class));
    }
  }

  @Test
  void onASharedStoreEachOperationIsOneValidatedTransaction() {
    Probe kv = new Probe(false);
    QueueEngine q = engine(kv, QueueEngine.RETRY_DEADLINE);
    cycle(q);
    assertEquals(0, kv.writes.get(), "no unvalidated write");
    assertEquals(3, kv.transactions.get());
  }

  @Test
  void conflictsAreRetriedWithBackoffUntilTheyClear() {
    Probe kv = new Probe(false);
    QueueEngine q = engine(kv, QueueEngine.RETRY_DEADLINE);
    // Conflicts for a while (as under another process's burst of commits): a commit that spun
    // through its retries at once would give up long before they clear.
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
    kv.conflict = () -> System.nanoTime() < until;
    q.push(List.of(QueueItemInput.of("jobs", "a", "data")));
    assertTrue(kv.transactions.get() > 1, "retried");
    assertTrue(kv.transactions.get() < 1000, "backed off, made " + kv.transactions.get() + " attempts");
    kv.conflict = () -> false;
    assertEquals(new QueueStats(1, 0, 0, 0), q.stats("jobs"));
  }

  @Test
  void conflictsPastTheDeadlineEndWithAClearErrorAndNothingWritten() {
    Probe kv = new Probe(false);
    QueueEngine q = engine(kv, Duration.ofMillis(100));
    kv.conflict = () -> true;
    AtomicDbException e = assertThrows(AtomicDbException.class,
        () -> q.push(List.of(QueueItemInput.of("jobs", "a", "data"))));
    assertTrue(e.getMessage().contains("kept conflicting"), e.getMessage());
    assertTrue(e.getMessage().contains("nothing of it was written"), e.getMessage());
    assertTrue(e.getCause() instanceof KvConflictException);
    kv.conflict = () -> false;
    assertEquals(new QueueStats(0, 0, 0, 0), q.stats("jobs"));
  }

  @Test
  void concurrentPushesToOneQueueShareOneBatch() throws Exception {
    Probe kv = new Probe(true);
    QueueEngine q = engine(kv, QueueEngine.RETRY_DEADLINE);
    FirstWriteGate gate = new FirstWriteGate(kv);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> fs = new ArrayList<>();
      fs.add(pool.submit(() -> q.push(List.of(QueueItemInput.of("jobs", "0", 0)))));
      assertTrue(gate.started.await(30, TimeUnit.SECONDS));
      // The first push holds the queue's lock in its write; three more arrive meanwhile.
      for (int i = 1; i <= 3; i++) {
        int n = i;
        fs.add(pool.submit(() -> q.push(List.of(QueueItemInput.of("jobs", String.valueOf(n), n)))));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (q.pendingPushes("jobs") < 3 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertEquals(3, q.pendingPushes("jobs"));
      gate.release.countDown();
      for (Future<?> f : fs) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(2, kv.writes.get(), "the three waiting pushes were committed in one batch");
    List<String> sks = new ArrayList<>();
    for (QueueItem qi : q.pull(QueuePullOptions.of("jobs"), 10)) {
      sks.add(qi.sk());
    }
    assertEquals(List.of("0", "1", "2", "3"), sks);
  }

  @Test
  void aThreadWaitingForItsGroupWithItsInterruptSetParksAndKeepsTheInterrupt() throws Exception {
    Probe kv = new Probe(true);
    kv.syncs = true; // waiting threads park until served (no queueing for the lock)
    QueueEngine q = engine(kv, QueueEngine.RETRY_DEADLINE);
    FirstWriteGate gate = new FirstWriteGate(kv);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> first = pool.submit(() -> q.push(List.of(QueueItemInput.of("jobs", "0", 0))));
      assertTrue(gate.started.await(30, TimeUnit.SECONDS));
      java.util.concurrent.atomic.AtomicReference<Thread> waiter =
          new java.util.concurrent.atomic.AtomicReference<>();
      Future<Boolean> second = pool.submit(() -> {
        waiter.set(Thread.currentThread());
        Thread.currentThread().interrupt();
        q.push(List.of(QueueItemInput.of("jobs", "1", 1)));
        return Thread.interrupted();
      });
      // The first push holds the queue's lock in its write. The second thread waits for it with
      // its interrupt set: it must park (WAITING), not spin on a park the interrupt ends at once.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while ((waiter.get() == null || waiter.get().getState() != Thread.State.WAITING)
          && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      // And stays parked: a thread spinning through parks that return at once shows WAITING
      // only for moments, so one sample could pass; a hundred in a row cannot.
      for (int i = 0; i < 100; i++) {
        assertEquals(Thread.State.WAITING, waiter.get().getState(),
            "the waiting thread stays parked although its interrupt is set (sample " + i + ")");
        Thread.sleep(1);
      }
      assertEquals(1, q.pendingPushes("jobs"));
      gate.release.countDown();
      first.get(30, TimeUnit.SECONDS);
      assertTrue(second.get(30, TimeUnit.SECONDS), "the push kept its caller's interrupt");
    } finally {
      pool.shutdownNow();
    }
    List<String> sks = new ArrayList<>();
    for (QueueItem qi : q.pull(QueuePullOptions.of("jobs"), 10)) {
      sks.add(qi.sk());
    }
    assertEquals(List.of("0", "1"), sks);
  }

  @Test
  void concurrentPullsAndAcksOfOneQueueShareOneBatch() throws Exception {
    Probe kv = new Probe(true);
    QueueEngine q = engine(kv, QueueEngine.RETRY_DEADLINE);
    q.push(List.of(QueueItemInput.of("jobs", "0", 0), QueueItemInput.of("jobs", "1", 1),
        QueueItemInput.of("jobs", "2", 2), QueueItemInput.of("jobs", "3", 3),
        QueueItemInput.of("jobs", "4", 4)));
    QueueItem held = q.pull(QueuePullOptions.of("jobs"), 1).get(0);
    assertEquals("0", held.sk());
    FirstWriteGate gate = new FirstWriteGate(kv);
    int before = kv.writes.get();
    ExecutorService pool = Executors.newFixedThreadPool(5);
    List<Future<List<QueueItem>>> pulls = new ArrayList<>();
    try {
      pulls.add(pool.submit(() -> q.pull(QueuePullOptions.of("jobs"), 1)));
      assertTrue(gate.started.await(30, TimeUnit.SECONDS));
      // The first pull holds the queue's lock in its write; three pulls and an ack arrive meanwhile.
      for (int i = 0; i < 3; i++) {
        pulls.add(pool.submit(() -> q.pull(QueuePullOptions.of("jobs"), 1)));
      }
      Future<Boolean> ack = pool.submit(() -> q.acknowledge(held.key(), held.receipt()));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (q.pendingPushes("jobs") < 4 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertEquals(4, q.pendingPushes("jobs"));
      gate.release.countDown();
      assertTrue(ack.get(30, TimeUnit.SECONDS));
      List<String> sks = new ArrayList<>();
      for (Future<List<QueueItem>> f : pulls) {
        List<QueueItem> got = f.get(30, TimeUnit.SECONDS);
        assertEquals(1, got.size());
        sks.add(got.get(0).sk());
      }
      java.util.Collections.sort(sks);
      assertEquals(List.of("1", "2", "3", "4"), sks, "each pull got its own entry");
    } finally {
      pool.shutdownNow();
    }
    assertEquals(before + 2, kv.writes.get(), "the three waiting pulls and the ack were committed in one batch");
    assertEquals(new QueueStats(0, 4, 0, 0), q.stats("jobs"));
    assertTrue(q.pull(QueuePullOptions.of("jobs"), 1).isEmpty());
  }

  @Test
  void aFailingPushInAGroupFailsAloneTheOthersCommit() throws Exception {
    Probe kv = new Probe(true);
    QueueEngine q = engine(kv, QueueEngine.RETRY_DEADLINE);
    // The backend refuses every write holding the entry "z-bad".
    byte[] key = io.github.atomicdb.internal.QueueLayout.entryKey(
        io.github.atomicdb.internal.QueueLayout.part("jobs"), "z-bad".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    kv.refuse = ops -> ops.stream().anyMatch(o -> o.space() == Space.QUEUE && java.util.Arrays.equals(o.key(), key));
    FirstWriteGate gate = new FirstWriteGate(kv);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      Future<?> first = pool.submit(() -> q.push(List.of(QueueItemInput.of("jobs", "a", 1))));
      assertTrue(gate.started.await(30, TimeUnit.SECONDS));
      Future<?> bad = pool.submit(() -> q.push(List.of(QueueItemInput.of("jobs", "z-bad", 2))));
      Future<?> good = pool.submit(() -> q.push(List.of(QueueItemInput.of("jobs", "c", 3))));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (q.pendingPushes("jobs") < 2 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      gate.release.countDown();
      first.get(30, TimeUnit.SECONDS);
      good.get(30, TimeUnit.SECONDS);
      java.util.concurrent.ExecutionException e =
          assertThrows(java.util.concurrent.ExecutionException.class, () -> bad.get(30, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
    } finally {
      pool.shutdownNow();
    }
    List<String> sks = new ArrayList<>();
    for (QueueItem qi : q.pull(QueuePullOptions.of("jobs"), 2)) {
      sks.add(qi.sk());
    }
    assertEquals(List.of("a", "c"), sks, "the pushes grouped with the failing one are in");
  }
}
