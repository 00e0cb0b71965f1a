package io.github.atomicdb.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import io.github.atomicdb.SharedKv;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Long polling across processes: a pull waiting in one AtomicEtcdDb wakes when another one, with
 * its own etcd client (as another process would), pushes to the queue. The waiter's own process
 * committed nothing, so only the store's watch can tell it; the same store without its watch
 * (SharedKv hides it) shows what waking by the timer alone costs.
 */
class EtcdWatchWakeTest {
  private static final String QUEUE = "jobs";
  @RegisterExtension static final EtcdClusterExtension etcd = new EtcdClusterExtension(1);
  private static int namespaces;

  private static AtomicEtcdDb open(String namespace) {
    return AtomicEtcdDb.builder(etcd.cluster().endpoints().toArray(String[]::new)).namespace(namespace).open();
  }

  @Test
  void aWaitingPullWakesOnAnotherProcesssPushThroughTheWatch() throws Exception {
    String ns = "wake-" + namespaces++;
    try (AtomicDb waiter = open(ns); AtomicDb pusher = open(ns)) {
      long wokeAfterMs = pushWhileWaiting(waiter, pusher, "watched");
      // The waiter sleeps up to 10 s between looks while its watch is live, and waits 8 s at most.
      assertTrue(wokeAfterMs < 500, "woke " + wokeAfterMs + " ms after the push");
      long again = pushWhileWaiting(waiter, pusher, "watched again");
      assertTrue(again < 500, "second wait woke " + again + " ms after the push");
    }
  }

  @Test
  void withoutTheWatchOnlyTheTimerWakesTheWaiter() throws Exception {
    String ns = "wake-" + namespaces++;
    EtcdKv kv = EtcdKv.open(etcd.cluster().endpoints(), ns, EtcdKv.Settings.defaults());
    try (AtomicDb waiter = SharedKv.open("etcd without watch", kv, Clock.systemUTC()); AtomicDb pusher = open(ns)) {
      long wokeAfterMs = pushWhileWaiting(waiter, pusher, "polled");
      assertTrue(wokeAfterMs >= 500, "woke " + wokeAfterMs + " ms after the push: something else wakes it");
    }
  }

  /**
   * Starts a waiting pull in {@code waiter}, pushes through {@code pusher} once the pull sleeps,
   * and returns how many milliseconds after the push the pull returned the entry.
   */
  private static long pushWhileWaiting(AtomicDb waiter, AtomicDb pusher, String data) throws Exception {
    AtomicReference<Thread> thread = new AtomicReference<>();
    CompletableFuture<Optional<QueueItem>> pull = CompletableFuture.supplyAsync(() -> {
      thread.set(Thread.currentThread());
      return waiter.queuePull(QueuePullOptions.of(QUEUE).withWait(Duration.ofSeconds(8)));
    });
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!sleepsInAwait(thread.get())) {
      assertTrue(System.nanoTime() < until, "the pull never went to sleep");
      Thread.sleep(2);
    }
    pusher.queuePush(QueueItemInput.of(QUEUE, data));
    long pushed = System.nanoTime();
    Optional<QueueItem> got = pull.get(30, TimeUnit.SECONDS);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pushed);
    assertEquals(data, got.orElseThrow(() -> new AssertionError("the pull returned nothing after " + ms + " ms"))
        .data());
    assertTrue(waiter.queueAcknowledge(got.get()));
    return ms;
  }

  /** Whether {@code t} sleeps in the queue's long-poll wait (not in a call to etcd). */
  private static boolean sleepsInAwait(Thread t) {
    if (t == null || t.getState() != Thread.State.TIMED_WAITING) {
      return false;
    }
    return Arrays.stream(t.getStackTrace())
        .anyMatch(f -> f.getClassName().equals("io.github.atomicdb.QueueWaiters") && f.getMethodName().equals("await"));
  }
}
