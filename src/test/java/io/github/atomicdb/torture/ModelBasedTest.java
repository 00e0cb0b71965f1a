package io.github.atomicdb.torture;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.ItemLock;
import io.github.atomicdb.Query;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import io.github.atomicdb.QueueStats;
import io.github.atomicdb.RaceConditionException;
import io.github.atomicdb.contract.ContractTypes;
import io.github.atomicdb.contract.TestClock;
import io.github.atomicdb.torture.Stores.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Randomized model test (STYLE.md habit 10): seeded random sequences of every operation are
 * applied both to a store and to {@link Model}, a plain reference model written from API.md with
 * TreeMaps (no engine code), and every result is compared, exceptions included. The key space is
 * small so that keys, locks and queue entries collide all the time; the clock moves past item
 * TTLs, lock expiry and visibility timeouts. On the durable store the test closes and reopens
 * the store at random points; the model is unchanged by a reopen. The queue side meets, on every
 * kind, moves onto taken sks (redrive and dead-lettering into queues that share sks: the moved
 * entry gets {@code sk~ULID}), delayed pushes to entries in flight, and mass timeouts (more than
 * 1,000 deliveries timing out at once, deadlines out of sk order, then batch pulls of random
 * sizes); a run of 10,000 operations or more checks that it met each.
 *
 * <p>A failure prints the seed, the operation index and the operation, and the last operations
 * before it. Replay or run longer with system properties:
 *
 * <pre>
 * mvn test -Dtest=ModelBasedTest -Datomicdb.model.seed=1234 -Datomicdb.model.ops=1000000
 * </pre>
 */
class ModelBasedTest {
  static final int OPS = Integer.getInteger("atomicdb.model.ops", 10_000);
  static final Long SEED = Long.getLong("atomicdb.model.seed");

  @ParameterizedTest
  @EnumSource(Kind.class)
  void randomOperationsAgreeWithTheModel(Kind kind, @TempDir Path dir) {
    long seed = SEED != null ? SEED : System.nanoTime();
    System.out.println("ModelBasedTest[" + kind + "] seed=" + seed + " ops=" + OPS
        + " (replay: -Datomicdb.model.seed=" + seed + ")");
    long t0 = System.nanoTime();
    try (Run run = new Run(kind, dir, seed)) {
      run.run(OPS);
      if (OPS >= 10_000) {
        // What the queue side must have met: moves onto taken sks, delayed pushes to entries in
        // flight, and mass timeouts (these runs meet each many times; 0 means the mix broke).
        assertTrue(run.model.renames > 0, "no move met a taken sk: " + run.summary());
        assertTrue(run.model.delayedRepushes > 0, "no delayed push to an entry in flight: " + run.summary());
        assertTrue(run.massTimeouts >= 2, run.summary());
      }
      System.out.println("ModelBasedTest[" + kind + "] " + run.summary() + " in "
          + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }
  }

  // ====================================================================== key space

  /** Partitions: prefixes of each other, and one holding NUL (escaped by the key codec). */
  static final String[] PKS = {"u", "u1", "u10", "u\u00001"};
  /** Sort keys whose UTF-8 order differs from String.compareTo (U+FF61 vs a surrogate pair). */
  static final String[] SKS = {"a", "a\u0000b", "ab", "b", "\u00e9", "\uff61", "\ud83d\ude00"};
  static final String[] PREFIXES = {null, "", "a", "\u00e9", "\ud83d", "\ud83d\ude00", "zz"};
  /** Refused keys: empty, reserved prefixes, a lone surrogate, too long. */
  static final String[] BAD = {"", "__LOCK__a", "__ATOMICDB__x", "x\ud800", "k".repeat(2049)};
  static final String[] QUEUES = {"q1", "q2", "q1-dlq", "dlq"};
  /** Explicit queue sks: all sort after generated ULIDs (which start with a digit). */
  static final String[] QSKS = {"a", "ab", "b", "\u00e9", "\ud83d\ude00"};

  static final Comparator<String> UTF8 =
      (a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

  static boolean validPart(String s, int maxBytes) {
    if (s.isEmpty() || s.startsWith("__LOCK__") || s.startsWith("__ATOMICDB__")) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return s.getBytes(StandardCharsets.UTF_8).length <= maxBytes;
  }

  static boolean validKey(String pk, String sk) {
    return validPart(pk, 2048) && validPart(sk, 1024);
  }

  static boolean registered(Object data) {
    return !(data instanceof ContractTypes.Unregistered);
  }

  // ====================================================================== the model

  /** Visible-state model of one store, straight from API.md. Not thread-safe. */
  static final class Model {
    record MItem(Object data, Long ttl) {}

    /** A lock; version null = a version the client has never been shown (set by setAtomic). */
    record MLock(String version, long ttl) {}

    static final int READY = 0;
    static final int IN_FLIGHT = 1;
    static final int DELAYED = 2;

    static final class MEntry {
      int state;
      int attempts;
      long time; // IN_FLIGHT: deadline millis; DELAYED: due millis
      long enqueuedAt;
      boolean redeliver;
      /** With redeliver: the new data was pushed with a delay; not available before (millis). */
      long redeliverAt;
      String receipt = "";
      Object data;
      /** Its bytes were damaged: the store cannot read it, and sets it aside when it meets it. */
      boolean damaged;

      @Override
      public String toString() {
        return "{state=" + state + " attempts=" + attempts + " time=" + time + " enq=" + enqueuedAt
            + " redeliver=" + redeliver + (redeliverAt != 0 ? " redeliverAt=" + redeliverAt : "")
            + " receipt=" + receipt + " data=" + data + (damaged ? " DAMAGED" : "") + "}";
      }
    }

    final TestClock clock;
    final Map<String, TreeMap<String, MItem>> items = new HashMap<>();
    final Map<ItemKey, MLock> locks = new HashMap<>();
    /** Queue pk to entries by model sk (explicit sk, or a placeholder for a generated one). */
    final Map<String, TreeMap<String, MEntry>> queues = new HashMap<>();
    /** Moves onto a taken sk so far: placeholders {@code sk~0movN} for the store's {@code sk~ULID}. */
    int renames;
    /** Pushes with a delay to an entry in flight so far. */
    int delayedRepushes;

    Model(TestClock clock) {
      this.clock = clock;
    }

    long now() {
      return clock.millis();
    }

    long nowS() {
      return Math.floorDiv(now(), 1000);
    }

    boolean visible(MItem i) {
      return i != null && (i.ttl() == null || now() <= i.ttl() * 1000L);
    }

    TreeMap<String, MItem> part(String pk) {
      return items.computeIfAbsent(pk, k -> new TreeMap<>(UTF8));
    }

    Optional<Item> get(ItemKey k) {
      requireKey(k.pk(), k.sk());
      MItem i = items.getOrDefault(k.pk(), new TreeMap<>(UTF8)).get(k.sk());
      return visible(i) ? Optional.of(new Item(k.pk(), k.sk(), i.data(), i.ttl())) : Optional.empty();
    }

    static void requireKey(String pk, String sk) {
      if (!validKey(pk, sk)) {
        throw new IllegalArgumentException("model: bad key");
      }
    }

    void set(List<Item> list) {
      Set<ItemKey> seen = new HashSet<>();
      for (Item i : list) {
        requireKey(i.pk(), i.sk());
        if (!seen.add(i.key()) || !registered(i.data())) {
          throw new IllegalArgumentException("model: duplicate key or unregistered data");
        }
      }
      for (Item i : list) {
        part(i.pk()).put(i.sk(), new MItem(i.data(), i.ttl()));
      }
    }

    void delete(List<ItemKey> keys) {
      for (ItemKey k : keys) {
        requireKey(k.pk(), k.sk());
      }
      for (ItemKey k : keys) {
        part(k.pk()).remove(k.sk());
        locks.remove(k);
      }
    }

    List<Item> query(Query q) {
      if (!validPart(q.pk(), 2048)) {
        throw new IllegalArgumentException("model: bad pk");
      }
      String p = q.skPrefix() == null ? "" : q.skPrefix();
      if (!p.isEmpty() && !validPart("x" + p, 1025)) { // a lone surrogate in the prefix
        throw new IllegalArgumentException("model: bad prefix");
      }
      List<Item> out = new ArrayList<>();
      for (Map.Entry<String, MItem> e : part(q.pk()).entrySet()) {
        if (e.getKey().startsWith(p) && visible(e.getValue())) {
          out.add(new Item(q.pk(), e.getKey(), e.getValue().data(), e.getValue().ttl()));
        }
      }
      if (q.reverse()) {
        java.util.Collections.reverse(out);
      }
      return q.limit() > 0 && out.size() > q.limit() ? out.subList(0, q.limit()) : out;
    }

    /** What getLock must return: the stored lock (version may be null = any unseen) or a new one. */
    MLock expectedLock(ItemKey k) {
      requireKey(k.pk(), k.sk());
      MLock l = locks.get(k);
      if (l != null && now() <= l.ttl() * 1000L && l.ttl() - nowS() >= 3600) {
        return l;
      }
      return null; // a new version, ttl now + 24 h
    }

    void setAtomic(List<Item> list, List<ItemLock> ls) {
      if (list.size() != ls.size()) {
        throw new IllegalArgumentException("model: lengths differ");
      }
      Set<ItemKey> seen = new HashSet<>();
      for (Item i : list) {
        requireKey(i.pk(), i.sk());
        if (!seen.add(i.key()) || !registered(i.data())) {
          throw new IllegalArgumentException("model: duplicate item or unregistered data");
        }
      }
      Set<ItemKey> seenLocks = new HashSet<>();
      for (ItemLock l : ls) {
        requireKey(l.pk(), l.sk());
        if (!seenLocks.add(l.key())) {
          throw new IllegalArgumentException("model: duplicate lock");
        }
      }
      if (list.isEmpty()) {
        return;
      }
      for (ItemLock l : ls) {
        MLock s = locks.get(l.key());
        if (s == null || s.version() == null || !s.version().equals(l.version())
            || now() > s.ttl() * 1000L) {
          throw new RaceConditionException("model: stale lock " + l);
        }
      }
      for (Item i : list) {
        part(i.pk()).put(i.sk(), new MItem(i.data(), i.ttl()));
      }
      for (ItemLock l : ls) {
        locks.put(l.key(), new MLock(null, nowS() + 24 * 3600));
      }
    }

    // ------------------------------------------------------------ queue

    TreeMap<String, MEntry> queue(String pk) {
      return queues.computeIfAbsent(pk, k -> new TreeMap<>(UTF8));
    }

    // ---- quarantine: a damaged entry is moved aside by the first operation that reads it

    /** Queue pk to the model sks of its quarantined entries (one per time set aside). */
    final Map<String, List<String>> quarantine = new HashMap<>();

    /** If the entry at (pk, msk) is damaged, moves it to the quarantine; whether it was. */
    boolean setAside(String pk, String msk) {
      MEntry e = queue(pk).get(msk);
      if (e == null || !e.damaged) {
        return false;
      }
      queue(pk).remove(msk);
      quarantine.computeIfAbsent(pk, k -> new ArrayList<>()).add(msk);
      return true;
    }

    /** Deletes every quarantined copy of (pk, msk); returns how many. */
    int deleteQuarantined(String pk, String msk) {
      List<String> held = quarantine.getOrDefault(pk, new ArrayList<>());
      int before = held.size();
      held.removeIf(msk::equals);
      return before - held.size();
    }

    /**
     * Acknowledge's rules for a damaged entry, before the usual ones; true if they decided. By key:
     * a damaged entry is deleted (not set aside), and with no entry left the quarantined copies of
     * the key are deleted. By delivery: a damaged entry is set aside and the ack returns false.
     */
    boolean ackDamaged(String pk, String msk, String receipt) {
      if (receipt != null) {
        return setAside(pk, msk);
      }
      MEntry e = queue(pk).get(msk);
      if (e != null && !e.damaged) {
        return false;
      }
      queue(pk).remove(msk);
      deleteQuarantined(pk, msk);
      return true;
    }

    /** Damaged entries stored as timed and already due: every pull of the queue meets them first. */
    void setAsideDueDamaged(String pk) {
      List<String> due = new ArrayList<>();
      for (Map.Entry<String, MEntry> x : queue(pk).entrySet()) {
        MEntry e = x.getValue();
        if (e.damaged && e.state != READY && e.time <= now()) {
          due.add(x.getKey());
        }
      }
      due.forEach(msk -> setAside(pk, msk));
    }

    /** The state queueStats counts an entry in (a damaged entry keeps its stored state). */
    int statsState(MEntry e) {
      return e.damaged && e.state != READY && e.time <= now() ? READY : e.state;
    }

    /** Time passes: timed-out deliveries and passed delays make entries available. */
    void normalize() {
      for (TreeMap<String, MEntry> q : queues.values()) {
        for (MEntry e : q.values()) {
          if (e.damaged) {
            continue; // unreadable: stays as stored until an operation sets it aside
          }
          if (e.state == IN_FLIGHT && e.time <= now()) {
            // A timed-out delivery keeps its lease until the entry is delivered again, unless new
            // data was pushed meanwhile: that data has never been delivered, so it is a new job.
            readyAgain(e, e.redeliver ? "" : e.receipt);
          } else if (e.state == DELAYED && e.time <= now()) {
            readyAgain(e, "");
          }
        }
      }
    }

    /**
     * Processing ends without acknowledgement (or with one while new data waits): available, or
     * delayed until the new data's delay has passed.
     */
    void readyAgain(MEntry e, String receipt) {
      if (e.redeliver) {
        e.attempts = 0;
      }
      boolean delayed = e.redeliver && e.redeliverAt > now();
      e.state = delayed ? DELAYED : READY;
      e.time = delayed ? e.redeliverAt : 0;
      e.redeliver = false;
      e.redeliverAt = 0;
      e.receipt = delayed ? "" : receipt;
    }

    /** Push semantics for one entry (also dead-lettering and redrive): no validation. */
    void pushOne(String pk, String msk, Object data, long delayMillis, int attempts, long enqueuedAt) {
      setAside(pk, msk);
      TreeMap<String, MEntry> q = queue(pk);
      MEntry old = q.get(msk);
      if (old != null && old.state == IN_FLIGHT) {
        // Delivered again when this processing ends, and not before its delay.
        old.redeliver = true;
        old.redeliverAt = delayMillis > 0 ? now() + delayMillis : 0;
        if (delayMillis > 0) {
          delayedRepushes++;
        }
        old.data = data;
        return;
      }
      MEntry e = new MEntry();
      e.state = delayMillis > 0 ? DELAYED : READY;
      e.time = delayMillis > 0 ? now() + delayMillis : 0;
      e.attempts = attempts;
      e.enqueuedAt = old != null ? old.enqueuedAt : enqueuedAt;
      e.data = data;
      q.put(msk, e);
    }

    /**
     * A move (dead-lettering, redrive): a new entry in {@code pk}, never merged into one there;
     * onto a taken sk it gets {@code msk~0movN} (the store: {@code sk~ULID}). Returns its sk.
     */
    String moveOne(String pk, String msk, Object data, long delayMillis, int attempts, long enqueuedAt) {
      setAside(pk, msk); // a damaged entry there is set aside first: the sk is free then
      String to = queue(pk).containsKey(msk) ? msk + "~" + String.format("0mov%09d", renames++) : msk;
      pushOne(pk, to, data, delayMillis, attempts, enqueuedAt);
      return to;
    }

    /** Moves every entry not being processed from one queue to another; returns how many. */
    long redrive(String from, String to) {
      if (!validPart(from, 2048) || !validPart(to, 2048) || from.equals(to)) {
        throw new IllegalArgumentException("model: bad redrive");
      }
      normalize();
      long n = 0;
      for (Iterator<Map.Entry<String, MEntry>> it = queue(from).entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<String, MEntry> x = it.next();
        MEntry e = x.getValue();
        if (e.damaged) { // redrive reads every entry: a damaged one is set aside, not counted
          String msk = x.getKey();
          it.remove();
          quarantine.computeIfAbsent(from, k -> new ArrayList<>()).add(msk);
          continue;
        }
        if (e.state == IN_FLIGHT) {
          continue; // being processed (normalize() made the timed-out ones available)
        }
        String msk = x.getKey(); // before remove(): TreeMap reuses a removed entry for its successor
        it.remove();
        moveOne(to, msk, e.data, e.state == DELAYED ? e.time - now() : 0, 0, e.enqueuedAt); // keeps its delay
        n++;
      }
      return n;
    }

    /** Pushes; returns the model sks used (placeholders for generated ones). */
    void push(List<QueueItemInput> in, List<String> modelSks) {
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < in.size(); i++) {
        QueueItemInput x = in.get(i);
        if (!validPart(x.pk(), 2048) || (x.sk() != null && !validPart(x.sk(), 1024))
            || !registered(x.data()) || !seen.add(x.pk() + "\u0000" + modelSks.get(i))) {
          throw new IllegalArgumentException("model: bad push");
        }
      }
      normalize();
      for (int i = 0; i < in.size(); i++) {
        QueueItemInput x = in.get(i);
        pushOne(x.pk(), modelSks.get(i), x.data(), x.delaySeconds() * 1000L, 0, now());
      }
    }

    /** Claims up to max entries; returns (model sk, entry) pairs in delivery order. */
    List<Map.Entry<String, MEntry>> pull(String pk, long ttlSeconds, int max, int maxAttempts, String dlq) {
      if (!validPart(pk, 2048) || (maxAttempts > 0 && (!validPart(dlq, 2048) || dlq.equals(pk)))) {
        throw new IllegalArgumentException("model: bad queue");
      }
      normalize();
      setAsideDueDamaged(pk);
      List<Map.Entry<String, MEntry>> out = new ArrayList<>();
      for (Iterator<Map.Entry<String, MEntry>> it = queue(pk).entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<String, MEntry> e = it.next();
        if (out.size() >= max) {
          break;
        }
        MEntry m = e.getValue();
        if (m.damaged) {
          if (m.state == READY) { // met by the scan of available entries: set aside
            String msk = e.getKey();
            it.remove();
            quarantine.computeIfAbsent(pk, k -> new ArrayList<>()).add(msk);
          }
          continue;
        }
        if (m.state == READY && maxAttempts > 0 && m.attempts >= maxAttempts) {
          // Delivered too often: to the dead-letter queue (attempts and age kept), and go on.
          String msk = e.getKey(); // before remove(): TreeMap reuses a removed entry
          it.remove();
          moveOne(dlq, msk, m.data, 0, m.attempts, m.enqueuedAt);
          continue;
        }
        if (m.state == READY) {
          m.state = IN_FLIGHT;
          m.attempts++;
          m.time = now() + ttlSeconds * 1000L;
          m.receipt = null; // set from the store's delivery
          out.add(e);
        }
      }
      return out;
    }

    static boolean owns(MEntry e, String receipt) {
      return e.state != DELAYED && receipt.equals(e.receipt);
    }

    /** Key-based (receipt null) or delivery-based acknowledgement. */
    boolean ack(String pk, String msk, String receipt) {
      normalize();
      if (ackDamaged(pk, msk, receipt)) {
        return receipt == null;
      }
      TreeMap<String, MEntry> q = queue(pk);
      MEntry e = q.get(msk);
      if (e == null || (receipt != null && !owns(e, receipt))) {
        return receipt == null;
      }
      if (e.redeliver) {
        readyAgain(e, "");
      } else {
        q.remove(msk);
      }
      return true;
    }

    boolean release(String pk, String msk, String receipt) {
      normalize();
      if (setAside(pk, msk)) {
        return false;
      }
      MEntry e = queue(pk).get(msk);
      if (e == null) {
        if (receipt == null) {
          throw new IllegalArgumentException("model: no entry to release");
        }
        return false;
      }
      if (receipt != null && !owns(e, receipt)) {
        return false;
      }
      readyAgain(e, "");
      return true;
    }

    boolean extend(String pk, String msk, String receipt, long ttlSeconds) {
      normalize();
      if (setAside(pk, msk)) {
        return false;
      }
      MEntry e = queue(pk).get(msk);
      if (e == null || !owns(e, receipt)) {
        return false;
      }
      e.state = IN_FLIGHT;
      e.time = now() + ttlSeconds * 1000L;
      return true;
    }

    QueueStats stats(String pk) {
      normalize();
      long ready = 0;
      long inFlight = 0;
      long delayed = 0;
      Long firstEnq = null;
      for (MEntry e : queue(pk).values()) {
        switch (statsState(e)) {
          case READY -> {
            ready++;
            if (firstEnq == null) {
              firstEnq = e.enqueuedAt;
            }
          }
          case IN_FLIGHT -> inFlight++;
          default -> delayed++;
        }
      }
      long age = firstEnq == null ? 0 : Math.max(0, (now() - firstEnq) / 1000);
      return new QueueStats(ready, inFlight, delayed, age);
    }
  }

  // ====================================================================== the run

  /** A store under test: how to open it (again) with the run's clock. */
  interface Target {
    AtomicDb open(java.time.Clock clock);

    /** Whether close and open again keeps the data: the run then reopens at random points. */
    boolean durable();

    /**
     * The engine store under {@code db} (a store that wraps the engine, such as AtomicEtcdDb,
     * returns the one it wraps): the run damages queue records and reads the quarantine there.
     */
    default AtomicDb engine(AtomicDb db) {
      return db;
    }

    /**
     * Whether the store takes a push of any size and a pull of any batch in one commit (memory,
     * RocksDB). A store with a commit limit (etcd: 128 operations) refuses a larger push and
     * delivers a smaller batch, which the model does not follow: the run then leaves out its mass
     * timeouts (1,000 and more entries pushed at once); the queue contract's mass-timeout tests
     * run on such stores instead.
     */
    default boolean oneCommitPerBatch() {
      return true;
    }
  }

  static final class Run implements AutoCloseable {
    final Object kind;
    final Target target;
    final long seed;
    final Random rnd;
    final TestClock clock;
    final Model model;
    AtomicDb db;

    int opIndex;
    String op = "";
    final ArrayDeque<String> recent = new ArrayDeque<>();
    final Map<String, Integer> counts = new TreeMap<>();

    /** Locks the client holds: fresh, stale and expired ones. */
    final List<ItemLock> held = new ArrayList<>();
    final Set<String> versionsSeen = new HashSet<>();
    /** Deliveries the client holds (some with lost leases). */
    final List<QueueItem> deliveries = new ArrayList<>();
    final Set<String> receiptsSeen = new HashSet<>();
    /** Generated sks: placeholder <-> real, per queue ("pk\0sk"). */
    final Map<String, String> realOf = new HashMap<>();
    final Map<String, String> placeholderOf = new HashMap<>();
    int generated;
    int bulkEntries;
    int valueCounter;
    int reopens;

    Run(Kind kind, Path dir, long seed) {
      this(kind, new Target() {
        @Override
        public AtomicDb open(java.time.Clock clock) {
          return Stores.open(kind, dir, clock);
        }

        @Override
        public boolean durable() {
          return kind.durable();
        }
      }, seed);
    }

    Run(Object kind, Target target, long seed) {
      this.kind = kind;
      this.target = target;
      this.seed = seed;
      this.rnd = new Random(seed);
      // Start at the wall clock: RocksDB's TTL compaction filter drops items by wall-clock time,
      // so a test clock behind it would see items vanish that it still considers live.
      this.clock = new TestClock((System.currentTimeMillis() / 1000) * 1000 + rnd.nextInt(1000));
      this.model = new Model(clock);
      this.db = target.open(clock);
    }

    int massTimeouts;

    String summary() {
      return "ops=" + opIndex + " reopens=" + reopens + " massTimeouts=" + massTimeouts + " renamedMoves="
          + model.renames + " delayedRepushesInFlight=" + model.delayedRepushes + " " + counts;
    }

    @Override
    public void close() {
      db.close();
    }

    void run(int ops) {
      for (opIndex = 0; opIndex < ops; opIndex++) {
        try {
          if (target.oneCommitPerBatch()
              && (opIndex == ops / 3 || opIndex == 2 * ops / 3 || rnd.nextInt(20_000) == 0)) {
            massTimeout();
          }
          step();
        } catch (AssertionError | RuntimeException e) {
          throw new AssertionError(
              "model and store disagree: seed=" + seed + " op#" + opIndex + " " + op
                  + "\n  replay: -Datomicdb.model.seed=" + seed + " -Datomicdb.model.ops=" + ops
                  + "\n  kind=" + kind + " now=" + clock.millis() + "\n  last ops:\n    "
                  + String.join("\n    ", recent) + "\n  model queues: " + model.queues
                  + "\n  store queues:" + storeQueues()
                  + "\n  cause: " + e.getMessage(),
              e);
        }
      }
    }

    String storeQueues() {
      try {
        return io.github.atomicdb.EngineAccess.dumpQueues(target.engine(db));
      } catch (RuntimeException e) {
        return " (cannot dump: " + e + ")";
      }
    }

    void describe(String s) {
      op = s;
      recent.addLast("#" + opIndex + " " + s);
      if (recent.size() > Integer.getInteger("atomicdb.model.history", 25)) {
        recent.removeFirst();
      }
      String name = s.split("[ (]", 2)[0];
      counts.merge(name, 1, Integer::sum);
    }

    // ------------------------------------------------------------ random inputs

    String pk() {
      return rnd.nextInt(100) < 2 ? BAD[rnd.nextInt(BAD.length)] : PKS[rnd.nextInt(PKS.length)];
    }

    String sk() {
      return rnd.nextInt(100) < 2 ? BAD[rnd.nextInt(BAD.length)] : SKS[rnd.nextInt(SKS.length)];
    }

    ItemKey key() {
      return ItemKey.of(pk(), sk());
    }

    Object value() {
      int n = valueCounter++;
      return switch (rnd.nextInt(20)) {
        case 0 -> null;
        case 1 -> new ContractTypes.Unregistered("u" + n);
        case 2, 3 -> new ContractTypes.Point(n, -n);
        case 4, 5 -> List.of(n, n + 1);
        case 6 -> Map.of("k", n);
        case 7, 8, 9 -> "s" + n;
        default -> n;
      };
    }

    Long ttl() {
      int r = rnd.nextInt(10);
      if (r < 6) {
        return null;
      }
      return clock.seconds() + rnd.nextInt(40) - 5;
    }

    Item item() {
      ItemKey k = key();
      return new Item(k.pk(), k.sk(), value(), ttl());
    }

    <T> T pick(List<T> l) {
      return l.get(rnd.nextInt(l.size()));
    }

    // ------------------------------------------------------------ comparing

    /** Outcome of a call: a value or an exception. */
    record Out<T>(T value, RuntimeException error) {
      static <T> Out<T> of(Supplier<T> s) {
        try {
          return new Out<>(s.get(), null);
        } catch (RuntimeException e) {
          return new Out<>(null, e);
        }
      }
    }

    /**
     * Runs the model then the store; if the model throws, the store must throw the same kind;
     * otherwise the store must not throw. Returns both outcomes for comparing values.
     */
    <M, S> Out<S> both(Supplier<M> modelCall, Supplier<S> storeCall, Object[] modelOut) {
      Out<M> m = Out.of(modelCall);
      Out<S> s = Out.of(storeCall);
      if (m.error() != null) {
        if (s.error() == null) {
          throw new AssertionError("model threw " + m.error() + " but the store returned " + s.value());
        }
        if (!m.error().getClass().isInstance(s.error())) {
          throw new AssertionError("model threw " + m.error() + " but the store threw " + s.error(), s.error());
        }
        return null;
      }
      if (s.error() != null) {
        throw new AssertionError("model returned " + m.value() + " but the store threw " + s.error(), s.error());
      }
      modelOut[0] = m.value();
      return s;
    }

    <T> void same(Supplier<T> modelCall, Supplier<T> storeCall) {
      Object[] mo = new Object[1];
      Out<T> s = both(modelCall, storeCall, mo);
      if (s != null && !Objects.deepEquals(mo[0], s.value())) {
        throw new AssertionError("expected (model) " + mo[0] + " but the store gave " + s.value());
      }
    }

    void sameVoid(Runnable modelCall, Runnable storeCall) {
      same(() -> {
        modelCall.run();
        return "ok";
      }, () -> {
        storeCall.run();
        return "ok";
      });
    }

    // ------------------------------------------------------------ one step

    void step() {
      int r = rnd.nextInt(1000);
      if (r < 70) {
        Item i = item();
        describe("set " + i);
        sameVoid(() -> model.set(List.of(i)), () -> db.set(i));
      } else if (r < 110) {
        List<Item> l = new ArrayList<>();
        int n = 1 + rnd.nextInt(4);
        for (int j = 0; j < n; j++) {
          l.add(item());
        }
        describe("setList " + l);
        sameVoid(() -> model.set(l), () -> db.set(l));
      } else if (r < 190) {
        ItemKey k = key();
        describe("get " + k);
        same(() -> model.get(k), () -> db.get(k));
      } else if (r < 220) {
        List<ItemKey> ks = new ArrayList<>();
        int n = rnd.nextInt(5);
        for (int j = 0; j < n; j++) {
          ks.add(key());
        }
        describe("getMany " + ks);
        same(() -> ks.stream().map(model::get).toList(), () -> db.getMany(ks));
      } else if (r < 290) {
        getLock(key());
      } else if (r < 370) {
        setAtomicOne();
      } else if (r < 410) {
        setAtomicMany();
      } else if (r < 440) {
        ItemKey k = key();
        describe("delete " + k);
        sameVoid(() -> model.delete(List.of(k)), () -> db.delete(k));
      } else if (r < 455) {
        List<ItemKey> ks = new ArrayList<>();
        int n = rnd.nextInt(4);
        for (int j = 0; j < n; j++) {
          ks.add(key());
        }
        describe("deleteList " + ks);
        sameVoid(() -> model.delete(ks), () -> db.delete(ks));
      } else if (r < 500) {
        Query q = query();
        describe("query " + q);
        same(() -> model.query(q), () -> db.query(q));
      } else if (r < 525) {
        Query q = query();
        int take = rnd.nextInt(4);
        describe("stream " + q + " take " + take);
        same(() -> {
          List<Item> all = model.query(q);
          return all.subList(0, Math.min(take, all.size()));
        }, () -> {
          try (Stream<Item> s = db.stream(q)) {
            return s.limit(take).collect(Collectors.toList());
          }
        });
      } else if (r < 610) {
        push(1);
      } else if (r < 640) {
        push(2 + rnd.nextInt(3));
      } else if (r < 720) {
        pull(false);
      } else if (r < 750) {
        pull(true);
      } else if (r < 790) {
        ackByKey();
      } else if (r < 830) {
        byDelivery("ack");
      } else if (r < 850) {
        releaseByKey();
      } else if (r < 875) {
        byDelivery("release");
      } else if (r < 900) {
        byDelivery("extend");
      } else if (r < 910) {
        String from = QUEUES[rnd.nextInt(QUEUES.length)];
        String to = rnd.nextInt(20) == 0 ? from : QUEUES[rnd.nextInt(QUEUES.length)];
        describe("redrive " + from + " -> " + to);
        same(() -> model.redrive(from, to), () -> db.queueRedrive(from, to));
        for (String q : from.equals(to) ? List.of(from) : List.of(from, to)) {
          describe("stats " + q + " after redrive");
          same(() -> model.stats(q), () -> db.queueStats(q));
        }
      } else if (r < 925) {
        String q = rnd.nextInt(50) == 0 ? "" : QUEUES[rnd.nextInt(QUEUES.length)];
        describe("stats " + q);
        same(() -> {
          if (q.isEmpty()) {
            throw new IllegalArgumentException("model: bad queue");
          }
          return model.stats(q);
        }, () -> db.queueStats(q));
      } else if (r < 935) {
        damagedEntries();
      } else if (r < 995) {
        tick();
      } else if (target.durable()) {
        describe("reopen");
        db.close();
        db = target.open(clock);
        reopens++;
      } else {
        tick();
      }
    }

    Query query() {
      String pk = rnd.nextInt(50) == 0 ? "" : PKS[rnd.nextInt(PKS.length)];
      Query q = Query.of(pk).withSkPrefix(PREFIXES[rnd.nextInt(PREFIXES.length)]);
      if (rnd.nextBoolean()) {
        q = q.reversed();
      }
      if (rnd.nextInt(3) == 0) {
        q = q.withLimit(rnd.nextInt(4));
      }
      return q;
    }

    void tick() {
      long ms = switch (rnd.nextInt(20)) {
        case 0 -> 3600_000L * (1 + rnd.nextInt(3));
        case 1 -> 23 * 3600_000L + rnd.nextInt(2 * 3600_000);
        case 2, 3 -> 200_000 + rnd.nextInt(200_000);
        case 4, 5, 6, 7 -> 1000 + rnd.nextInt(20_000);
        default -> rnd.nextInt(2000);
      };
      describe("tick +" + ms + "ms");
      clock.advance(java.time.Duration.ofMillis(ms));
    }

    // ------------------------------------------------------------ locks

    ItemLock getLock(ItemKey k) {
      describe("getLock " + k);
      Object[] mo = new Object[1];
      Out<ItemLock> s = both(() -> Optional.ofNullable(model.expectedLock(k)), () -> db.getLock(k), mo);
      if (s == null) {
        return null;
      }
      @SuppressWarnings("unchecked")
      Optional<Model.MLock> expected = (Optional<Model.MLock>) mo[0];
      ItemLock got = s.value();
      if (!got.key().equals(k)) {
        throw new AssertionError("getLock(" + k + ") returned a lock of " + got.key());
      }
      if (expected.isPresent() && expected.get().version() != null) {
        if (!expected.get().version().equals(got.version()) || expected.get().ttl() != got.ttl()) {
          throw new AssertionError("expected the stored lock " + expected.get() + " but got " + got);
        }
      } else {
        // A new version (or the one setAtomic stored, which the client has never seen).
        long ttl = expected.isPresent() ? expected.get().ttl() : model.nowS() + 24 * 3600;
        if (versionsSeen.contains(got.version()) || got.ttl() != ttl) {
          throw new AssertionError("expected an unseen version with ttl " + ttl + " but got " + got
              + (versionsSeen.contains(got.version()) ? " (version seen before)" : ""));
        }
      }
      versionsSeen.add(got.version());
      model.locks.put(k, new Model.MLock(got.version(), got.ttl()));
      held.add(got);
      if (held.size() > 40) {
        held.remove(0);
      }
      return got;
    }

    ItemLock someLock() {
      int r = rnd.nextInt(10);
      if (r == 0 || held.isEmpty()) {
        ItemKey k = key();
        return new ItemLock(k.pk(), k.sk(), "forged-" + rnd.nextInt(3), clock.seconds() + 1000);
      }
      if (r < 6) {
        return held.get(held.size() - 1 - rnd.nextInt(Math.min(3, held.size())));
      }
      return pick(held);
    }

    void setAtomicOne() {
      ItemLock lock;
      if (rnd.nextBoolean()) {
        ItemKey k = key();
        lock = getLock(k);
        if (lock == null) {
          return;
        }
      } else {
        lock = someLock();
      }
      Item i = rnd.nextInt(5) == 0 ? item()
          : new Item(lock.pk(), lock.sk(), value(), ttl());
      describe("setAtomic " + i + " with " + lock);
      ItemLock l = lock;
      sameVoid(() -> model.setAtomic(List.of(i), List.of(l)), () -> db.setAtomic(i, l));
    }

    void setAtomicMany() {
      int n = rnd.nextInt(4);
      List<Item> is = new ArrayList<>();
      List<ItemLock> ls = new ArrayList<>();
      for (int j = 0; j < n; j++) {
        ItemLock l = rnd.nextBoolean() ? getLock(key()) : someLock();
        if (l == null) {
          return;
        }
        ls.add(l);
        is.add(rnd.nextInt(4) == 0 ? item() : new Item(l.pk(), l.sk(), value(), ttl()));
      }
      if (rnd.nextInt(15) == 0) {
        is.add(item()); // lengths differ
      }
      describe("setAtomicList " + is + " with " + ls);
      sameVoid(() -> model.setAtomic(is, ls), () -> db.setAtomic(is, ls));
    }

    // ------------------------------------------------------------ queue

    String queueName() {
      return rnd.nextInt(60) == 0 ? BAD[rnd.nextInt(3)] : QUEUES[rnd.nextInt(QUEUES.length)];
    }

    void push(int n) {
      List<QueueItemInput> in = new ArrayList<>();
      List<String> modelSks = new ArrayList<>();
      for (int j = 0; j < n; j++) {
        String q = queueName();
        boolean gen = rnd.nextInt(3) == 0;
        String sk = gen ? null : (rnd.nextInt(80) == 0 ? BAD[rnd.nextInt(BAD.length)] : QSKS[rnd.nextInt(QSKS.length)]);
        Object data = gen ? "gen" + valueCounter++ : value();
        if (!deliveries.isEmpty() && rnd.nextInt(8) == 0) {
          // Again to a delivered entry (often still in flight), with a delay.
          QueueItem d = deliveries.get(deliveries.size() - 1 - rnd.nextInt(Math.min(3, deliveries.size())));
          in.add(QueueItemInput.of(d.pk(), d.sk(), data).withDelaySeconds(1 + rnd.nextInt(30)));
          modelSks.add(msk(d.pk(), d.sk()));
          continue;
        }
        QueueItemInput x = QueueItemInput.of(q, sk, data);
        if (rnd.nextInt(6) == 0) {
          x = x.withDelaySeconds(1 + rnd.nextInt(30));
        }
        in.add(x);
        modelSks.add(gen ? String.format("0gen%09d", generated++) : sk);
      }
      describe("push " + in);
      if (n == 1 && rnd.nextBoolean()) {
        sameVoid(() -> model.push(in, modelSks), () -> db.queuePush(in.get(0)));
      } else {
        sameVoid(() -> model.push(in, modelSks), () -> db.queuePush(in));
      }
    }

    void pull(boolean batch) {
      String q = queueName();
      long ttl = switch (rnd.nextInt(4)) {
        case 0 -> 1 + rnd.nextInt(5);
        case 1 -> 300;
        default -> 5 + rnd.nextInt(60);
      };
      int max = batch ? (rnd.nextInt(12) == 0 ? 0 : 1 + rnd.nextInt(4)) : 1;
      QueuePullOptions o0 = rnd.nextBoolean() && ttl == 300 ? QueuePullOptions.of(q) : QueuePullOptions.of(q).withTtlSeconds(ttl);
      int maxAttempts = rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(3) : 0;
      if (maxAttempts > 0) {
        o0 = o0.withMaxAttempts(maxAttempts);
        if (rnd.nextBoolean()) {
          o0 = o0.withDeadLetterQueue(QUEUES[rnd.nextInt(QUEUES.length)]);
        }
      }
      comparePull(o0, ttl, max, maxAttempts, batch);
    }

    /** Pulls from the model and the store and compares the deliveries; returns the store's. */
    List<QueueItem> comparePull(QueuePullOptions o, long ttl, int max, int maxAttempts, boolean batch) {
      String q = o.pk();
      String dlq = o.deadLetterQueueOrDefault();
      describe((batch ? "pullBatch " + max + " " : "pull ") + o);
      Object[] mo = new Object[1];
      Out<List<QueueItem>> s = both(() -> {
        if (max < 1) {
          throw new IllegalArgumentException("model: max < 1");
        }
        return model.pull(q, ttl, max, maxAttempts, dlq);
      }, () -> batch ? db.queuePullBatch(o, max) : db.queuePull(o).map(List::of).orElse(List.of()), mo);
      if (s == null) {
        return List.of();
      }
      @SuppressWarnings("unchecked")
      List<Map.Entry<String, Model.MEntry>> expected = (List<Map.Entry<String, Model.MEntry>>) mo[0];
      List<QueueItem> got = s.value();
      if (expected.size() != got.size()) {
        throw new AssertionError("expected " + expected.size() + " deliveries " + expected + " but got " + got);
      }
      for (int j = 0; j < got.size(); j++) {
        String msk = expected.get(j).getKey();
        Model.MEntry e = expected.get(j).getValue();
        QueueItem d = got.get(j);
        String realSk = realSk(msk, d.sk());
        long timeout = Math.floorDiv(e.time + 999, 1000);
        if (!d.pk().equals(q) || !d.sk().equals(realSk) || !Objects.deepEquals(d.data(), e.data)
            || !d.isProcessing() || d.processingTimeout() != timeout || d.attempts() != e.attempts) {
          throw new AssertionError("delivery " + j + ": expected (" + q + ", " + realSk + ", " + e.data
              + ", true, " + timeout + ", " + e.attempts + ") but got " + d);
        }
        if (d.receipt() == null || d.receipt().isEmpty() || !receiptsSeen.add(d.receipt())) {
          throw new AssertionError("delivery has a missing or reused receipt: " + d);
        }
        e.receipt = d.receipt();
        deliveries.add(d);
        if (deliveries.size() > 30) {
          deliveries.remove(0);
        }
      }
      return got;
    }

    /**
     * A mass timeout: more than a pull promotes in one commit (1,000) time out at once, with
     * deadlines out of sk order, then batch pulls of random sizes must return them in sk order.
     */
    void massTimeout() {
      massTimeouts++;
      String q = "bulk";
      int n = 1001 + rnd.nextInt(400);
      List<QueueItemInput> in = new ArrayList<>();
      List<String> msks = new ArrayList<>();
      for (int j = 0; j < n; j++) {
        String sk = String.format("m%07d", bulkEntries++);
        in.add(QueueItemInput.of(q, sk, j));
        msks.add(sk);
      }
      describe("push " + n + " entries to " + q);
      sameVoid(() -> model.push(in, msks), () -> db.queuePush(in));
      long[] ttls = {10, 20 + rnd.nextInt(20), 10};
      for (int pass = 0; pass < 3; pass++) {
        int want = pass < 2 ? n / 3 : n;
        for (int got = 0; got < want; ) {
          int max = Math.min(want - got, 1 + rnd.nextInt(500));
          List<QueueItem> d = comparePull(QueuePullOptions.of(q).withTtlSeconds(ttls[pass]), ttls[pass], max, 0, true);
          if (d.isEmpty()) {
            break;
          }
          got += d.size();
        }
      }
      long ms = (ttls[1] + 1) * 1000L;
      describe("tick +" + ms + "ms (every delivery of " + q + " timed out)");
      clock.advance(java.time.Duration.ofMillis(ms));
      List<QueueItem> again = new ArrayList<>();
      while (true) {
        int max = rnd.nextBoolean() ? 1 + rnd.nextInt(1500) : n;
        List<QueueItem> d = comparePull(QueuePullOptions.of(q), 300, max, 0, true);
        if (d.isEmpty()) {
          break;
        }
        again.addAll(d);
      }
      for (QueueItem d : again) {
        describe("ackDelivery " + d.key());
        same(() -> model.ack(q, d.sk(), d.receipt()), () -> db.queueAcknowledge(d));
      }
    }

    /** The real sk of model sk {@code msk}, binding placeholders to what the store delivered. */
    String realSk(String msk, String delivered) {
      int i = msk.lastIndexOf("~0mov");
      if (i < 0) {
        return msk.startsWith("0gen") ? bind(null, msk, delivered) : msk;
      }
      String bound = realOf.get(msk);
      if (bound != null) {
        return bound;
      }
      // A moved entry renamed: the store's sk is (its sk) ~ (a new ULID).
      String base = msk.substring(0, i);
      String realBase = base.startsWith("0gen") || base.contains("~0mov") ? realOf.get(base) : base;
      int j = delivered.lastIndexOf('~');
      if (j < 0 || placeholderOf.containsKey(delivered)
          || !delivered.substring(j + 1).matches("[0-9A-HJKMNP-TV-Z]{26}")
          || (realBase != null && !delivered.substring(0, j).equals(realBase))) {
        throw new AssertionError("moved entry " + msk + " delivered with sk " + delivered
            + ", not " + (realBase == null ? base : realBase) + "~(a new ULID)");
      }
      realOf.put(msk, delivered);
      placeholderOf.put(delivered, msk);
      return delivered;
    }

    /** Binds a generated placeholder to the sk the store generated, checking consistency. */
    String bind(String q, String placeholder, String real) {
      String pk0 = placeholder;
      String bound = realOf.get(pk0);
      if (bound != null) {
        return bound;
      }
      if (placeholderOf.containsKey(real) || Arrays.asList(QSKS).contains(real)
          || !real.matches("[0-9A-HJKMNP-TV-Z]{26}")) {
        throw new AssertionError("generated entry " + placeholder + " delivered with sk " + real
            + ", which is not a new ULID");
      }
      realOf.put(pk0, real);
      placeholderOf.put(real, placeholder);
      return real;
    }

    /** Model sk of a real (pk, sk). */
    String msk(String pk, String sk) {
      return placeholderOf.getOrDefault(sk, sk);
    }

    /** A key of a queue entry the client knows (explicit or delivered), or a random one. */
    ItemKey queueKey() {
      if (!deliveries.isEmpty() && rnd.nextInt(3) == 0) {
        return pick(deliveries).key();
      }
      String sk = rnd.nextInt(40) == 0 ? BAD[rnd.nextInt(BAD.length)] : QSKS[rnd.nextInt(QSKS.length)];
      return ItemKey.of(queueName(), sk);
    }

    void ackByKey() {
      ItemKey k = queueKey();
      describe("ackKey " + k);
      sameVoid(() -> {
        Model.requireKey(k.pk(), k.sk());
        model.ack(k.pk(), msk(k.pk(), k.sk()), null);
      }, () -> db.queueAcknowledge(k));
    }

    void releaseByKey() {
      ItemKey k = queueKey();
      describe("releaseKey " + k);
      sameVoid(() -> {
        Model.requireKey(k.pk(), k.sk());
        model.release(k.pk(), msk(k.pk(), k.sk()), null);
      }, () -> db.queueRelease(k));
    }

    void byDelivery(String what) {
      QueueItem d;
      int r = rnd.nextInt(20);
      if (deliveries.isEmpty() || r == 0) {
        ItemKey k = queueKey();
        d = new QueueItem(k.pk(), k.sk(), null, true, 0, 1, r == 0 && rnd.nextBoolean() ? null : "forged");
      } else {
        d = r < 12 ? deliveries.get(deliveries.size() - 1 - rnd.nextInt(Math.min(3, deliveries.size())))
            : pick(deliveries);
      }
      long ttl = rnd.nextInt(30) == 0 ? 0 : 1 + rnd.nextInt(400);
      QueueItem del = d;
      describe(what + "Delivery " + d + (what.equals("extend") ? " ttl " + ttl : ""));
      same(() -> {
        Model.requireKey(del.pk(), del.sk());
        if (del.receipt() == null || (what.equals("extend") && ttl < 1)) {
          throw new IllegalArgumentException("model: no receipt or bad ttl");
        }
        String msk = msk(del.pk(), del.sk());
        return switch (what) {
          case "ack" -> model.ack(del.pk(), msk, del.receipt());
          case "release" -> model.release(del.pk(), msk, del.receipt());
          default -> model.extend(del.pk(), msk, del.receipt(), ttl);
        };
      }, () -> switch (what) {
        case "ack" -> db.queueAcknowledge(del);
        case "release" -> db.queueRelease(del);
        default -> db.queueExtend(del, ttl);
      });
    }

    // ------------------------------------------------------------ damaged entries

    /**
     * The sk the store holds for a model sk (generated ones and moved ones renamed onto a taken sk
     * once delivered), or null while it is not known.
     */
    String realSk(String msk) {
      return msk.startsWith("0gen") || msk.contains("~0mov") ? realOf.get(msk) : msk;
    }

    /** Damages an entry on disk, or compares / deletes a queue's quarantine. */
    void damagedEntries() {
      String q = QUEUES[rnd.nextInt(QUEUES.length)];
      int r = rnd.nextInt(10);
      if (r < 4) {
        List<String> candidates = new ArrayList<>();
        for (Map.Entry<String, Model.MEntry> x : model.queue(q).entrySet()) {
          if (!x.getValue().damaged && realSk(x.getKey()) != null) {
            candidates.add(x.getKey());
          }
        }
        if (candidates.isEmpty()) {
          tick();
          return;
        }
        String msk = pick(candidates);
        int at = rnd.nextInt(1000);
        int bit = rnd.nextInt(8);
        describe("damage " + q + " " + realSk(msk) + " byte " + at + " bit " + bit);
        long[] stored = io.github.atomicdb.EngineAccess.damageQueueEntry(target.engine(db), q, realSk(msk), at, bit);
        if (stored == null) {
          throw new AssertionError("the model holds " + msk + " in " + q + " but the store has no entry");
        }
        // From now on the model sees it as stored: a due entry the store has not promoted yet
        // stays in its timed index, where every pull meets it first.
        Model.MEntry e = model.queue(q).get(msk);
        e.damaged = true;
        e.state = (int) stored[0];
        e.time = stored[1];
      } else if (r < 8) {
        describe("quarantine " + q);
        same(() -> model.quarantine.getOrDefault(q, List.of()).stream().map(this::realSk).sorted(UTF8).toList(),
            () -> io.github.atomicdb.EngineAccess.tools(target.engine(db)).quarantined(q, 0).stream()
                .map(io.github.atomicdb.tools.QuarantinedEntry::sk).sorted(UTF8).toList());
      } else {
        List<String> held = model.quarantine.getOrDefault(q, List.of());
        String msk = held.isEmpty() || rnd.nextInt(4) == 0 ? QSKS[rnd.nextInt(QSKS.length)] : pick(held);
        String sk = realSk(msk);
        describe("deleteQuarantined " + q + " " + sk);
        same(() -> model.deleteQuarantined(q, msk),
            () -> io.github.atomicdb.EngineAccess.tools(target.engine(db)).deleteQuarantined(q, sk));
      }
    }
  }
}
