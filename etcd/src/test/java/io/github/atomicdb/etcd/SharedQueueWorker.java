package io.github.atomicdb.etcd;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.ItemLock;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import io.github.atomicdb.RaceConditionException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The main class of one child JVM of {@link TwoJvmSharedQueueTest}: one producer thread and two
 * consumer threads over one {@link AtomicEtcdDb}.
 *
 * <p>Args: endpoints (comma-separated), namespace, producer id, jobs to push, total jobs. The
 * producer pushes its jobs with explicit sks {@code p<id>-<n>}. A consumer pulls (visibility
 * timeout 60 s), adds 1 to the shared counter with getLock + setAtomic, then acknowledges by
 * receipt; it stops once the counter reaches the total. Every step is printed, one line each:
 * {@code PULL <sk> <consumer> <wall clock micros>}, {@code ACK <sk> <consumer> <micros>
 * <true|false>}, {@code PUSHED <n>}, {@code DONE <consumer>}; failures as {@code ERR ...}.
 */
public final class SharedQueueWorker {
  static final String QUEUE = "jobs";
  static final ItemKey COUNTER = ItemKey.of("counters", "jobs-done");

  private SharedQueueWorker() {}

  /** Wall clock in microseconds: the children run on one machine, so their clocks agree. */
  private static long micros() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
  }

  public static void main(String[] args) throws Exception {
    String[] endpoints = args[0].split(",");
    String namespace = args[1];
    String id = args[2];
    int toPush = Integer.parseInt(args[3]);
    int total = Integer.parseInt(args[4]);
    PrintStream out = System.out;
    try (AtomicDb db = AtomicEtcdDb.builder(endpoints).namespace(namespace).open()) {
      List<Thread> threads = new ArrayList<>();
      threads.add(new Thread(() -> {
        for (int n = 0; n < toPush; n++) {
          QueueItemInput in = QueueItemInput.of(QUEUE, "p" + id + "-" + n, "job " + id + "-" + n);
          while (true) {
            try {
              db.queuePush(in); // explicit sk: pushing again after an unknown outcome is safe
              break;
            } catch (RuntimeException e) {
              out.println("ERR push " + e);
            }
          }
        }
        out.println("PUSHED " + toPush);
      }, "producer-" + id));
      for (int c = 0; c < 2; c++) {
        String consumer = id + "." + c;
        threads.add(new Thread(() -> consume(db, consumer, total, out), "consumer-" + consumer));
      }
      threads.forEach(Thread::start);
      for (Thread t : threads) {
        t.join();
      }
    }
    out.println("EXIT");
    out.flush();
  }

  private static long counter(AtomicDb db) {
    return db.get(COUNTER).map(i -> (Long) i.data()).orElse(0L);
  }

  private static void consume(AtomicDb db, String consumer, int total, PrintStream out) {
    QueuePullOptions opts = QueuePullOptions.of(QUEUE).withTtlSeconds(60).withWait(Duration.ofMillis(200));
    while (true) {
      Optional<QueueItem> got;
      try {
        got = db.queuePull(opts);
      } catch (RuntimeException e) {
        out.println("ERR pull " + e);
        continue;
      }
      if (got.isEmpty()) {
        if (counter(db) >= total) {
          out.println("DONE " + consumer);
          return;
        }
        continue;
      }
      QueueItem job = got.get();
      out.println("PULL " + job.sk() + " " + consumer + " " + micros());
      increment(db);
      boolean acked = db.queueAcknowledge(job);
      out.println("ACK " + job.sk() + " " + consumer + " " + micros() + " " + acked);
    }
  }

  /** Adds 1 to the counter under its optimistic lock, retrying lost races. */
  static void increment(AtomicDb db) {
    while (true) {
      ItemLock lock = db.getLock(COUNTER);
      long v = db.get(COUNTER).map(i -> (Long) i.data()).orElse(0L);
      try {
        db.setAtomic(Item.of(COUNTER.pk(), COUNTER.sk(), v + 1), lock);
        return;
      } catch (RaceConditionException lost) {
        // another consumer incremented first: read and try again
      }
    }
  }
}
