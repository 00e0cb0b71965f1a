package io.github.atomicdb.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicRocksDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.ItemLock;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import io.github.atomicdb.QueueStats;
import io.github.atomicdb.RaceConditionException;
import io.github.atomicdb.contract.TestClock;
import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.tools.QuarantinedEntry;
import io.github.atomicdb.tools.StoreTools;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash-restart cycles (STYLE.md habit 11): a child JVM runs a mixed workload on {@link
 * AtomicRocksDb} and is killed with SIGKILL ({@code destroyForcibly}) at a random moment; the
 * parent reopens the store and checks every durability promise against what the child
 * acknowledged (a line printed and flushed after each call returned):
 *
 * <ul>
 *   <li>the total of the accounts, moved by multi-item setAtomic transfers, is intact;
 *   <li>every acknowledged counter increment is there, and no two increments of the contended
 *       counter ever wrote the same value (no lost update);
 *   <li>every acknowledged push is either still in the queue or was pulled (consumed); no
 *       acknowledged (consumed) entry comes back; nothing appears that was never pushed;
 *   <li>every lock still works: getLock then setAtomic succeeds;
 *   <li>a damaged entry never stops the queue: between cycles one available entry's bytes are
 *       damaged on disk (raw RocksDB, store closed); the next child's consumers or the parent's
 *       drain set it aside, it is never delivered, it sits in the quarantine with exactly the
 *       damaged bytes, a child that set it aside logged a line naming it, nothing else is
 *       quarantined or lost, and the counters stay exact.
 * </ul>
 *
 * Cycles alternate syncWrites false (the default; a process crash must lose nothing that
 * returned) and true. Number of cycles: {@code -Datomicdb.crash.cycles} (default 20).
 */
class CrashRestartTest {
  static final int CYCLES = Integer.getInteger("atomicdb.crash.cycles", 20);
  static final List<String> ACCOUNTS = List.of("a0", "a1", "a2", "a3", "a4");
  static final long TOTAL = 5_000;
  static final List<String> COUNTERS = List.of("c0", "c1", "shared");
  static final String QUEUE = "jobs";

  @TempDir Path tmp;

  // ====================================================================== the child

  /**
   * The child workload: {@code Workload <dir> <seed> <cycle> <syncWrites> <ackFile>}. Each
   * acknowledgement is one unbuffered write(2) to the file (in the page cache once the call
   * returns, so it survives SIGKILL of the writer), followed by a line on stdout.
   */
  public static final class Workload {
    private static FileOutputStream out;

    /** One acknowledgement line, flushed; the trailing ';' marks a complete line. */
    static synchronized void ack(String line) {
      try {
        out.write((line + ";\n").getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    public static void main(String[] args) throws Exception {
      out = new FileOutputStream(args[4], true);
      Path dir = Path.of(args[0]);
      long seed = Long.parseLong(args[1]);
      int cycle = Integer.parseInt(args[2]);
      boolean sync = Boolean.parseBoolean(args[3]);
      AtomicDb db = AtomicRocksDb.builder(dir).syncWrites(sync).open();
      ack("READY");
      List<Thread> threads = new ArrayList<>();
      threads.add(worker("counter-0", () -> counters(db, "c0", seed)));
      threads.add(worker("counter-1", () -> counters(db, "c1", seed + 1)));
      threads.add(worker("transfers-0", () -> transfers(db, new Random(seed + 2))));
      threads.add(worker("transfers-1", () -> transfers(db, new Random(seed + 3))));
      threads.add(worker("producer", () -> produce(db, new Random(seed + 4), cycle)));
      threads.add(worker("consumer-0", () -> consume(db, "consumer-0")));
      threads.add(worker("consumer-1", () -> consume(db, "consumer-1")));
      for (Thread t : threads) {
        t.join(); // never returns normally: the parent kills us
      }
    }

    interface Body {
      void run() throws Exception;
    }

    static Thread worker(String name, Body body) {
      Thread t = new Thread(() -> {
        try {
          body.run();
        } catch (Throwable e) {
          ack("ERROR " + name + " " + e.toString().replace('\n', ' ').replace(';', ','));
          e.printStackTrace();
        }
      }, name);
      t.start();
      return t;
    }

    /** Increments its own counter and the shared one, acknowledging each written value. */
    static void counters(AtomicDb db, String own, long seed) {
      Random r = new Random(seed);
      while (true) {
        String c = r.nextBoolean() ? own : "shared";
        ItemKey k = ItemKey.of("counter", c);
        try {
          ItemLock l = db.getLock(k);
          long v = db.get(k).map(i -> (Long) i.data()).orElse(0L) + 1;
          db.setAtomic(Item.of("counter", c, v), l);
          ack("INC " + c + " " + v);
        } catch (RaceConditionException lost) {
          // another incrementer won: read again
        }
      }
    }

    /** Moves amounts between two accounts in one setAtomic, keeping the total. */
    static void transfers(AtomicDb db, Random r) {
      while (true) {
        String from = ACCOUNTS.get(r.nextInt(ACCOUNTS.size()));
        String to = ACCOUNTS.get(r.nextInt(ACCOUNTS.size()));
        if (from.equals(to)) {
          continue;
        }
        ItemKey fk = ItemKey.of("account", from);
        ItemKey tk = ItemKey.of("account", to);
        try {
          List<ItemLock> locks = List.of(db.getLock(fk), db.getLock(tk));
          var both = db.getMany(List.of(fk, tk));
          long a = (Long) both.get(0).orElseThrow().data();
          long b = (Long) both.get(1).orElseThrow().data();
          long amount = Math.min(a, 1 + r.nextInt(50));
          db.setAtomic(List.of(Item.of("account", from, a - amount), Item.of("account", to, b + amount)), locks);
          ack("XFER " + from + " " + to + " " + amount);
        } catch (RaceConditionException lost) {
          // retry with fresh locks
        }
      }
    }

    /** Pushes singles (explicit or generated sk) and lists; data is a unique id. */
    static void produce(AtomicDb db, Random r, int cycle) {
      for (int n = 0; ; n++) {
        int k = r.nextInt(4) == 0 ? 2 + r.nextInt(3) : 1;
        List<QueueItemInput> in = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int j = 0; j < k; j++) {
          String id = "p" + cycle + "-" + n + "-" + j;
          ids.add(id);
          in.add(r.nextBoolean() ? QueueItemInput.of(QUEUE, id, id) : QueueItemInput.of(QUEUE, id));
        }
        for (String id : ids) {
          ack("TRY " + id);
        }
        if (k == 1) {
          db.queuePush(in.get(0));
        } else {
          db.queuePush(in);
        }
        for (String id : ids) {
          ack("PUSH " + id);
        }
        if (n % 4 == 3) {
          Thread.onSpinWait();
        }
      }
    }

    /**
     * Pulls, acknowledges the pull, then acknowledges the entry and that too; now and then says
     * (LIVE) until when its pulls have all returned.
     */
    static void consume(AtomicDb db, String name) throws InterruptedException {
      long lastLive = 0;
      while (true) {
        var got = db.queuePull(QueuePullOptions.of(QUEUE).withTtlSeconds(5));
        long now = System.currentTimeMillis();
        if (now - lastLive >= 10) { // this thread's pulls up to now have returned
          ack("LIVE " + name + " " + now);
          lastLive = now;
        }
        if (got.isEmpty()) {
          Thread.sleep(2);
          continue;
        }
        String id = (String) got.get().data();
        ack("PULL " + id);
        if (db.queueAcknowledge(got.get())) {
          ack("ACK " + id);
        }
      }
    }
  }

  // ====================================================================== the parent

  /** What the children acknowledged, across every cycle. */
  static final class Acked {
    final Set<String> tried = new HashSet<>();
    final Set<String> pushed = new HashSet<>();
    final Set<String> pulled = new HashSet<>();
    final Set<String> consumed = new HashSet<>();
    final Map<String, Long> maxCounter = new HashMap<>();
    final Set<Long> sharedValues = new HashSet<>();
    /** Entries damaged on disk between cycles: sk to the id they hold. */
    final Map<String, String> damaged = new HashMap<>();
    /** And their bytes after the damage, by sk. */
    final Map<String, byte[]> damagedBytes = new HashMap<>();
    int transfers;
    int incs;
    /** Per cycle: each consumer thread's last LIVE time (epoch millis). */
    final List<Map<String, Long>> live = new ArrayList<>();
    /** Per cycle: when its child was started and when it was dead (epoch millis). */
    final List<long[]> lifetimes = new ArrayList<>();

    void line(String l) {
      String[] p = l.substring(0, l.length() - 1).split(" ");
      switch (p[0]) {
        case "TRY" -> tried.add(p[1]);
        case "PUSH" -> pushed.add(p[1]);
        case "PULL" -> {
          if (damaged.containsValue(p[1])) {
            throw new AssertionError("damaged entry " + p[1] + " was delivered");
          }
          pulled.add(p[1]);
        }
        case "ACK" -> consumed.add(p[1]);
        case "XFER" -> transfers++;
        case "INC" -> {
          incs++;
          long v = Long.parseLong(p[2]);
          maxCounter.merge(p[1], v, Math::max);
          if (p[1].equals("shared") && !sharedValues.add(v)) {
            throw new AssertionError("two acknowledged increments of the shared counter wrote " + v
                + ": a lost update");
          }
        }
        case "LIVE" -> live.get(live.size() - 1).merge(p[1], Long.parseLong(p[2]), Math::max);
        case "READY" -> { }
        case "ERROR" -> throw new AssertionError("child failed: " + l);
        default -> throw new AssertionError("unexpected child line: " + l);
      }
    }
  }

  @Test
  void sigkillCyclesLoseNothingThatReturned() throws Exception {
    Path dir = tmp.resolve("store");
    long seed = Long.getLong("atomicdb.crash.seed", System.nanoTime());
    System.out.println("CrashRestartTest seed=" + seed + " cycles=" + CYCLES);
    Random r = new Random(seed);
    try (AtomicDb db = AtomicRocksDb.builder(dir).open()) {
      for (String a : ACCOUNTS) {
        db.set(Item.of("account", a, TOTAL / ACCOUNTS.size()));
      }
    }
    Acked acked = new Acked();
    long t0 = System.nanoTime();
    int killedWithWork = 0;
    int setAsideByChildren = 0;
    for (int cycle = 0; cycle < CYCLES; cycle++) {
      boolean sync = cycle % 2 == 1;
      Path err = tmp.resolve("child-" + cycle + ".err");
      long startedAt = System.currentTimeMillis();
      List<String> lines = runAndKill(dir, seed + cycle, cycle, sync, 150 + r.nextInt(700), err);
      acked.lifetimes.add(new long[] {startedAt, System.currentTimeMillis()});
      int before = acked.pushed.size() + acked.incs + acked.transfers;
      acked.live.add(new HashMap<>());
      for (String l : lines) {
        if (l.endsWith(";")) {
          acked.line(l);
        }
      }
      if (acked.pushed.size() + acked.incs + acked.transfers > before) {
        killedWithWork++;
      }
      try {
        List<QueueItem> queued = verify(dir, acked);
        setAsideByChildren = checkQuarantineLogged(dir, acked, tmp, cycle, later(-1));
        if (cycle < CYCLES - 1 && !queued.isEmpty()) {
          damageOne(dir, acked, queued.get(r.nextInt(queued.size())), r);
        }
      } catch (AssertionError e) {
        throw new AssertionError("after cycle " + cycle + " (seed " + seed + ", syncWrites " + sync
            + "): " + e.getMessage() + "\nchild printed " + lines.size() + " lines, the last: "
            + lines.subList(Math.max(0, lines.size() - 3), lines.size()) + "\nchild stderr:\n"
            + Files.readString(err), e);
      }
    }
    System.out.println("CrashRestartTest: " + CYCLES + " kills in " + (System.nanoTime() - t0) / 1_000_000
        + " ms; acknowledged " + acked.pushed.size() + " pushes, " + acked.consumed.size() + " acks, "
        + acked.incs + " increments, " + acked.transfers + " transfers; " + acked.damaged.size()
        + " entries damaged, " + setAsideByChildren + " of them set aside by a child that lived on"
        + " and checked for its log line");
    assertTrue(killedWithWork >= CYCLES / 2,
        "most cycles must be killed while working, not during JVM start: " + killedWithWork);
    assertTrue(acked.consumed.size() > 0 && acked.incs > 0 && acked.transfers > 0);
    assertTrue(acked.damaged.size() >= CYCLES / 2, "entries damaged: " + acked.damaged.size());
  }

  /** The clock the parent reopens the store with (an hour ahead); {@code -1}: the bound below it. */
  static long later(int which) {
    return which < 0 ? Clock.systemUTC().millis() + Duration.ofMinutes(30).toMillis()
        : Clock.systemUTC().millis() + Duration.ofHours(1).toMillis();
  }

  /** Flips one bit of the stored entry of {@code victim} (store closed), remembering it. */
  static void damageOne(Path dir, Acked acked, QueueItem victim, Random r) throws Exception {
    try (RawRocks raw = new RawRocks(dir)) {
      byte[] k = KeyCodec.encode(QUEUE, victim.sk());
      int len = raw.get("queue", k).length;
      acked.damagedBytes.put(victim.sk(), raw.flip("queue", k, r.nextInt(len), 1 << r.nextInt(8)));
    }
    acked.damaged.put(victim.sk(), (String) victim.data());
  }

  /**
   * Every quarantined entry set aside by a child (its time is the wall clock, not the parent's
   * hour-ahead clock) that lived on after it was logged by that child, naming its queue and sk.
   *
   * @return how many were checked
   */
  static int checkQuarantineLogged(Path dir, Acked acked, Path tmp, int cycle, long parentClockFloor)
      throws IOException {
    List<QuarantinedEntry> held;
    try (AtomicDb db = AtomicRocksDb.builder(dir).open()) {
      held = StoreTools.of(db).quarantined(QUEUE, 0);
    }
    StringBuilder logs = new StringBuilder();
    for (int c = 0; c <= cycle; c++) {
      Path err = tmp.resolve("child-" + c + ".err");
      if (Files.exists(err)) {
        logs.append(Files.readString(err));
      }
    }
    int logged = 0;
    for (QuarantinedEntry q : held) {
      if (q.quarantinedAtMillis() < parentClockFloor) {
        // The child running at that time, if both its consumers went on past it, had returned
        // from the pull that set it aside, so it logged the line (else SIGKILL may have come
        // between the commit and the log line: the quarantine record is what is durable).
        long t = q.quarantinedAtMillis();
        Map<String, Long> child = Map.of();
        for (int c = 0; c < acked.lifetimes.size(); c++) {
          if (acked.lifetimes.get(c)[0] <= t && t <= acked.lifetimes.get(c)[1]) {
            child = acked.live.get(c);
          }
        }
        if (child.size() < 2 || child.values().stream().anyMatch(v -> v <= t)) {
          continue;
        }
        assertTrue(logs.indexOf("(pk '" + QUEUE + "', sk '" + q.sk() + "') is damaged") >= 0,
            "a child set " + q.sk() + " aside without logging it; children's stderr:\n" + logs);
        logged++;
      }
    }
    return logged;
  }

  /** Starts the child, waits for READY, lets it work {@code workMillis}, SIGKILLs it. */
  static List<String> runAndKill(Path dir, long seed, int cycle, boolean sync, long workMillis, Path err)
      throws Exception {
    Path acks = err.resolveSibling("child-" + cycle + ".acks");
    List<String> cmd = List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
        "-cp", System.getProperty("java.class.path"),
        Workload.class.getName(), dir.toString(), Long.toString(seed), Integer.toString(cycle),
        Boolean.toString(sync), acks.toString());
    Process p = new ProcessBuilder(cmd).redirectError(err.toFile())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(acks) || !Files.readString(acks).startsWith("READY;")) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly();
        fail("child did not start:\n" + Files.readString(err));
      }
      Thread.sleep(5);
    }
    Thread.sleep(workMillis);
    p.destroyForcibly(); // SIGKILL
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "child survived SIGKILL");
    List<String> lines = Files.readAllLines(acks, StandardCharsets.UTF_8);
    return lines;
  }

  /** Reopens the store and checks every promise; leaves it ready for the next child. */
  static List<QueueItem> verify(Path dir, Acked acked) {
    // An hour ahead, so that every delivery the dead child held has timed out.
    TestClock later = new TestClock(later(1));
    try (AtomicDb db = AtomicRocksDb.builder(dir).clock(later).open()) {
      long total = 0;
      for (String a : ACCOUNTS) {
        long v = (Long) db.get(ItemKey.of("account", a)).orElseThrow(() -> new AssertionError("account " + a + " is gone")).data();
        assertTrue(v >= 0, "account " + a + " is negative: " + v);
        total += v;
      }
      assertEquals(TOTAL, total, "total of the accounts");
      for (String c : COUNTERS) {
        long stored = db.get(ItemKey.of("counter", c)).map(i -> (Long) i.data()).orElse(0L);
        long max = acked.maxCounter.getOrDefault(c, 0L);
        long writers = c.equals("shared") ? 2 : 1;
        assertTrue(stored >= max && stored <= max + writers,
            "counter " + c + " is " + stored + " but the last acknowledged increment wrote " + max);
        // An increment that committed but was killed before its line counts from here on.
        acked.maxCounter.put(c, stored);
      }
      // Drain the queue (every entry is available an hour later), then put it back.
      List<QueueItem> all = new ArrayList<>();
      for (List<QueueItem> b; !(b = db.queuePullBatch(QueuePullOptions.of(QUEUE), 1000)).isEmpty(); ) {
        all.addAll(b);
      }
      Set<String> present = new HashSet<>();
      for (QueueItem q : all) {
        String id = (String) q.data();
        assertTrue(present.add(id), "entry " + id + " is in the queue twice");
        assertTrue(acked.tried.contains(id), "entry " + id + " was never pushed");
        assertTrue(!acked.consumed.contains(id), "acknowledged entry " + id + " came back");
      }
      for (String id : acked.pushed) {
        assertTrue(present.contains(id) || acked.pulled.contains(id) || acked.damaged.containsValue(id),
            "acknowledged push " + id + " is missing and was never pulled");
      }
      for (QueueItem q : all) {
        assertTrue(db.queueRelease(q), "release " + q.sk());
      }
      assertEquals(all.size(), db.queueStats(QUEUE).available());
      assertEquals(new QueueStats(all.size(), 0, 0, db.queueStats(QUEUE).oldestAvailableAgeSeconds()),
          db.queueStats(QUEUE));
      // Each damaged entry was set aside, with the bytes as damaged; nothing else was.
      Map<String, byte[]> held = new HashMap<>();
      for (QuarantinedEntry q : StoreTools.of(db).quarantined(QUEUE, 0)) {
        assertTrue(held.put(q.sk(), q.bytes()) == null, "quarantined twice: " + q.sk());
      }
      assertEquals(acked.damaged.keySet(), held.keySet(), "quarantined entries");
      for (Map.Entry<String, byte[]> d : acked.damagedBytes.entrySet()) {
        assertTrue(java.util.Arrays.equals(d.getValue(), held.get(d.getKey())), "bytes of " + d.getKey());
      }
      for (String id : acked.damaged.values()) {
        assertTrue(!present.contains(id), "damaged entry " + id + " was delivered");
      }
      // Every lock still works.
      for (String a : ACCOUNTS) {
        relock(db, ItemKey.of("account", a));
      }
      for (String c : COUNTERS) {
        relock(db, ItemKey.of("counter", c));
      }
      return all;
    }
  }

  static void relock(AtomicDb db, ItemKey k) {
    ItemLock l = db.getLock(k);
    Object v = db.get(k).map(Item::data).orElse(0L);
    db.setAtomic(Item.of(k.pk(), k.sk(), v), l);
  }
}
