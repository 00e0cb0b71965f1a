package io.github.atomicdb.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicDbException;
import io.github.atomicdb.CommitOutcomeUnknownException;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import io.github.atomicdb.QueueStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Faults on a real 3-member cluster, in the middle of a run of locked increments and queue cycles
 * (push, pull, acknowledge): kill -9 of the leader, then of a follower (no quorum), then both
 * restarted. Checks: no acknowledged increment or push is lost, no acknowledged entry is delivered
 * again, calls fail with a clear error while there is no quorum, and work resumes after.
 */
class EtcdFaultTest {
  private static final long TIMEOUT_MS = 3000;

  record Failure(long atMillis, Throwable error) {}

  @Test
  void leaderThenFollowerKilledMidRunLosesNothingAcknowledged() throws Exception {
    try (EtcdCluster cluster = EtcdCluster.start(3)) {
      AtomicEtcdDb db = AtomicEtcdDb.builder(cluster.endpoints().toArray(String[]::new))
          .namespace("faults")
          .requestTimeout(Duration.ofMillis(1000))
          .operationTimeout(Duration.ofMillis(TIMEOUT_MS))
          .open();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong incrementsAcked = new AtomicLong();
      AtomicLong incrementsUnknown = new AtomicLong();
      AtomicInteger successes = new AtomicInteger(); // any operation that returned
      Set<String> pushed = ConcurrentHashMap.newKeySet();
      Set<String> acked = ConcurrentHashMap.newKeySet();
      Set<String> ackUnknown = ConcurrentHashMap.newKeySet(); // acknowledged, or maybe not
      List<String> redelivered = new CopyOnWriteArrayList<>();
      List<Failure> failures = new CopyOnWriteArrayList<>();
      QueuePullOptions pull = QueuePullOptions.of("work").withTtlSeconds(2);

      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        threads.add(new Thread(() -> {
          while (!stop.get()) {
            try {
              SharedQueueWorker.increment(db);
              incrementsAcked.incrementAndGet();
              successes.incrementAndGet();
            } catch (CommitOutcomeUnknownException e) {
              incrementsUnknown.incrementAndGet();
              failures.add(new Failure(System.currentTimeMillis(), e));
            } catch (AtomicDbException e) {
              failures.add(new Failure(System.currentTimeMillis(), e));
            }
          }
        }, "incrementer-" + t));
      }
      threads.add(new Thread(() -> {
        for (int n = 0; !stop.get(); n++) {
          String sk = String.format("j%06d", n);
          try {
            db.queuePush(QueueItemInput.of("work", sk, n));
            pushed.add(sk);
            successes.incrementAndGet();
            Optional<QueueItem> got = db.queuePull(pull);
            if (got.isPresent()) {
              if (acked.contains(got.get().sk())) {
                redelivered.add(got.get().sk());
              }
              try {
                if (db.queueAcknowledge(got.get())) {
                  acked.add(got.get().sk());
                }
              } catch (CommitOutcomeUnknownException e) {
                ackUnknown.add(got.get().sk());
                throw e;
              }
              successes.incrementAndGet();
            }
          } catch (AtomicDbException e) {
            failures.add(new Failure(System.currentTimeMillis(), e));
          }
        }
      }, "queue-cycles"));
      threads.forEach(Thread::start);
      try {
        awaitProgress(successes, 20, "healthy cluster");

        int leader = cluster.leader();
        cluster.kill(leader);
        int newLeader = cluster.leader();
        assertTrue(newLeader != leader);
        awaitProgress(successes, 20, "after the leader was killed");

        int follower = cluster.follower();
        cluster.kill(follower);
        long noQuorumFrom = System.currentTimeMillis();
        Thread.sleep(2 * TIMEOUT_MS + 1000); // every worker's calls time out at least once
        long noQuorumTo = System.currentTimeMillis();
        assertTrue(failures.stream().anyMatch(f -> f.atMillis() >= noQuorumFrom && f.atMillis() <= noQuorumTo),
            "calls failed while there was no quorum");
        // Every failure, with or without quorum, says what happened.
        for (Failure f : failures) {
          String m = String.valueOf(f.error().getMessage());
          assertTrue(f.error() instanceof CommitOutcomeUnknownException
              || m.contains("is a quorum of the cluster up and reachable"), "a clear error: " + f.error());
        }

        cluster.restart(leader);
        cluster.restart(follower);
        awaitProgress(successes, 30, "after both members came back");
      } finally {
        stop.set(true);
        for (Thread t : threads) {
          t.join(30_000);
        }
      }

      // Drain: entries whose pull was lost come back after their 2 s timeout.
      List<String> drained = new ArrayList<>();
      long until = System.currentTimeMillis() + 15_000;
      while (System.currentTimeMillis() < until) {
        QueueStats s = db.queueStats("work");
        if (s.available() + s.inFlight() + s.delayed() == 0) {
          break;
        }
        Optional<QueueItem> got = db.queuePull(pull.withWait(Duration.ofMillis(500)));
        if (got.isPresent()) {
          if (acked.contains(got.get().sk())) {
            redelivered.add(got.get().sk());
          }
          drained.add(got.get().sk());
          db.queueAcknowledge(got.get());
        }
      }
      assertEquals(new QueueStats(0, 0, 0, 0), db.queueStats("work"), "drained");
      assertEquals(List.of(), redelivered, "no acknowledged entry was delivered again");
      // An entry whose acknowledgement had an unknown outcome may be gone: that is the ack applied.
      List<String> lost = pushed.stream()
          .filter(sk -> !acked.contains(sk) && !drained.contains(sk) && !ackUnknown.contains(sk)).toList();
      assertEquals(List.of(), lost, "every acknowledged push was delivered (acks of unknown outcome: "
          + ackUnknown + ")");

      long counter = db.get(SharedQueueWorker.COUNTER).map(i -> (Long) i.data()).orElse(0L);
      assertTrue(counter >= incrementsAcked.get(), "no acknowledged increment lost: counter " + counter
          + ", acknowledged " + incrementsAcked.get());
      assertTrue(counter <= incrementsAcked.get() + incrementsUnknown.get(), "only unknown outcomes may add: "
          + counter + " > " + incrementsAcked.get() + " + " + incrementsUnknown.get());
      System.out.printf("faults: %d increments acknowledged, %d unknown, counter %d; %d pushes, %d acks, %d drained; "
              + "%d acks of unknown outcome; %d failures (%d outcome unknown)%n", incrementsAcked.get(),
          incrementsUnknown.get(), counter, pushed.size(), acked.size(), drained.size(), ackUnknown.size(), failures.size(),
          failures.stream().filter(f -> f.error() instanceof CommitOutcomeUnknownException).count());
      failures.stream().map(f -> f.error().getClass().getSimpleName() + ": " + f.error().getMessage())
          .distinct().limit(6).forEach(m -> System.out.println("  " + m));
      db.close();
    }
  }

  /** Waits until some more operations succeed. */
  private static void awaitProgress(AtomicInteger successes, int more, String when) throws InterruptedException {
    int from = successes.get();
    long deadline = System.currentTimeMillis() + 30_000;
    while (successes.get() < from + more) {
      assertTrue(System.currentTimeMillis() < deadline, "no progress " + when);
      Thread.sleep(20);
    }
  }
}
