package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.ItemLock;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import io.github.atomicdb.QueueStats;
import io.github.atomicdb.RaceConditionException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/*
 * The demo, in two parts, on one store.
 *
 * 1. Optimistic locking: T threads add K each to one counter item with the getLock / get /
 *    setAtomic loop, retrying on RaceConditionException; the final value proves no update was
 *    lost. The counter is durable, so it keeps growing across runs.
 * 2. A durable job queue: if the queue holds unfinished jobs (an earlier run was stopped), they
 *    are resumed ("resuming N unfinished jobs"); otherwise P producers push --jobs jobs. W workers
 *    pull with a long poll and a short lease, simulate the work, extend the lease of long jobs,
 *    and acknowledge. The demo ends when the queue is empty.
 *
 * Stopping: Ctrl-C runs a shutdown hook that tells the threads to stop, waits for them (workers
 * release the job they hold, so it is available at once next time), and closes the store.
 * kill -9 skips all that: jobs in flight come back when their lease runs out.
 */
@Command(
    mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    name = "demo",
    description = {
      "Run a demo on a RocksDB store in DIR (default ./atomic-db-data, created if missing):"
          + " threads racing on one counter with optimistic locks, then a durable job queue"
          + " with producers and workers.",
      "Stop it half-way (Ctrl-C or kill -9) and run it again: it resumes the unfinished jobs."
    })
final class DemoCommand implements Callable<Integer> {
  static final String QUEUE = "demo-jobs";
  static final ItemKey COUNTER = ItemKey.of("demo", "counter");

  private final Main main;

  @Spec CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", defaultValue = "atomic-db-data",
      description = "The store directory (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--jobs", paramLabel = "N", defaultValue = "40",
      description = "Jobs to push when the queue is empty (default: ${DEFAULT-VALUE}).")
  int jobs;

  @Option(names = "--workers", paramLabel = "N", defaultValue = "4",
      description = "Worker threads (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--producers", paramLabel = "N", defaultValue = "2",
      description = "Producer threads (default: ${DEFAULT-VALUE}).")
  int producers;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "4",
      description = "Threads racing on the counter (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--increments", paramLabel = "N", defaultValue = "25",
      description = "Increments per counter thread (default: ${DEFAULT-VALUE}).")
  int increments;

  @Option(names = "--work-ms", paramLabel = "MS", defaultValue = "120",
      description = "Average simulated work per job in ms (default: ${DEFAULT-VALUE}); every"
          + " 15th job takes 25 times longer and extends its lease.")
  int workMs;

  @Option(names = "--lease", paramLabel = "SECONDS", defaultValue = "2",
      description = "Visibility timeout of a pulled job (default: ${DEFAULT-VALUE}).")
  int lease;

  private final AtomicBoolean stopping = new AtomicBoolean();
  private volatile long leftAtStop = -1;
  private PrintWriter out;

  DemoCommand(Main main) {
    this.main = main;
  }

  private void say(String s) {
    synchronized (this) {
      out.println(s);
      out.flush();
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    for (int[] v : new int[][] {{jobs, 0}, {workers, 1}, {producers, 1}, {threads, 1},
        {increments, 0}, {workMs, 0}, {lease, 1}}) {
      if (v[0] < v[1]) {
        throw new CliException(ExitCode.USAGE, "demo options must be >= " + v[1] + " (--workers,"
            + " --producers, --threads, --lease >= 1; --jobs, --increments, --work-ms >= 0)");
      }
    }
    out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean existed = Files.isDirectory(dir) && Files.isRegularFile(dir.resolve("CURRENT"));
    CountDownLatch finished = new CountDownLatch(1);
    try (AtomicDb db = main.open(dir)) {
      Thread hook = new Thread(() -> {
        stopping.set(true);
        try {
          finished.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        db.close();
        long n = leftAtStop;
        String left = n <= 0 ? "" : "; " + n + " unfinished job" + (n == 1 ? " is" : "s are") + " saved";
        err.println("\natomicdb demo: stopped; store closed cleanly" + left
            + ". Run the demo again to resume them.");
        err.flush();
      }, "atomicdb-demo-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        say("atomic-db demo: " + (existed ? "existing" : "new") + " RocksDB store in "
            + dir.toAbsolutePath().normalize());
        say("");
        counter(db);
        if (!stopping.get()) {
          say("");
          queue(db);
        }
      } finally {
        if (stopping.get()) {
          try {
            leftAtStop = unfinished(db.queueStats(QUEUE));
          } catch (RuntimeException e) {
            // leave it unknown
          }
        }
        finished.countDown();
        if (!stopping.get()) {
          try {
            Runtime.getRuntime().removeShutdownHook(hook);
          } catch (IllegalStateException e) {
            // a signal arrived just now: the hook runs and closes the store
          }
        }
      }
      if (!stopping.get()) {
        say("");
        say("Look inside:  atomicdb info " + dir + "   |   atomicdb queue peek " + dir + " " + QUEUE);
        say("Run it again, and stop it half-way with Ctrl-C or kill -9: the next run resumes the"
            + " unfinished jobs.");
      }
    }
    return stopping.get() ? ExitCode.INTERRUPTED : ExitCode.OK;
  }

  // ------------------------------------------------------------------ 1. optimistic locking

  private void counter(AtomicDb db) throws InterruptedException {
    say("1. Optimistic locking: " + threads + " threads each add " + increments + " to counter "
        + COUNTER.pk() + "/" + COUNTER.sk() + " (getLock, get, setAtomic; retry on conflict)");
    long start = value(db);
    long[] ok = new long[threads];
    long[] conflicts = new long[threads];
    List<Thread> ts = new ArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    for (int t = 0; t < threads; t++) {
      int me = t;
      Thread th = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < increments && !stopping.get(); i++) {
          while (!stopping.get()) {
            ItemLock lock = db.getLock(COUNTER);
            long v = value(db);
            try {
              Thread.sleep(1); // "compute" the new value: other threads may write meanwhile
              db.setAtomic(Item.of(COUNTER.pk(), COUNTER.sk(), v + 1), lock);
              ok[me]++;
              break;
            } catch (RaceConditionException e) {
              conflicts[me]++; // another thread wrote first: read again and retry
            } catch (InterruptedException e) {
              return;
            }
          }
        }
      }, "counter-" + (t + 1));
      th.setDaemon(true);
      ts.add(th);
      th.start();
    }
    go.countDown();
    for (Thread th : ts) {
      th.join();
    }
    long total = 0;
    long lost = 0;
    for (int t = 0; t < threads; t++) {
      say("   thread " + (t + 1) + ": " + ok[t] + " increments, " + conflicts[t]
          + (conflicts[t] == 1 ? " conflict" : " conflicts") + " retried");
      total += ok[t];
      lost += conflicts[t];
    }
    long end = value(db);
    say("   counter " + start + " -> " + end + ": " + total + " increments, " + lost
        + " conflicts, " + (end - start == total ? "no update lost" : "UPDATES LOST"));
    if (end - start != total) {
      throw new CliException(ExitCode.INTERNAL, "the counter lost updates: expected "
          + (start + total) + ", found " + end);
    }
  }

  private static long value(AtomicDb db) {
    return db.get(COUNTER).map(i -> ((Number) i.data()).longValue()).orElse(0L);
  }

  // ------------------------------------------------------------------ 2. job queue

  private static long unfinished(QueueStats s) {
    return s.available() + s.inFlight() + s.delayed();
  }

  private void queue(AtomicDb db) throws InterruptedException {
    say("2. Durable job queue '" + QUEUE + "': " + producers + " producers, " + workers
        + " workers, " + lease + " s lease");
    long t0 = System.nanoTime();
    QueueStats s = db.queueStats(QUEUE);
    long found = unfinished(s);
    if (found > 0) {
      say("   resuming " + found + " unfinished jobs from an earlier run"
          + (s.inFlight() > 0 ? " (" + s.inFlight() + " were being processed when it stopped;"
              + " they come back when their lease runs out)" : ""));
    } else {
      push(db);
    }
    AtomicLong done = new AtomicLong();
    AtomicLong redelivered = new AtomicLong();
    List<Thread> ws = new ArrayList<>();
    for (int w = 1; w <= workers; w++) {
      int me = w;
      Thread th = new Thread(() -> work(db, me, done, redelivered), "worker-" + w);
      th.setDaemon(true);
      ws.add(th);
      th.start();
    }
    for (Thread th : ws) {
      th.join();
    }
    if (stopping.get()) {
      return;
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    say(String.format(java.util.Locale.ROOT, "   all jobs done: %d processed in %.1f s%s", done.get(), secs,
        redelivered.get() > 0 ? " (" + redelivered.get() + " delivered again after an earlier run stopped)" : ""));
  }

  private void push(AtomicDb db) throws InterruptedException {
    List<Thread> ps = new ArrayList<>();
    AtomicLong pushed = new AtomicLong();
    for (int p = 0; p < producers; p++) {
      int me = p;
      Thread th = new Thread(() -> {
        for (int n = me + 1; n <= jobs && !stopping.get(); n += producers) {
          long ms = n % 15 == 0 ? workMs * 25L : workMs / 2 + (n * 7919L % Math.max(1, workMs + 1));
          db.queuePush(QueueItemInput.of(QUEUE, Map.of("job", n, "workMs", ms)));
          pushed.incrementAndGet();
        }
      }, "producer-" + (p + 1));
      th.setDaemon(true);
      ps.add(th);
      th.start();
    }
    for (Thread th : ps) {
      th.join();
    }
    say("   pushed " + pushed.get() + " jobs");
  }

  private void work(AtomicDb db, int me, AtomicLong done, AtomicLong redelivered) {
    QueuePullOptions pull = QueuePullOptions.of(QUEUE).withTtlSeconds(lease)
        .withWait(Duration.ofMillis(250));
    try {
      while (!stopping.get()) {
        Optional<QueueItem> got = db.queuePull(pull);
        if (got.isEmpty()) {
          if (unfinished(db.queueStats(QUEUE)) == 0) {
            return;
          }
          continue;
        }
        QueueItem job = got.get();
        Map<?, ?> data = (Map<?, ?>) job.data();
        Object n = data.get("job");
        long ms = ((Number) data.get("workMs")).longValue();
        if (job.attempts() > 1) {
          redelivered.incrementAndGet();
        }
        long leaseMs = lease * 1000L;
        boolean extended = false;
        long begin = System.nanoTime();
        long nextExtend = leaseMs / 2;
        while (!stopping.get()) {
          long elapsed = (System.nanoTime() - begin) / 1_000_000;
          if (elapsed >= ms) {
            break;
          }
          if (elapsed >= nextExtend) {
            if (!db.queueExtend(job, lease)) {
              say("   worker " + me + ": lost the lease of job " + n);
              break;
            }
            if (!extended) {
              say("   worker " + me + ": job " + n + " is long (" + ms + " ms): extending its lease");
              extended = true;
            }
            nextExtend = elapsed + leaseMs / 2;
          }
          Thread.sleep(Math.min(50, ms - elapsed));
        }
        if (stopping.get()) {
          db.queueRelease(job); // available at once for the next run
          return;
        }
        if (db.queueAcknowledge(job)) {
          long d = done.incrementAndGet();
          say("   worker " + me + ": job " + n + " done (attempt " + job.attempts() + ", " + ms
              + " ms)" + (d % 10 == 0 ? "   [" + d + " done]" : ""));
        } else {
          say("   worker " + me + ": job " + n + " lost its lease before it was acknowledged;"
              + " it will be delivered again");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IllegalStateException e) {
      // the store was closed by the shutdown hook
    }
  }
}
