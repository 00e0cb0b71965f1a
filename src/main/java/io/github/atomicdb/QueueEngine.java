package io.github.atomicdb;

import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.Records.Entry;
import io.github.atomicdb.internal.Records;
import io.github.atomicdb.spi.KvConflictException;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.KvTxn;
import io.github.atomicdb.spi.Space;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/*
 * The job queue, over the KvStore SPI.
 *
 * Layout (data-format.md, "Queues"), P = KeyCodec.partition(utf8(queue pk)), S = utf8(sk):
 *   QUEUE  P S                    -> entry record (state, attempts, time, receipt, data)
 *   QINDEX 0x00 P                 -> counters (ready, inFlight, delayed)
 *   QINDEX 0x01 P S               -> ready index: int64 enqueuedAt
 *   QINDEX 0x02 P int64(time) S   -> timed index (in flight by deadline, delayed by due time):
 *                                    u8 state, int64 enqueuedAt
 *
 * Every operation is one optimistic transaction that reads the queue's counters with
 * getForUpdate and writes them back, so operations on one queue are serializable even over a
 * backend shared by several processes. A pull promotes due entries of the timed index to the
 * ready index and takes the first ready entries by sk: O(log n + k) however many entries are in
 * flight, FIFO by sk among available entries, and an in-flight entry never blocks the others.
 *
 * In-JVM: operations of one queue take a striped lock so they do not conflict pointlessly.
 * Correctness does not rest on that lock. A long-polling pull sleeps (holding no lock) on the
 * stripe's monitor until a commit that made an entry available bumps the stripe's version, or
 * until the earliest timed entry falls due, or at most 1 s, then looks again.
 *
 * Ready floor (a scan hint, issue 6): a pull deletes the ready-index keys it takes, and on an LSM
 * store those deletes stay as tombstones until compaction; a scan from the start of the ready
 * index had to step over every entry consumed since, so a pull cost O(consumed) and a busy queue
 * slowed to a few hundred pulls a second. So each queue has a floor: an sk below which no
 * ready-index key exists, and the pull's scan starts there. A pull raises it, after its commit and
 * still under the queue's stripe lock, to the first ready sk it left behind, by compare-and-set
 * against the exact (identity-unique) array it started from. Every commit that adds a ready-index
 * key lowers it back to "unknown" (a fresh empty array: scan from the start), after the commit:
 * always when the committing thread does not hold the queue's stripe lock, else only when the sk
 * is below the floor (pulls, which raise it, hold that lock). A raise therefore never hides a key
 * committed before it. The floor is only a start position, valid because every writer of this
 * store's queues is this engine (RocksDB's LOCK, or the memory backend's own map); a backend
 * shared by several processes must not use it. Forgetting floors is always safe (a forgotten
 * floor is "unknown"), so the map is simply cleared when it passes MAX_FLOORS queues. A pull also
 * skips the timed-index scan when the counters it reads anyway say nothing is in flight or
 * delayed. On a store that is not singleWriter() (etcd: other processes push and release too) the
 * floor is never used: every pull scans from the start of the ready index.
 *
 * Commit budget: a backend may cap the keys of one commit (KvStore.maxOpsPerCommit; etcd: 128).
 * An entry a commit moves costs at most 5 keys (entry, two index keys, and a dead-letter entry and
 * index key), so a pull promotes and takes at most budget = (maxOps - 4) / 5 entries between them
 * (promotion gets at most half), and redrive moves at most budget entries per commit. On stores
 * without a cap these are PROMOTE_CAP and REDRIVE_BATCH as before.
 */
final class QueueEngine {
  private static final byte META = 0x00;
  private static final byte READY_IDX = 0x01;
  private static final byte TIMED_IDX = 0x02;
  /** Most due entries a pull promotes in one commit (the rest go in the next pulls). */
  private static final int PROMOTE_CAP = 1000;
  /** Most entries redrive moves per commit. */
  private static final int REDRIVE_BATCH = 500;
  /** Longest single sleep of a waiting pull before it looks again. */
  private static final long MAX_SLEEP_MILLIS = 1000;
  private static final int MAX_RETRIES = 10_000;
  /** Queues whose ready floor is remembered; past this the map is cleared (about 1 MiB). */
  private static final int MAX_FLOORS = 10_000;

  private final EngineDb db;
  /** Most entries one commit moves (see "Commit budget"). */
  private final int promoteCap;
  private final int entryBudget;
  private final int redriveBatch;
  /** Whether the ready floor may be used (see "Ready floor"). */
  private final boolean useFloor;
  /** Per queue pk: its ready floor (see "Ready floor" above); an empty array means unknown. */
  private final ConcurrentHashMap<String, AtomicReference<byte[]>> floors = new ConcurrentHashMap<>();
  /** Serialize the operations of the queues of one stripe (performance only). */
  private final ReentrantLock[] stripes = new ReentrantLock[64];
  /** Bumped after every commit that may make an entry of the stripe available. */
  private final AtomicLong[] versions = new AtomicLong[64];
  /** Waiting pulls sleep on these; held only briefly, never while taking another lock. */
  private final Object[] monitors = new Object[64];

  QueueEngine(EngineDb db) {
    this.db = db;
    int maxOps = db.kv.maxOpsPerCommit();
    int budget = maxOps >= 5 * REDRIVE_BATCH ? Integer.MAX_VALUE : Math.max(1, (maxOps - 4) / 5);
    this.entryBudget = budget;
    this.promoteCap = Math.max(1, Math.min(PROMOTE_CAP, budget / 2));
    this.redriveBatch = Math.min(REDRIVE_BATCH, budget);
    this.useFloor = db.kv.singleWriter();
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = new ReentrantLock();
      versions[i] = new AtomicLong();
      monitors[i] = new Object();
    }
  }

  private int stripe(String pk) {
    int h = pk.hashCode();
    return (h ^ (h >>> 16)) & (stripes.length - 1);
  }

  // ------------------------------------------------------------------ keys

  static byte[] concat(byte prefix, byte[] a, byte[] b) {
    byte[] out = new byte[1 + a.length + b.length];
    out[0] = prefix;
    System.arraycopy(a, 0, out, 1, a.length);
    System.arraycopy(b, 0, out, 1 + a.length, b.length);
    return out;
  }

  static byte[] metaKey(byte[] part) {
    return concat(META, part, new byte[0]);
  }

  static byte[] readyKey(byte[] part, byte[] sk) {
    return concat(READY_IDX, part, sk);
  }

  static byte[] timedKey(byte[] part, long time, byte[] sk) {
    byte[] t = ByteBuffer.allocate(8 + sk.length).putLong(time).put(sk).array();
    return concat(TIMED_IDX, part, t);
  }

  static byte[] entryKey(byte[] part, byte[] sk) {
    byte[] out = Arrays.copyOf(part, part.length + sk.length);
    System.arraycopy(sk, 0, out, part.length, sk.length);
    return out;
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

  /** One queue, named and encoded. */
  record Q(String pk, byte[] part) {
    static Q of(String pk) {
      return new Q(pk, KeyCodec.partition(KeyCodec.checkPk(pk)));
    }
  }

  // ------------------------------------------------------------------ transaction context

  /** What one transaction does to queues: counters read once, written back at the end. */
  private final class Tx {
    final KvTxn t;
    final long now;
    final Map<String, long[]> counters = new HashMap<>();
    final Map<String, Q> queues = new HashMap<>();
    final List<String> wake = new ArrayList<>();
    /** Ready-index keys this transaction adds: queue pks and sks (they may lower a floor). */
    final List<String> readyPks = new ArrayList<>(2);
    final List<byte[]> readySks = new ArrayList<>(2);
    /** A pull's floor: the reference, the array it scanned from, the one to set after commit. */
    AtomicReference<byte[]> floor;
    byte[] floorSeen;
    byte[] floorNext;

    Tx(KvTxn t, long now) {
      this.t = t;
      this.now = now;
    }

    long[] counters(Q q) {
      return counters.computeIfAbsent(
          q.pk(),
          k -> {
            queues.put(q.pk(), q);
            return Records.openCounters(
                t.getForUpdate(Space.QINDEX, metaKey(q.part())), "counters of queue '" + q.pk() + "'");
          });
    }

    void flush() {
      for (Map.Entry<String, long[]> e : counters.entrySet()) {
        long[] c = e.getValue();
        t.put(Space.QINDEX, metaKey(queues.get(e.getKey()).part()), Records.counters(c[0], c[1], c[2]));
      }
    }

    /**
     * The entry as of now: a due timed entry (timed-out delivery, passed delay) is made available
     * first, exactly as a pull would, so no operation depends on whether a pull promoted it yet.
     */
    Entry read(Q q, byte[] sk) {
      Entry e = readRaw(q, sk);
      if (e != null && e.state() != Records.READY && e.time() <= now) {
        Entry r = promoted(e);
        put(q, sk, e, r);
        return r;
      }
      return e;
    }

    Entry readRaw(Q q, byte[] sk) {
      byte[] v = t.getForUpdate(Space.QUEUE, entryKey(q.part(), sk));
      return v == null ? null : Records.openEntry(v, where(q, sk));
    }

    /**
     * A due timed entry made available. A timed-out delivery keeps its receipt until the entry
     * is delivered again, unless new data was pushed during it: that data was never delivered,
     * so the old delivery must not acknowledge it away.
     */
    Entry promoted(Entry e) {
      boolean keepLease = e.state() == Records.IN_FLIGHT && (e.flags() & Records.FLAG_REDELIVER) == 0;
      return readyAgain(e, keepLease ? e.receipt() : "");
    }

    private void index(Q q, byte[] sk, Entry e, boolean add) {
      long[] c = counters(q);
      int d = add ? 1 : -1;
      byte[] key;
      byte[] val;
      if (e.state() == Records.READY) {
        c[0] += d;
        key = readyKey(q.part(), sk);
        val = ByteBuffer.allocate(8).putLong(e.enqueuedAt()).array();
      } else {
        c[e.state() == Records.IN_FLIGHT ? 1 : 2] += d;
        key = timedKey(q.part(), e.time(), sk);
        val = ByteBuffer.allocate(9).put(e.state()).putLong(e.enqueuedAt()).array();
      }
      if (add) {
        if (e.state() == Records.READY) {
          readyPks.add(q.pk());
          readySks.add(sk);
        }
        t.put(Space.QINDEX, key, val);
      } else {
        t.delete(Space.QINDEX, key);
      }
    }

    /** Replaces {@code old} (null: none) by {@code e}, keeping indexes and counters right. */
    void put(Q q, byte[] sk, Entry old, Entry e) {
      if (old != null) {
        index(q, sk, old, false);
      }
      index(q, sk, e, true);
      t.put(Space.QUEUE, entryKey(q.part(), sk), Records.entry(e));
      if (e.state() == Records.READY) {
        wake.add(q.pk());
      }
    }

    void remove(Q q, byte[] sk, Entry old) {
      index(q, sk, old, false);
      t.delete(Space.QUEUE, entryKey(q.part(), sk));
    }

    /** Push semantics for one entry (also used by dead-lettering and redrive). */
    void push(Q q, byte[] sk, byte[] kryo, long delayMillis, int attempts, long enqueuedAt) {
      Entry old = read(q, sk);
      byte state = delayMillis > 0 ? Records.DELAYED : Records.READY;
      long time = delayMillis > 0 ? Math.addExact(now, delayMillis) : 0;
      Entry e;
      if (old != null && old.state() == Records.IN_FLIGHT) {
        // Being processed: keep the lease, deliver the new data once this processing ends.
        e = new Entry(old.state(), old.attempts(), old.time(), old.enqueuedAt(),
            (byte) (old.flags() | Records.FLAG_REDELIVER), old.receipt(), kryo);
      } else {
        long since = old != null ? old.enqueuedAt() : enqueuedAt;
        e = new Entry(state, attempts, time, since, (byte) 0, "", kryo);
      }
      put(q, sk, old, e);
    }

    /** The state an entry takes when its processing ends without acknowledgement. */
    Entry readyAgain(Entry e, String receipt) {
      boolean redeliver = (e.flags() & Records.FLAG_REDELIVER) != 0;
      return new Entry(Records.READY, redeliver ? 0 : e.attempts(), 0, e.enqueuedAt(), (byte) 0,
          receipt, e.kryo());
    }
  }

  private static String where(Q q, byte[] sk) {
    return "queue entry (pk '" + q.pk() + "', sk '"
        + new String(sk, java.nio.charset.StandardCharsets.UTF_8) + "')";
  }

  /** Runs one queue transaction, retrying conflicts (only cross-queue moves can cause them). */
  private <T> T run(Q q, Function<Tx, T> body) {
    ReentrantLock lock = stripes[stripe(q.pk())];
    lock.lock();
    try {
      return runLocked(body);
    } finally {
      lock.unlock();
    }
  }

  private <T> T runLocked(Function<Tx, T> body) {
    for (int attempt = 0; ; attempt++) {
      Tx[] done = new Tx[1];
      try {
        T result =
            db.kv.transact(
                t -> {
                  Tx tx = new Tx(t, db.clock.millis());
                  T r = body.apply(tx);
                  tx.flush();
                  done[0] = tx;
                  return r;
                });
        Tx tx = done[0];
        for (int i = 0; i < tx.readyPks.size(); i++) {
          lowerFloor(tx.readyPks.get(i), tx.readySks.get(i));
        }
        if (tx.floor != null) {
          tx.floor.compareAndSet(tx.floorSeen, tx.floorNext);
        }
        for (String pk : tx.wake) {
          signal(pk);
        }
        return result;
      } catch (KvConflictException e) {
        if (attempt >= MAX_RETRIES) {
          throw new AtomicDbException("queue operation kept conflicting after " + attempt + " attempts", e);
        }
        Thread.onSpinWait();
      }
    }
  }

  /** After a commit that added ready-index key {@code sk} to queue {@code pk}. */
  private void lowerFloor(String pk, byte[] sk) {
    AtomicReference<byte[]> f = floors.get(pk);
    if (f == null) {
      return; // no pull has set one: scans start at the beginning
    }
    boolean serialized = stripes[stripe(pk)].isHeldByCurrentThread();
    if (!serialized || Arrays.compareUnsigned(sk, f.get()) < 0) {
      f.set(new byte[0]);
    }
  }

  private void signal(String pk) {
    int s = stripe(pk);
    versions[s].incrementAndGet();
    synchronized (monitors[s]) {
      monitors[s].notifyAll();
    }
  }

  void wakeAll() {
    for (int s = 0; s < stripes.length; s++) {
      versions[s].incrementAndGet();
      synchronized (monitors[s]) {
        monitors[s].notifyAll();
      }
    }
  }

  // ------------------------------------------------------------------ push

  void push(List<QueueItemInput> items) {
    Objects.requireNonNull(items, "items must not be null");
    if (items.isEmpty()) {
      return;
    }
    // Validate and encode everything before the commit; generate sks in list order.
    int n = items.size();
    Q[] qs = new Q[n];
    byte[][] sks = new byte[n][];
    byte[][] kryos = new byte[n][];
    java.util.Set<EngineDb.ByteKey> seen = new java.util.HashSet<>();
    for (int i = 0; i < n; i++) {
      QueueItemInput in = Objects.requireNonNull(items.get(i), "items[" + i + "] must not be null");
      qs[i] = Q.of(in.pk());
      String sk = in.sk() != null ? in.sk() : EngineDb.ULIDS.create().toString();
      sks[i] = KeyCodec.checkSk(sk);
      if (!seen.add(new EngineDb.ByteKey(entryKey(qs[i].part(), sks[i])))) {
        throw new IllegalArgumentException(
            "items names queue entry (pk '" + in.pk() + "', sk '" + sk + "') twice; each once");
      }
      if (in.delaySeconds() > EngineDb.MAX_TTL_SECONDS) {
        throw new IllegalArgumentException(
            "delaySeconds is " + in.delaySeconds() + "; at most " + EngineDb.MAX_TTL_SECONDS);
      }
      kryos[i] = db.codec.encode(in.data());
    }
    Function<Tx, Void> body =
        tx -> {
          for (int i = 0; i < n; i++) {
            tx.push(qs[i], sks[i], kryos[i], items.get(i).delaySeconds() * 1000L, 0, tx.now);
          }
          return null;
        };
    if (allSame(qs)) {
      run(qs[0], body);
    } else {
      runLocked(body);
    }
  }

  private static boolean allSame(Q[] qs) {
    for (Q q : qs) {
      if (!q.pk().equals(qs[0].pk())) {
        return false;
      }
    }
    return true;
  }

  // ------------------------------------------------------------------ pull

  List<QueueItem> pull(QueuePullOptions o, int max) {
    Objects.requireNonNull(o, "options must not be null");
    Q q = Q.of(o.pk());
    Q dlq = null;
    if (o.maxAttempts() > 0) {
      dlq = Q.of(o.deadLetterQueueOrDefault());
      if (dlq.pk().equals(q.pk())) {
        throw new IllegalArgumentException(
            "deadLetterQueue must differ from pk ('" + q.pk() + "')");
      }
    }
    long ttlMillis;
    try {
      ttlMillis = Math.multiplyExact(o.ttlSeconds(), 1000L);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("ttlSeconds is too large: " + o.ttlSeconds());
    }
    Q dead = dlq;
    Duration wait = o.waitTime();
    long waitNanos = wait.compareTo(Duration.ofDays(365)) > 0 ? Long.MAX_VALUE / 4 : wait.toNanos();
    long endNanos = System.nanoTime() + waitNanos;
    int s = stripe(q.pk());
    while (true) {
      long seen = versions[s].get();
      List<QueueItem> got = run(q, tx -> pullOnce(tx, q, dead, o.maxAttempts(), ttlMillis, max));
      long left = endNanos - System.nanoTime();
      if (!got.isEmpty() || left <= 0) {
        return got;
      }
      long sleep = Math.min(left, TimeUnit.MILLISECONDS.toNanos(MAX_SLEEP_MILLIS));
      long due = nextDue(q);
      if (due != Long.MAX_VALUE) {
        long untilDue = TimeUnit.MILLISECONDS.toNanos(Math.max(1, due - db.clock.millis() + 1));
        sleep = Math.min(sleep, untilDue);
      }
      synchronized (monitors[s]) {
        if (versions[s].get() == seen) {
          try {
            TimeUnit.NANOSECONDS.timedWait(monitors[s], sleep);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return got;
          }
        }
      }
      if (db.isClosed()) {
        throw new IllegalStateException("the store was closed while a pull waited");
      }
    }
  }

  /** The earliest time in the queue's timed index, or Long.MAX_VALUE. */
  private long nextDue(Q q) {
    byte[] from = concat(TIMED_IDX, q.part(), new byte[0]);
    try (KvCursor c = db.kv.scan(Space.QINDEX, from, KeyCodec.prefixEnd(from), false, 1)) {
      if (c.next()) {
        return ByteBuffer.wrap(c.key()).getLong(from.length);
      }
    }
    return Long.MAX_VALUE;
  }

  private List<QueueItem> pullOnce(Tx tx, Q q, Q dlq, int maxAttempts, long ttlMillis, int max) {
    long[] counts = tx.counters(q);
    // 1. Due entries of the timed index (timed-out deliveries, passed delays) become ready. The
    //    counters say whether the timed index holds anything: if not, no scan (and no iterator).
    List<byte[]> promoted = counts[1] + counts[2] > 0 ? promoteDue(tx, q) : new ArrayList<>();
    // 2. Merge them with the ready index (as of the transaction's start) in sk order, scanning the
    //    index from the queue's ready floor.
    List<QueueItem> out = new ArrayList<>();
    if (floors.size() > MAX_FLOORS) {
      floors.clear();
    }
    AtomicReference<byte[]> floor = floors.computeIfAbsent(q.pk(), k -> new AtomicReference<>(new byte[0]));
    byte[] seen = useFloor ? floor.get() : new byte[0];
    byte[] prefix = concat(READY_IDX, q.part(), new byte[0]);
    int skAt = prefix.length;
    byte[] last = null;
    byte[] fromIndex;
    int pi = 0;
    try (KvCursor c = tx.t.scan(Space.QINDEX, concat(READY_IDX, q.part(), seen), KeyCodec.prefixEnd(prefix), false)) {
      fromIndex = c.next() ? Arrays.copyOfRange(c.key(), skAt, c.key().length) : null;
      int moved = promoted.size();
      while (out.size() < max && moved < entryBudget) {
        byte[] sk;
        byte[] fromPromoted = pi < promoted.size() ? promoted.get(pi) : null;
        if (fromIndex == null && fromPromoted == null) {
          break;
        }
        if (fromIndex == null
            || (fromPromoted != null && Arrays.compareUnsigned(fromPromoted, fromIndex) <= 0)) {
          sk = fromPromoted;
          pi++; // counted in moved already
          if (fromIndex != null && Arrays.equals(fromIndex, sk)) {
            fromIndex = c.next() ? Arrays.copyOfRange(c.key(), skAt, c.key().length) : null;
          }
        } else {
          sk = fromIndex;
          fromIndex = c.next() ? Arrays.copyOfRange(c.key(), skAt, c.key().length) : null;
          moved++;
        }
        last = sk;
        Entry e = tx.read(q, sk);
        if (e == null || e.state() != Records.READY) {
          continue; // already taken in this transaction, or an index left behind
        }
        if (maxAttempts > 0 && e.attempts() >= maxAttempts) {
          tx.remove(q, sk, e);
          tx.push(dlq, sk, e.kryo(), 0, e.attempts(), e.enqueuedAt());
          continue;
        }
        String receipt = EngineDb.ULIDS.create().toString();
        long deadline = Math.addExact(tx.now, ttlMillis);
        Entry d = new Entry(Records.IN_FLIGHT, e.attempts() + 1, deadline, e.enqueuedAt(), e.flags(),
            receipt, e.kryo());
        tx.put(q, sk, e, d);
        out.add(delivery(q, sk, d));
      }
    }
    // 3. The new floor: the first ready sk left behind, or the last one looked at if none is left
    //    (index keys skipped above as stale stay below it, harmlessly).
    byte[] next = pi < promoted.size() ? promoted.get(pi) : null;
    if (fromIndex != null && (next == null || Arrays.compareUnsigned(fromIndex, next) < 0)) {
      next = fromIndex;
    }
    if (next == null) {
      next = last != null ? last : seen;
    }
    tx.floor = floor;
    tx.floorSeen = seen;
    tx.floorNext = next;
    return out;
  }

  private List<byte[]> promoteDue(Tx tx, Q q) {
    byte[] from = concat(TIMED_IDX, q.part(), new byte[0]);
    byte[] to = timedKey(q.part(), tx.now + 1, new byte[0]);
    List<byte[]> promoted = new ArrayList<>();
    try (KvCursor c = tx.t.scan(Space.QINDEX, from, to, false)) {
      while (promoted.size() < promoteCap && c.next()) {
        byte[] k = c.key();
        byte[] sk = Arrays.copyOfRange(k, from.length + 8, k.length);
        Entry e = tx.readRaw(q, sk);
        if (e == null || e.state() == Records.READY || e.time() > tx.now) {
          continue;
        }
        Entry r = tx.promoted(e);
        tx.put(q, sk, e, r);
        promoted.add(sk);
      }
    }
    promoted.sort(Arrays::compareUnsigned);
    return promoted;
  }

  private QueueItem delivery(Q q, byte[] sk, Entry d) {
    String skStr = new String(sk, java.nio.charset.StandardCharsets.UTF_8);
    Object data = db.codec.decode(d.kryo(), 0, d.kryo().length, where(q, sk));
    long timeoutSeconds = Math.floorDiv(d.time() + 999, 1000);
    return new QueueItem(q.pk(), skStr, data, true, timeoutSeconds, d.attempts(), d.receipt());
  }

  // ------------------------------------------------------------------ ack, release, extend

  /** Key-based when {@code receipt} is null; else only while that receipt owns the entry. */
  boolean acknowledge(ItemKey key, String receipt) {
    Objects.requireNonNull(key, "key must not be null");
    Q q = Q.of(key.pk());
    byte[] sk = KeyCodec.checkSk(key.sk());
    return run(
        q,
        tx -> {
          tx.counters(q);
          Entry e = tx.read(q, sk);
          if (e == null || (receipt != null && !owns(e, receipt))) {
            return receipt == null;
          }
          if ((e.flags() & Records.FLAG_REDELIVER) != 0) {
            tx.put(q, sk, e, tx.readyAgain(e, ""));
          } else {
            tx.remove(q, sk, e);
          }
          return true;
        });
  }

  private static boolean owns(Entry e, String receipt) {
    return e.state() != Records.DELAYED && receipt.equals(e.receipt());
  }

  boolean release(ItemKey key, String receipt) {
    Objects.requireNonNull(key, "key must not be null");
    Q q = Q.of(key.pk());
    byte[] sk = KeyCodec.checkSk(key.sk());
    return run(
        q,
        tx -> {
          tx.counters(q);
          Entry e = tx.read(q, sk);
          if (e == null) {
            if (receipt != null) {
              return false;
            }
            throw new IllegalArgumentException(
                "no queue entry at (pk '" + key.pk() + "', sk '" + key.sk() + "') to release");
          }
          if (receipt != null && !owns(e, receipt)) {
            return false;
          }
          tx.put(q, sk, e, tx.readyAgain(e, ""));
          return true;
        });
  }

  boolean extend(QueueItem delivered, long ttlSeconds) {
    ItemKey key = keyOf(delivered);
    String receipt = receiptOf(delivered);
    if (ttlSeconds < 1 || ttlSeconds > EngineDb.MAX_TTL_SECONDS) {
      throw new IllegalArgumentException("ttlSeconds must be between 1 and "
          + EngineDb.MAX_TTL_SECONDS + ", was " + ttlSeconds);
    }
    Q q = Q.of(key.pk());
    byte[] sk = KeyCodec.checkSk(key.sk());
    return run(
        q,
        tx -> {
          tx.counters(q);
          Entry e = tx.read(q, sk);
          if (e == null || !owns(e, receipt)) {
            return false;
          }
          Entry d = new Entry(Records.IN_FLIGHT, e.attempts(), tx.now + ttlSeconds * 1000L,
              e.enqueuedAt(), e.flags(), receipt, e.kryo());
          tx.put(q, sk, e, d);
          return true;
        });
  }

  // ------------------------------------------------------------------ stats, redrive

  QueueStats stats(String pk) {
    Q q = Q.of(pk);
    return run(
        q,
        tx -> {
          long[] c = tx.counters(q).clone();
          // The age is that of the first available entry in queue (sk) order, whether it is in
          // the ready index or a due entry of the timed index not yet promoted by a pull.
          long oldest = Long.MAX_VALUE;
          byte[] firstSk = null;
          byte[] readyFrom = concat(READY_IDX, q.part(), new byte[0]);
          try (KvCursor r = tx.t.scan(Space.QINDEX, readyFrom, KeyCodec.prefixEnd(readyFrom), false)) {
            if (r.next()) {
              oldest = ByteBuffer.wrap(r.value()).getLong();
              firstSk = Arrays.copyOfRange(r.key(), readyFrom.length, r.key().length);
            }
          }
          // Timed entries already due count as available (they are promoted lazily by pulls).
          byte[] from = concat(TIMED_IDX, q.part(), new byte[0]);
          byte[] to = timedKey(q.part(), tx.now + 1, new byte[0]);
          try (KvCursor d = tx.t.scan(Space.QINDEX, from, to, false)) {
            while (d.next()) {
              ByteBuffer v = ByteBuffer.wrap(d.value());
              c[v.get(0) == Records.IN_FLIGHT ? 1 : 2]--;
              c[0]++;
              byte[] sk = Arrays.copyOfRange(d.key(), from.length + 8, d.key().length);
              if (firstSk == null || Arrays.compareUnsigned(sk, firstSk) < 0) {
                firstSk = sk;
                oldest = v.getLong(1);
              }
            }
          }
          long age = c[0] == 0 || oldest == Long.MAX_VALUE ? 0 : Math.max(0, (tx.now - oldest) / 1000);
          tx.counters.clear(); // read-only: write nothing back (no record for an unknown queue)
          return new QueueStats(c[0], c[1], c[2], age);
        });
  }

  /**
   * Restores exported entries (the command line's import): each becomes available with attempts
   * 0 and its original push time; an sk already queued is left alone, so a re-run is harmless.
   * One atomic commit through the same push path as {@code queuePush}.
   *
   * @return how many entries were added
   */
  int importEntries(List<io.github.atomicdb.internal.EngineAccess.RawQueueEntry> entries) {
    Objects.requireNonNull(entries, "entries must not be null");
    Q[] qs = new Q[entries.size()];
    byte[][] sks = new byte[entries.size()][];
    for (int i = 0; i < qs.length; i++) {
      qs[i] = Q.of(entries.get(i).pk());
      sks[i] = KeyCodec.checkSk(entries.get(i).sk());
    }
    return runLocked(
        tx -> {
          int added = 0;
          for (int i = 0; i < qs.length; i++) {
            if (tx.readRaw(qs[i], sks[i]) != null) {
              continue;
            }
            var r = entries.get(i);
            tx.push(qs[i], sks[i], r.kryo(), 0, 0, r.enqueuedAt());
            added++;
          }
          return added;
        });
  }

  long redrive(String fromPk, String toPk) {
    Q from = Q.of(fromPk);
    Q to = Q.of(toPk);
    if (from.pk().equals(to.pk())) {
      throw new IllegalArgumentException("fromPk and toPk must differ (both '" + fromPk + "')");
    }
    long moved = 0;
    byte[] end = KeyCodec.prefixEnd(from.part());
    byte[] start = from.part();
    while (start != null) {
      byte[] scanFrom = start;
      Object[] batch =
          runLocked(
              tx -> {
                tx.counters(from);
                tx.counters(to);
                long n = 0;
                int seen = 0;
                byte[] last = null;
                try (KvCursor c = tx.t.scan(Space.QUEUE, scanFrom, end, false)) {
                  while (seen < redriveBatch && c.next()) {
                    seen++;
                    last = c.key();
                    byte[] sk = Arrays.copyOfRange(last, from.part().length, last.length);
                    Entry e = tx.read(from, sk);
                    if (e == null || (e.state() == Records.IN_FLIGHT && e.time() > tx.now)) {
                      continue; // being processed: stays where it is
                    }
                    tx.remove(from, sk, e);
                    tx.push(to, sk, e.kryo(), 0, 0, e.enqueuedAt());
                    n++;
                  }
                }
                // Next batch starts just after the last key looked at (key + 0x00).
                byte[] next = seen < redriveBatch ? null : Arrays.copyOf(last, last.length + 1);
                return new Object[] {n, next};
              });
      moved += (Long) batch[0];
      start = (byte[]) batch[1];
    }
    return moved;
  }
}
