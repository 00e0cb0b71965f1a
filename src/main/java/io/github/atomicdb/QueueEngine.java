package io.github.atomicdb;

import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.QueueLayout;
import io.github.atomicdb.internal.QueueLayout.Entry;
import io.github.atomicdb.internal.ValueCodec;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.Space;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/*
 * The job queue, over the KvStore SPI. Jobs, each in its own class:
 *   QueueLayout (internal)  keys and records: entries, ready and timed index, counters
 *   QueueOp                 the entry state machine inside one commit
 *   QueueCommitter          locks, the single-writer batch path (with group commit of the
 *                           operations of one queue) and the shared transactional path (with backoff)
 *   QueueHints              per-queue counters, ready window and timed floor kept in memory
 *                           (single writer only)
 *   QueueWaiters            long polling
 *   QueueStatsReader        queueStats
 *   this class              the operations: input checks, pull, ack, release, extend, redrive
 *
 * A pull promotes due entries of the timed index (timed-out deliveries, passed delays) to the
 * ready index and takes the first ready entries by sk: O(log n + k) however many entries are in
 * flight, FIFO by sk among available entries, and an in-flight entry never blocks the others.
 * Every operation is one atomic commit. A commit promotes at most a bounded number of due
 * entries; when more are due (a mass timeout), it delivers nothing and the pull commits again
 * until every due entry is promoted, so a delivery never passes over an available entry with a
 * smaller sk. Each promotion is paid once, by the pull that first finds the entry due.
 *
 * A move (dead-lettering, redrive) never replaces an entry: onto a taken sk the moved entry gets
 * a fresh one (QueueOp.moveIn).
 */
final class QueueEngine {
  /** Most due entries a pull promotes in one commit (the rest go in the next pulls). */
  private static final int PROMOTE_CAP = 1000;
  /** Most entries redrive moves per commit. */
  private static final int REDRIVE_BATCH = 500;
  /** Largest ttl or delay in seconds (as item ttls: microseconds fit an int64). */
  static final long MAX_SECONDS = Long.MAX_VALUE / 1_000_000L;
  /** How long a commit on a shared store retries conflicts before giving up. */
  static final Duration RETRY_DEADLINE = Duration.ofSeconds(30);

  private final ValueCodec codec;
  private final Clock clock;
  private final Supplier<String> ids;
  private final QueueWaiters waiters;
  private final QueueCommitter commits;
  /** The store's listeners; queue events are reported to them by the committer. */
  final Listeners listeners = new Listeners();
  /**
   * Most entries one commit may touch on this backend: an entry moved costs up to 5 operations
   * (entry, two index keys, and the reads a shared store validates), plus 4 for counters. No
   * limit on RocksDB and memory; etcd allows 128 operations per transaction.
   */
  private final int entriesPerCommit;
  private final KvStore kv;
  /** Upper bound of an entry's record, index value and counters besides keys and data. */
  private static final int PUSH_RECORD_BYTES = 128;
  private volatile boolean closed;

  /**
   * @param ids unique, increasing ids: the sks of pushes without one, and receipts
   */
  QueueEngine(KvStore kv, Clock clock, ValueCodec codec, Supplier<String> ids) {
    this(kv, clock, codec, ids, RETRY_DEADLINE);
  }

  QueueEngine(KvStore kv, Clock clock, ValueCodec codec, Supplier<String> ids, Duration retryDeadline) {
    this.codec = Objects.requireNonNull(codec);
    this.clock = Objects.requireNonNull(clock);
    this.ids = Objects.requireNonNull(ids);
    this.waiters = new QueueWaiters(kv);
    this.kv = kv;
    this.commits = new QueueCommitter(Objects.requireNonNull(kv), clock, waiters, retryDeadline, listeners);
    int ops = kv.maxOpsPerCommit();
    this.entriesPerCommit = ops == Integer.MAX_VALUE ? Integer.MAX_VALUE : Math.max(1, (ops - 4) / 5);
  }

  /** Ends waiting pulls (they throw IllegalStateException); the store closes the KvStore. */
  void close() {
    closed = true;
    waiters.close();
    commits.releaseHeldCounters();
  }

  /**
   * Writes back the queue counters this process holds in memory (single-writer store), so that the
   * stored records are exact: at close, and before a verify.
   */
  void releaseHeldCounters() {
    commits.releaseHeldCounters();
  }

  /**
   * Forgets the entry records kept in memory (single-writer store), for tests that change stored
   * records behind the engine's back.
   */
  void forgetRecords() {
    commits.forgetRecords();
  }

  boolean singleWriterPath() {
    return commits.singleWriter();
  }

  /** Pushes of {@code pk}'s stripe waiting to be committed in a group (for tests). */
  int pendingPushes(String pk) {
    return commits.pendingPushes(pk);
  }

  static ItemKey keyOf(QueueItem delivered) {
    Objects.requireNonNull(delivered, "delivered must not be null");
    return delivered.key();
  }

  static String receiptOf(QueueItem delivered) {
    String r = delivered.receipt();
    if (r == null || r.isEmpty()) {
      throw new IllegalArgumentException(
          "delivered has no receipt: pass the QueueItem returned by queuePull, or use the"
              + " key-based method");
    }
    return r;
  }

  // ------------------------------------------------------------------ push

  void push(List<QueueItemInput> items) {
    Objects.requireNonNull(items, "items must not be null");
    if (items.isEmpty()) {
      return;
    }
    if (items.size() == 1) {
      pushOne(items.get(0));
      return;
    }
    // Validate and encode everything before the commit; generate sks in list order.
    int n = items.size();
    QueueRef[] qs = new QueueRef[n];
    byte[][] sks = new byte[n][];
    byte[][] kryos = new byte[n][];
    long[] delays = new long[n];
    Set<String> pks = new LinkedHashSet<>();
    Set<List<Object>> seen = new HashSet<>();
    for (int i = 0; i < n; i++) {
      QueueItemInput in = Objects.requireNonNull(items.get(i), "items[" + i + "] must not be null");
      qs[i] = QueueRef.of(in.pk());
      String sk = in.sk() != null ? in.sk() : ids.get();
      sks[i] = KeyCodec.checkSk(sk);
      if (n > 1 && !seen.add(List.of(in.pk(), sk))) {
        throw new IllegalArgumentException(
            "items names queue entry (pk '" + in.pk() + "', sk '" + sk + "') twice; each once");
      }
      delays[i] = delayMillis(in);
      kryos[i] = codec.encode(in.data());
      pks.add(in.pk());
    }
    checkPushSize(qs, sks, kryos, pks.size());
    if (pks.size() == 1) {
      commits.push(qs[0].pk(), op -> {
        for (int i = 0; i < n; i++) {
          op.push(qs[i], sks[i], kryos[i], delays[i], 0, op.now);
        }
      });
    } else {
      commits.commit(pks, op -> {
        for (int i = 0; i < n; i++) {
          op.push(qs[i], sks[i], kryos[i], delays[i], 0, op.now);
        }
        return null;
      });
    }
  }

  /** {@link #push(List)} of one entry: the same checks and commit, without the collections. */
  private void pushOne(QueueItemInput in) {
    Objects.requireNonNull(in, "items[0] must not be null");
    QueueRef q = QueueRef.of(in.pk());
    byte[] sk = in.sk() != null ? KeyCodec.checkSk(in.sk())
        : ids instanceof UlidIds u ? u.nextAscii() : KeyCodec.checkSk(ids.get());
    long delay = delayMillis(in);
    byte[] kryo = codec.encode(in.data());
    CommitLimits.check(kv, "queuePush", "items", 1, 4, pushBytes(q, sk, kryo));
    commits.push(q.pk(), op -> op.push(q, sk, kryo, delay, 0, op.now));
  }

  /**
   * A push is one commit: at most 3 operations per entry (the entry, its old index key, its new
   * one) and one per queue (counters); bytes: each entry's key, record and index keys and values.
   */
  private void checkPushSize(QueueRef[] qs, byte[][] sks, byte[][] kryos, int queues) {
    long bytes = 0;
    for (int i = 0; i < qs.length; i++) {
      bytes += pushBytes(qs[i], sks[i], kryos[i]);
    }
    CommitLimits.check(kv, "queuePush", "items", qs.length, 3L * qs.length + queues, bytes);
  }

  /** The entry's delay in milliseconds, checked. */
  private static long delayMillis(QueueItemInput in) {
    if (in.delaySeconds() > MAX_SECONDS) {
      throw new IllegalArgumentException(
          "delaySeconds is " + in.delaySeconds() + "; at most " + MAX_SECONDS);
    }
    return in.delaySeconds() * 1000L;
  }

  /** What the push of one entry writes, at most: its key, record and index keys and values. */
  private static long pushBytes(QueueRef q, byte[] sk, byte[] kryo) {
    return kryo.length + 4L * (q.part().length + sk.length) + PUSH_RECORD_BYTES;
  }

  // ------------------------------------------------------------------ pull

  /**
   * What one look at the queue found: entries, or else when the next one can be due; {@code
   * again}: due entries are left to promote, look again at once.
   */
  private record Pulled(List<QueueItem> items, long nextDue, boolean again) {}

  List<QueueItem> pull(QueuePullOptions o, int max) {
    Objects.requireNonNull(o, "options must not be null");
    QueueRef q = QueueRef.of(o.pk());
    QueueRef dlq = null;
    if (o.maxAttempts() > 0) {
      dlq = QueueRef.of(o.deadLetterQueueOrDefault());
      if (dlq.pk().equals(q.pk())) {
        throw new IllegalArgumentException("deadLetterQueue must differ from pk ('" + q.pk() + "')");
      }
    }
    long ttlMillis;
    try {
      ttlMillis = Math.multiplyExact(o.ttlSeconds(), 1000L);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("ttlSeconds is too large: " + o.ttlSeconds());
    }
    QueueRef dead = dlq;
    List<String> locked = dlq == null ? null : List.of(q.pk(), dlq.pk());
    Duration wait = o.waitTime();
    long waitNanos = wait.compareTo(Duration.ofDays(365)) > 0 ? Long.MAX_VALUE / 4 : wait.toNanos();
    long endNanos = System.nanoTime() + waitNanos;
    while (true) {
      long seen = waiters.version(q.pk());
      Function<QueueOp, Pulled> once = op -> pullOnce(op, q, dead, o.maxAttempts(), ttlMillis, max);
      Pulled got = dead == null ? commits.commit(q.pk(), once) : commits.commit(locked, once);
      if (got.again()) {
        continue;
      }
      long left = endNanos - System.nanoTime();
      if (!got.items().isEmpty() || left <= 0) {
        return got.items();
      }
      long sleep = Math.min(left, waiters.maxSleepNanos());
      if (got.nextDue() != Long.MAX_VALUE) {
        long untilDue = Math.max(1, got.nextDue() - clock.millis() + 1);
        sleep = Math.min(sleep, TimeUnit.MILLISECONDS.toNanos(untilDue));
      }
      if (!waiters.await(q.pk(), seen, sleep)) {
        return got.items();
      }
      if (closed) {
        throw new IllegalStateException("the store was closed while a pull waited");
      }
    }
  }

  private Pulled pullOnce(QueueOp op, QueueRef q, QueueRef dlq, int maxAttempts, long ttlMillis, int max) {
    QueueOp.State st = op.state(q);
    // 1. Due entries of the timed index become ready.
    List<byte[]> promoted = op.promoteDue(q, Math.min(PROMOTE_CAP, Math.max(1, entriesPerCommit / 2)));
    if (st.dueLeft) {
      // Some due entry is not promoted yet and may sort before every ready one: deliver nothing.
      return new Pulled(List.of(), Long.MAX_VALUE, true);
    }
    int budget = entriesPerCommit == Integer.MAX_VALUE ? Integer.MAX_VALUE
        : Math.max(1, entriesPerCommit - st.dueLooked);
    int looked = 0;
    List<QueueItem> out = new ArrayList<>();
    if (st.hinted()) {
      // 2. Single-writer store: the queue's ready window lists the lowest ready sks, this commit's
      //    promotions included, in sk order; it reads the index only when it runs empty.
      while (out.size() < max && looked < budget) {
        byte[] sk = op.firstReady(st, max - out.size());
        if (sk == null) {
          break;
        }
        looked++;
        st.readyRemoved(sk);
        take(op, q, sk, dlq, maxAttempts, ttlMillis, out);
      }
      return new Pulled(out, out.isEmpty() ? nextDue(op, q) : Long.MAX_VALUE, false);
    }
    // 2. Merge them with the ready index (as of the commit's start) in sk order.
    byte[] part = q.part();
    byte[] prefix = QueueLayout.readyPrefix(part);
    byte[] fromIndex;
    int pi = 0;
    try (KvCursor c = op.io.scan(Space.QINDEX, QueueLayout.readyKey(part, QueueHints.NO_FLOOR), KeyCodec.prefixEnd(prefix))) {
      fromIndex = c.next() ? QueueLayout.skOf(c.key(), part.length, false) : null;
      while (out.size() < max && looked < budget) {
        byte[] sk;
        byte[] fromPromoted = pi < promoted.size() ? promoted.get(pi) : null;
        if (fromIndex == null && fromPromoted == null) {
          break;
        }
        if (fromIndex == null
            || (fromPromoted != null && Arrays.compareUnsigned(fromPromoted, fromIndex) <= 0)) {
          sk = fromPromoted;
          pi++;
          if (fromIndex != null && Arrays.equals(fromIndex, sk)) {
            fromIndex = c.next() ? QueueLayout.skOf(c.key(), part.length, false) : null;
          }
        } else {
          sk = fromIndex;
          fromIndex = c.next() ? QueueLayout.skOf(c.key(), part.length, false) : null;
        }
        looked++;
        take(op, q, sk, dlq, maxAttempts, ttlMillis, out);
      }
    }
    return new Pulled(out, out.isEmpty() ? nextDue(op, q) : Long.MAX_VALUE, false);
  }

  /**
   * Delivers entry {@code sk} into {@code out} if it is ready (dead-letters it instead past
   * {@code maxAttempts}); else does nothing: it was taken in this commit already, or its index
   * record was left behind.
   */
  private void take(QueueOp op, QueueRef q, byte[] sk, QueueRef dlq, int maxAttempts, long ttlMillis,
      List<QueueItem> out) {
    Entry e = op.read(q, sk);
    if (e == null || e.state() != QueueLayout.READY) {
      return;
    }
    QueueOp.State st = op.state(q);
    if (maxAttempts > 0 && e.attempts() >= maxAttempts) {
      st.deadLettered++;
      op.remove(q, sk, e);
      op.moveIn(dlq, sk, e.kryo(), 0, e.attempts(), e.enqueuedAt(), ids);
      return;
    }
    Object data;
    try {
      data = codec.decode(e.kryo(), 0, e.kryo().length, q.at(sk));
    } catch (CorruptDataException bad) {
      op.quarantine(q, sk, e, bad.getMessage()); // intact record, data that does not decode
      return;
    }
    Entry d = new Entry(QueueLayout.IN_FLIGHT, e.attempts() + 1, Math.addExact(op.now, ttlMillis),
        e.enqueuedAt(), e.flags(), ids.get(), e.kryo());
    op.put(q, sk, e, d);
    st.pulled++;
    out.add(delivery(q, sk, d, data));
  }

  /** The earliest time in the queue's timed index (a lower bound of it), or Long.MAX_VALUE. */
  private static long nextDue(QueueOp op, QueueRef q) {
    QueueOp.State st = op.state(q);
    if (st.inFlight + st.delayed == 0) {
      return Long.MAX_VALUE;
    }
    if (st.timedNext != QueueHints.UNKNOWN) {
      return st.timedNext;
    }
    byte[] from = QueueLayout.timedPrefix(q.part());
    try (KvCursor c = op.io.scan(Space.QINDEX, from, KeyCodec.prefixEnd(from))) {
      return c.next() ? QueueLayout.timeOf(c.key(), q.part().length) : Long.MAX_VALUE;
    }
  }

  private static QueueItem delivery(QueueRef q, byte[] sk, Entry d, Object data) {
    String skStr = new String(sk, StandardCharsets.UTF_8);
    long timeoutSeconds = Math.floorDiv(d.time() + 999, 1000);
    return new QueueItem(q.pk(), skStr, data, true, timeoutSeconds, d.attempts(), d.receipt());
  }

  // ------------------------------------------------------------------ ack, release, extend

  /** Key-based when {@code receipt} is null; else only while that receipt owns the entry. */
  boolean acknowledge(ItemKey key, String receipt) {
    Objects.requireNonNull(key, "key must not be null");
    QueueRef q = QueueRef.of(key.pk());
    byte[] sk = KeyCodec.checkSk(key.sk());
    return commits.commit(q.pk(), op -> {
      Entry e = receipt == null ? op.readOrDrop(q, sk) : op.read(q, sk);
      if (e == null && receipt == null) {
        op.deleteQuarantined(q, sk);
        return true;
      }
      if (e == null || (receipt != null && !owns(e, receipt))) {
        return false;
      }
      op.state(q).acknowledged++;
      if (e.redeliver()) {
        op.put(q, sk, e, op.readyAgain(e, ""));
      } else {
        op.remove(q, sk, e);
      }
      return true;
    });
  }

  private static boolean owns(Entry e, String receipt) {
    return e.state() != QueueLayout.DELAYED && receipt.equals(e.receipt());
  }

  boolean release(ItemKey key, String receipt) {
    Objects.requireNonNull(key, "key must not be null");
    QueueRef q = QueueRef.of(key.pk());
    byte[] sk = KeyCodec.checkSk(key.sk());
    return commits.commit(q.pk(), op -> {
      Entry e = op.read(q, sk);
      if (e == null) {
        if (receipt != null || op.setAside(q, sk)) {
          return false; // a damaged entry was moved to quarantine instead
        }
        throw new IllegalArgumentException(
            "no queue entry at (pk '" + key.pk() + "', sk '" + key.sk() + "') to release");
      }
      if (receipt != null && !owns(e, receipt)) {
        return false;
      }
      op.put(q, sk, e, op.readyAgain(e, ""));
      return true;
    });
  }

  boolean extend(QueueItem delivered, long ttlSeconds) {
    ItemKey key = keyOf(delivered);
    String receipt = receiptOf(delivered);
    if (ttlSeconds < 1 || ttlSeconds > MAX_SECONDS) {
      throw new IllegalArgumentException(
          "ttlSeconds must be between 1 and " + MAX_SECONDS + ", was " + ttlSeconds);
    }
    QueueRef q = QueueRef.of(key.pk());
    byte[] sk = KeyCodec.checkSk(key.sk());
    return commits.commit(q.pk(), op -> {
      Entry e = op.read(q, sk);
      if (e == null || !owns(e, receipt)) {
        return false;
      }
      Entry d = new Entry(QueueLayout.IN_FLIGHT, e.attempts(), op.now + ttlSeconds * 1000L,
          e.enqueuedAt(), e.flags(), receipt, e.kryo(), e.redeliverAt());
      op.put(q, sk, e, d);
      return true;
    });
  }

  // ------------------------------------------------------------------ stats, redrive, import

  QueueStats stats(String pk) {
    QueueRef q = QueueRef.of(pk);
    return commits.commitAlone(q.pk(), op -> QueueStatsReader.read(op, q));
  }

  /** An exported queue entry to restore: its key, serialized data and push time (epoch millis). */
  record Restored(String pk, String sk, byte[] kryo, long enqueuedAt) {}

  /**
   * Restores exported entries (StoreTools.importQueueEntries): each becomes available with attempts
   * 0 and its original push time; an sk already queued is left alone, so a re-run is harmless.
   * One atomic commit through the same push path as {@code queuePush}.
   *
   * @return how many entries were added
   */
  int importEntries(List<Restored> entries) {
    Objects.requireNonNull(entries, "entries must not be null");
    QueueRef[] qs = new QueueRef[entries.size()];
    byte[][] sks = new byte[entries.size()][];
    Set<String> pks = new LinkedHashSet<>();
    for (int i = 0; i < qs.length; i++) {
      qs[i] = QueueRef.of(entries.get(i).pk());
      sks[i] = KeyCodec.checkSk(entries.get(i).sk());
      pks.add(qs[i].pk());
    }
    return commits.commit(pks, op -> {
      int added = 0;
      for (int i = 0; i < qs.length; i++) {
        if (op.readRaw(qs[i], sks[i]) != null) {
          continue;
        }
        Restored r = entries.get(i);
        op.push(qs[i], sks[i], r.kryo(), 0, 0, r.enqueuedAt());
        added++;
      }
      return added;
    });
  }

  /**
   * Reads every entry of queue {@code pk} and moves each damaged one to the quarantine, as the
   * operations that meet one do; intact entries are not changed. Batches of at most
   * REDRIVE_BATCH entries, each one commit.
   *
   * @return how many were set aside
   */
  long setAsideDamaged(String pk) {
    QueueRef q = QueueRef.of(pk);
    return forEachEntry(q, List.of(q.pk()), (op, sk) -> op.readRaw(q, sk) == null && op.setAside(q, sk));
  }

  /** What {@link #forEachEntry} does with one entry of the queue; true when it counts. */
  private interface EntryStep {
    boolean apply(QueueOp op, byte[] sk);
  }

  /**
   * Applies {@code step} to every entry of queue {@code q} in sk order, in commits over the queues
   * {@code locked} of at most REDRIVE_BATCH entries (and the backend's limit) each, every commit
   * scanning on from just after the last key the previous one looked at.
   *
   * @return how many entries {@code step} counted
   */
  private long forEachEntry(QueueRef q, List<String> locked, EntryStep step) {
    long counted = 0;
    byte[] end = KeyCodec.prefixEnd(q.part());
    byte[] start = q.part();
    int perCommit = Math.min(REDRIVE_BATCH, entriesPerCommit);
    while (start != null) {
      byte[] scanFrom = start;
      long[] n = new long[1];
      start = commits.commit(locked, op -> {
        n[0] = 0;
        int looked = 0;
        byte[] last = null;
        try (KvCursor c = op.io.scan(Space.QUEUE, scanFrom, end)) {
          while (looked < perCommit && c.next()) {
            looked++;
            last = c.key();
            if (step.apply(op, Arrays.copyOfRange(last, q.part().length, last.length))) {
              n[0]++;
            }
          }
        }
        // The next commit starts just after the last key looked at (key + 0x00).
        return looked < perCommit ? null : Arrays.copyOf(last, last.length + 1);
      });
      counted += n[0];
    }
    return counted;
  }

  /** Deletes the quarantined entries of (pk, sk) in one commit; returns how many. */
  int deleteQuarantined(String pk, String sk) {
    QueueRef q = QueueRef.of(pk);
    byte[] s = KeyCodec.checkSk(sk);
    return commits.commit(q.pk(), op -> op.deleteQuarantined(q, s));
  }

  long redrive(String fromPk, String toPk) {
    QueueRef from = QueueRef.of(fromPk);
    QueueRef to = QueueRef.of(toPk);
    if (from.pk().equals(to.pk())) {
      throw new IllegalArgumentException("fromPk and toPk must differ (both '" + fromPk + "')");
    }
    return forEachEntry(from, List.of(from.pk(), to.pk()), (op, sk) -> {
      Entry e = op.read(from, sk);
      if (e == null || (e.state() == QueueLayout.IN_FLIGHT && e.time() > op.now)) {
        return false; // being processed: stays where it is
      }
      op.remove(from, sk, e);
      long delay = e.state() == QueueLayout.DELAYED ? e.time() - op.now : 0;
      op.moveIn(to, sk, e.kryo(), delay, 0, e.enqueuedAt(), ids);
      return true;
    });
  }
}
