package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The README's examples, verbatim between the markers, so they compile and do what it says. */
class ReadmeExamplesTest {

  record Email(String to, String subject) {}

  @Test
  void quickStart() {
    // README quick start begins
    try (AtomicDb db = AtomicMemoryDb.builder().register(Email.class, 100).build()) {
      // Items: addressed by pk/sk, any built-in or registered type, optional TTL (epoch seconds)
      db.set(Item.of("user#1", "profile", java.util.Map.of("name", "Ada")));
      db.set(Item.of("user#1", "order#001", 25));
      db.set(Item.of("user#1", "order#002", 40));
      List<Item> orders = db.query(Query.of("user#1").withSkPrefix("order#"));   // sk order

      // Optimistic locking: read, take the lock, write only if nobody wrote in between
      ItemKey balance = ItemKey.of("account#7", "balance");
      db.set(Item.of("account#7", "balance", 100));
      while (true) {
        ItemLock lock = db.getLock(balance);
        int current = db.get(balance).orElseThrow().data(Integer.class);
        try {
          db.setAtomic(Item.of("account#7", "balance", current - 30), lock);
          break;
        } catch (RaceConditionException lostTheRace) {
          // someone else wrote first: read again and retry
        }
      }

      // A job queue: FIFO, at-least-once, with a visibility timeout
      db.queuePush(QueueItemInput.of("emails", new Email("ada@example.com", "Welcome")));
      Optional<QueueItem> job = db.queuePull(QueuePullOptions.of("emails"));
      job.ifPresent(db::queueAcknowledge);
      // README quick start ends
      assertEquals(List.of(25, 40), orders.stream().map(Item::data).toList());
      assertEquals(70, db.get(balance).orElseThrow().data());
      assertEquals("ada@example.com", job.orElseThrow().data(Email.class).to());
      assertTrue(db.queuePull(QueuePullOptions.of("emails")).isEmpty());
    }
  }

  /** Stand-in for the application's work. */
  static final class Mailer {
    final List<Email> sent = new ArrayList<>();
    int failuresLeft;

    void send(Email e) {
      if (failuresLeft-- > 0) {
        throw new IllegalStateException("SMTP down");
      }
      sent.add(e);
    }
  }

  static void worker(AtomicDb db, Mailer mailer, java.util.function.BooleanSupplier running) {
    // README worker loop begins
    QueuePullOptions options = QueuePullOptions.of("emails")
        .withTtlSeconds(60)                  // a delivery is hidden from other workers for 60 s
        .withWait(Duration.ofSeconds(1))     // long poll: block until a job arrives (or 1 s)
        .withMaxAttempts(3);                 // the 4th delivery goes to "emails-dlq" instead
    while (running.getAsBoolean()) {
      Optional<QueueItem> next = db.queuePull(options);
      if (next.isEmpty()) {
        continue;                            // nothing arrived during the wait
      }
      QueueItem job = next.get();
      try {
        db.queueExtend(job, 60);             // heartbeat: call it again before 60 s pass on long jobs
        mailer.send(job.data(Email.class));
        if (!db.queueAcknowledge(job)) {     // false: our lease expired and another worker has it
          System.err.println("job " + job.sk() + " outlived its lease; it may run twice");
        }
      } catch (RuntimeException failed) {
        db.queueRelease(job);                // available again at once, in its place
      }
    }
    // README worker loop ends
  }

  @Test
  void workerLoopProcessesRetriesAndDeadLetters() {
    try (AtomicDb db = AtomicMemoryDb.builder().register(Email.class, 100).build()) {
      db.queuePush(QueueItemInput.of("emails", "1", new Email("a@x", "hi")));
      db.queuePush(QueueItemInput.of("emails", "2", new Email("b@x", "hi")));
      Mailer mailer = new Mailer();
      mailer.failuresLeft = 1; // the first send fails once, then succeeds
      int[] rounds = {0};
      worker(db, mailer, () -> rounds[0]++ < 4);
      assertEquals(List.of("a@x", "b@x"), mailer.sent.stream().map(Email::to).toList());
      assertEquals(new QueueStats(0, 0, 0, 0), db.queueStats("emails"));

      db.queuePush(QueueItemInput.of("emails", "poison", new Email("c@x", "never")));
      mailer.failuresLeft = Integer.MAX_VALUE;
      rounds[0] = 0;
      worker(db, mailer, () -> rounds[0]++ < 5); // 3 failed deliveries, then dead-lettered
      assertEquals(0, db.queueStats("emails").available());
      assertEquals(1, db.queueStats("emails-dlq").available());
      assertEquals(1, db.queueRedrive("emails-dlq", "emails"));
    }
  }
}
