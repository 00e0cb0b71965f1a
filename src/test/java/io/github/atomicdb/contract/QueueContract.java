package io.github.atomicdb.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.Query;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The job queue: seed semantics without head-of-line blocking, leases, and the extensions. */
public interface QueueContract extends ContractFixture {

  private QueueItem pull(String q) {
    return db().queuePull(QueuePullOptions.of(q)).orElseThrow(() -> new AssertionError("queue " + q + " empty"));
  }

  private Optional<QueueItem> tryPull(String q) {
    return db().queuePull(QueuePullOptions.of(q));
  }

  // ------------------------------------------------------------ seed semantics

  @Test
  default void seedFlowPushPullAck() {
    db().queuePush(QueueItemInput.of("jobs", "send-email"));
    db().queuePush(QueueItemInput.of("jobs", "resize-image"));
    QueueItem first = pull("jobs");
    assertEquals("send-email", first.data());
    assertTrue(first.isProcessing());
    assertEquals(1, first.attempts());
    assertEquals(clock().seconds() + 300, first.processingTimeout());
    assertNotNull(first.receipt());
    db().queueAcknowledge(first.key());
    QueueItem second = pull("jobs");
    assertEquals("resize-image", second.data());
    db().queueAcknowledge(second.key());
    assertTrue(tryPull("jobs").isEmpty());
  }

  @Test
  default void generatedSortKeysPullInPushOrder() {
    for (int i = 0; i < 50; i++) {
      db().queuePush(QueueItemInput.of("fifo", i));
    }
    for (int i = 0; i < 50; i++) {
      QueueItem qi = pull("fifo");
      assertEquals(i, qi.data());
      db().queueAcknowledge(qi);
    }
  }

  @Test
  default void explicitSortKeysPullInSkOrder() {
    db().queuePush(List.of(QueueItemInput.of("sk", "c", 3), QueueItemInput.of("sk", "a", 1), QueueItemInput.of("sk", "b", 2)));
    assertEquals("a", pull("sk").sk());
    assertEquals("b", pull("sk").sk());
    assertEquals("c", pull("sk").sk());
  }

  @Test
  default void inFlightEntriesNeverBlockTheOnesBehind() {
    db().queuePush(List.of(QueueItemInput.of("hol", "1", 1), QueueItemInput.of("hol", "2", 2), QueueItemInput.of("hol", "3", 3)));
    assertEquals(1, pull("hol").data());
    assertEquals(2, pull("hol").data());
    assertEquals(3, pull("hol").data());
    assertTrue(tryPull("hol").isEmpty(), "all in flight");
  }

  @Test
  default void timedOutEntriesComeBackInTheirPlace() {
    db().queuePush(List.of(QueueItemInput.of("to", "1", 1), QueueItemInput.of("to", "2", 2), QueueItemInput.of("to", "3", 3)));
    QueueItem one = db().queuePull(QueuePullOptions.of("to").withTtlSeconds(10)).orElseThrow();
    QueueItem two = db().queuePull(QueuePullOptions.of("to").withTtlSeconds(100)).orElseThrow();
    assertEquals(1, one.data());
    assertEquals(2, two.data());
    clock().advanceSeconds(10); // deadline reached: available again
    QueueItem again = pull("to");
    assertEquals("1", again.sk(), "the timed-out entry comes before 3");
    assertEquals(2, again.attempts());
    assertNotEquals(one.receipt(), again.receipt());
    assertEquals("3", pull("to").sk());
    assertTrue(tryPull("to").isEmpty());
    clock().advanceSeconds(400); // every deadline has passed
    List<String> order = new ArrayList<>();
    for (QueueItem qi : db().queuePullBatch(QueuePullOptions.of("to"), 10)) {
      order.add(qi.sk());
    }
    assertEquals(List.of("1", "2", "3"), order);
  }

  @Test
  default void ackIsIdempotentAndReleaseKeepsPlace() {
    db().queuePush(List.of(QueueItemInput.of("r", "1", 1), QueueItemInput.of("r", "2", 2)));
    QueueItem one = pull("r");
    db().queueRelease(one.key());
    QueueItem oneAgain = pull("r");
    assertEquals("1", oneAgain.sk());
    assertEquals(2, oneAgain.attempts());
    db().queueAcknowledge(oneAgain.key());
    db().queueAcknowledge(oneAgain.key());
    db().queueAcknowledge(ItemKey.of("r", "never-there"));
    assertEquals("2", pull("r").sk());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> db().queueRelease(ItemKey.of("r", "never-there")));
    assertTrue(e.getMessage().contains("never-there"), e.getMessage());
  }

  @Test
  default void pushToWaitingSkReplacesDataAndKeepsPlace() {
    db().queuePush(List.of(QueueItemInput.of("rep", "a", "old"), QueueItemInput.of("rep", "b", "b")));
    db().queuePush(QueueItemInput.of("rep", "a", "new"));
    QueueItem a = pull("rep");
    assertEquals("a", a.sk());
    assertEquals("new", a.data());
    assertEquals("b", pull("rep").sk());
    assertTrue(tryPull("rep").isEmpty(), "no duplicate entry for a");
  }

  @Test
  default void pushToInFlightSkIsDeliveredAgainAfterProcessing() {
    db().queuePush(QueueItemInput.of("busy", "job", "v1"));
    QueueItem v1 = pull("busy");
    db().queuePush(QueueItemInput.of("busy", "job", "v2"));
    assertTrue(tryPull("busy").isEmpty(), "not delivered twice at once");
    assertTrue(db().queueAcknowledge(v1));
    QueueItem v2 = pull("busy");
    assertEquals("v2", v2.data(), "the new data is not lost");
    assertEquals(1, v2.attempts());
    db().queueAcknowledge(v2);
    assertTrue(tryPull("busy").isEmpty());
  }

  @Test
  default void queueEntriesAreApartFromItems() {
    db().queuePush(QueueItemInput.of("shared", "x", "entry"));
    assertTrue(db().get(ItemKey.of("shared", "x")).isEmpty());
    assertTrue(db().query(Query.of("shared")).isEmpty());
    db().set(Item.of("shared", "x", "item"));
    assertEquals("entry", pull("shared").data());
    assertEquals("item", db().get(ItemKey.of("shared", "x")).orElseThrow().data());
    db().delete(ItemKey.of("shared", "x"));
    assertTrue(db().queueStats("shared").inFlight() == 1, "delete does not touch the queue");
  }

  @Test
  default void queuesAreIndependent() {
    db().queuePush(List.of(QueueItemInput.of("q1", 1), QueueItemInput.of("q10", 10), QueueItemInput.of("q", 0)));
    assertEquals(1, pull("q1").data());
    assertTrue(tryPull("q1").isEmpty());
    assertEquals(10, pull("q10").data());
    assertEquals(0, pull("q").data());
  }

  @Test
  default void pushRefusesBadInputAndWritesNothing() {
    assertThrows(NullPointerException.class, () -> QueueItemInput.of(null, 1));
    assertThrows(IllegalArgumentException.class, () -> db().queuePush(QueueItemInput.of("", 1)));
    assertThrows(IllegalArgumentException.class, () -> db().queuePush(QueueItemInput.of("__LOCK__q", 1)));
    assertThrows(IllegalArgumentException.class, () -> db().queuePush(QueueItemInput.of("q", "s".repeat(1025), 1)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> db().queuePush(
        List.of(QueueItemInput.of("bad", "1", 1), QueueItemInput.of("bad", "2", new ContractTypes.Unregistered("x")))));
    assertTrue(e.getMessage().contains("Unregistered"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> db().queuePush(
        List.of(QueueItemInput.of("bad", "1", 1), QueueItemInput.of("bad", "1", 2))));
    assertTrue(tryPull("bad").isEmpty(), "nothing pushed");
    assertThrows(IllegalArgumentException.class, () -> QueueItemInput.of("q", 1).withDelaySeconds(-1));
    assertThrows(IllegalArgumentException.class, () -> QueuePullOptions.of("q").withTtlSeconds(0));
    assertThrows(IllegalArgumentException.class, () -> db().queuePullBatch(QueuePullOptions.of("q"), 0));
  }

  @Test
  default void dataIsCopiedThroughTheQueue() {
    ContractTypes.Box box = new ContractTypes.Box();
    box.items.add("a");
    db().queuePush(QueueItemInput.of("copy", "1", box));
    box.items.add("mutated");
    QueueItem got = pull("copy");
    assertEquals(List.of("a"), got.data(ContractTypes.Box.class).items);
    got.data(ContractTypes.Box.class).items.add("again");
    db().queueRelease(got.key());
    assertEquals(List.of("a"), pull("copy").data(ContractTypes.Box.class).items);
  }

  // ------------------------------------------------------------ leases

  @Test
  default void aDeliveryThatLostItsLeaseCannotTouchTheNewOne() {
    db().queuePush(QueueItemInput.of("lease", "job", 1));
    QueueItem first = db().queuePull(QueuePullOptions.of("lease").withTtlSeconds(5)).orElseThrow();
    clock().advanceSeconds(6);
    QueueItem second = pull("lease");
    assertEquals(2, second.attempts());
    assertFalse(db().queueAcknowledge(first));
    assertFalse(db().queueRelease(first));
    assertFalse(db().queueExtend(first, 100));
    assertTrue(tryPull("lease").isEmpty(), "second delivery still holds it");
    assertTrue(db().queueAcknowledge(second));
    assertTrue(tryPull("lease").isEmpty());
    assertFalse(db().queueAcknowledge(second), "already gone");
  }

  @Test
  default void aTimedOutDeliveryNotYetRedeliveredStillOwnsTheEntry() {
    db().queuePush(QueueItemInput.of("late", "job", 1));
    QueueItem d = db().queuePull(QueuePullOptions.of("late").withTtlSeconds(5)).orElseThrow();
    clock().advanceSeconds(60);
    assertTrue(db().queueAcknowledge(d), "nobody else took it: the late ack counts");
    assertTrue(tryPull("late").isEmpty());
  }

  @Test
  default void releaseByDeliveryEndsTheLease() {
    db().queuePush(QueueItemInput.of("rel", "job", 1));
    QueueItem d = pull("rel");
    assertTrue(db().queueRelease(d));
    assertFalse(db().queueAcknowledge(d), "released: the delivery no longer owns it");
    QueueItem again = pull("rel");
    assertEquals(2, again.attempts());
    assertThrows(IllegalArgumentException.class,
        () -> db().queueAcknowledge(new QueueItem("rel", "job", 1, true, 0, 1)), "no receipt");
  }

  @Test
  default void extendPushesTheDeadlineOut() {
    db().queuePush(QueueItemInput.of("ext", "job", 1));
    QueueItem d = db().queuePull(QueuePullOptions.of("ext").withTtlSeconds(10)).orElseThrow();
    clock().advanceSeconds(8);
    assertTrue(db().queueExtend(d, 60));
    clock().advanceSeconds(30); // past the first deadline, within the extended one
    assertTrue(tryPull("ext").isEmpty());
    clock().advanceSeconds(31);
    QueueItem again = pull("ext");
    assertEquals(2, again.attempts());
    assertThrows(IllegalArgumentException.class, () -> db().queueExtend(again, 0));
  }

  // ------------------------------------------------------------ batch, delays, dead letters

  @Test
  default void pullBatchClaimsUpToMaxInOrder() {
    for (int i = 0; i < 7; i++) {
      db().queuePush(QueueItemInput.of("batch", "k" + i, i));
    }
    List<QueueItem> got = db().queuePullBatch(QueuePullOptions.of("batch"), 5);
    assertEquals(List.of(0, 1, 2, 3, 4), got.stream().map(QueueItem::data).toList());
    assertEquals(5, got.stream().map(QueueItem::receipt).distinct().count());
    assertEquals(List.of(5, 6), db().queuePullBatch(QueuePullOptions.of("batch"), 5).stream().map(QueueItem::data).toList());
    assertEquals(List.of(), db().queuePullBatch(QueuePullOptions.of("batch"), 5));
  }

  @Test
  default void pushListIsAtomicAcrossQueues() {
    db().queuePush(List.of(QueueItemInput.of("ma", 1), QueueItemInput.of("mb", 2)));
    assertEquals(1, pull("ma").data());
    assertEquals(2, pull("mb").data());
  }

  @Test
  default void delayedEntriesWaitTheirTurn() {
    db().queuePush(QueueItemInput.of("delay", "a", "later").withDelaySeconds(30));
    db().queuePush(QueueItemInput.of("delay", "b", "now"));
    assertEquals("now", pull("delay").data());
    assertTrue(tryPull("delay").isEmpty());
    QueueStats s = db().queueStats("delay");
    assertEquals(new QueueStats(0, 1, 1, 0), s);
    clock().advanceSeconds(30);
    QueueItem a = pull("delay");
    assertEquals("later", a.data());
    assertEquals(1, a.attempts());
  }

  @Test
  default void maxAttemptsMovesEntriesToTheDeadLetterQueue() {
    db().queuePush(List.of(QueueItemInput.of("work", "a-poison", "p"), QueueItemInput.of("work", "b-ok", "o")));
    QueuePullOptions opts = QueuePullOptions.of("work").withTtlSeconds(10).withMaxAttempts(2);
    assertEquals("a-poison", db().queuePull(opts).orElseThrow().sk());
    clock().advanceSeconds(11);
    QueueItem second = db().queuePull(opts).orElseThrow();
    assertEquals("a-poison", second.sk());
    assertEquals(2, second.attempts());
    clock().advanceSeconds(11);
    // a-poison has been delivered twice: it moves to work-dlq and the pull goes on to b-ok
    assertEquals("b-ok", db().queuePull(opts).orElseThrow().sk());
    assertEquals(new QueueStats(1, 0, 0, db().queueStats("work-dlq").oldestAvailableAgeSeconds()), db().queueStats("work-dlq"));
    QueueItem dead = pull("work-dlq");
    assertEquals("a-poison", dead.sk());
    assertEquals("p", dead.data());
    assertEquals(3, dead.attempts(), "attempts carry over into the dead-letter queue");
    assertFalse(db().queueAcknowledge(second), "the old delivery lost its lease");
  }

  @Test
  default void customDeadLetterQueueAndRedrive() {
    db().queuePush(List.of(QueueItemInput.of("in", "a", 1), QueueItemInput.of("in", "b", 2), QueueItemInput.of("in", "c", 3)));
    QueuePullOptions opts = QueuePullOptions.of("in").withTtlSeconds(5).withMaxAttempts(1).withDeadLetterQueue("graveyard");
    assertEquals(3, db().queuePullBatch(opts, 3).size());
    clock().advanceSeconds(6);
    assertEquals(List.of(), db().queuePullBatch(opts, 3), "all three dead-lettered");
    assertEquals(3, db().queueStats("graveyard").available());
    QueueItem held = pull("graveyard"); // in flight: redrive leaves it
    assertEquals(2, db().queueRedrive("graveyard", "in"));
    assertEquals(0, db().queueStats("graveyard").available());
    assertEquals(1, db().queueStats("graveyard").inFlight());
    List<QueueItem> back = db().queuePullBatch(QueuePullOptions.of("in"), 10);
    assertEquals(List.of("b", "c"), back.stream().map(QueueItem::sk).toList());
    assertEquals(1, back.get(0).attempts(), "attempts reset by redrive");
    assertTrue(db().queueAcknowledge(held));
    assertThrows(IllegalArgumentException.class, () -> db().queueRedrive("in", "in"));
    assertEquals(0, db().queueRedrive("empty", "in"));
  }

  /**
   * Setup of many entries, in calls of 20: small enough for every store's commit limit (etcd
   * refuses a transaction of more than 128 keys, and one pushed entry writes 2 or 3).
   */
  default void pushInChunks(List<QueueItemInput> items) {
    for (int i = 0; i < items.size(); i += 20) {
      db().queuePush(items.subList(i, Math.min(items.size(), i + 20)));
    }
  }

  @Test
  default void redriveMovesLargeQueuesInBatches() {
    List<QueueItemInput> many = new ArrayList<>();
    for (int i = 0; i < 1203; i++) {
      many.add(QueueItemInput.of("big", String.format("%05d", i), i));
    }
    pushInChunks(many);
    db().queuePullBatch(QueuePullOptions.of("big"), 3); // 3 in flight stay
    assertEquals(1200, db().queueRedrive("big", "moved"));
    assertEquals(new QueueStats(1200, 0, 0, 0), db().queueStats("moved"));
    assertEquals(3, db().queueStats("big").inFlight());
    assertEquals(3, pull("moved").data());
  }

  // ------------------------------------------------------------ moves never destroy an entry

  /** The sk a moved entry gets when its own sk is taken in the target queue. */
  static boolean isRenamedFrom(String sk, String renamed) {
    return renamed.startsWith(sk + "~") && renamed.substring(sk.length() + 1).matches("[0-9A-HJKMNP-TV-Z]{26}");
  }

  @Test
  default void redriveOntoATakenSkKeepsBothEntries() {
    db().queuePush(List.of(QueueItemInput.of("rc-from", "a", "moved-a"), QueueItemInput.of("rc-from", "b", "moved-b")));
    db().queuePush(List.of(QueueItemInput.of("rc-to", "a", "stays-a"), QueueItemInput.of("rc-to", "c", "stays-c")));
    QueueItem held = db().queuePull(QueuePullOptions.of("rc-to")).orElseThrow(); // "a", in flight
    db().queuePush(QueueItemInput.of("rc-from", "c", "moved-c"));
    assertEquals(3, db().queueRedrive("rc-from", "rc-to"));
    assertEquals(new QueueStats(0, 0, 0, 0), db().queueStats("rc-from"));
    assertEquals(4, db().queueStats("rc-to").available());
    assertEquals(1, db().queueStats("rc-to").inFlight());
    List<QueueItem> got = db().queuePullBatch(QueuePullOptions.of("rc-to"), 10);
    assertEquals(List.of("moved-a", "moved-b", "stays-c", "moved-c"), got.stream().map(QueueItem::data).toList());
    assertTrue(isRenamedFrom("a", got.get(0).sk()), got.get(0).sk());
    assertEquals("b", got.get(1).sk());
    assertEquals("c", got.get(2).sk());
    assertTrue(isRenamedFrom("c", got.get(3).sk()), got.get(3).sk());
    assertTrue(db().queueAcknowledge(held), "the in-flight entry at the taken sk is untouched");
    assertEquals("stays-a", held.data());
    for (QueueItem qi : got) {
      assertTrue(db().queueAcknowledge(qi));
    }
    assertEquals(new QueueStats(0, 0, 0, 0), db().queueStats("rc-to"));
  }

  @Test
  default void twoQueuesDeadLetteringOneSkIntoOneQueueKeepBoth() {
    db().queuePush(QueueItemInput.of("dl-1", "job", "from-1"));
    db().queuePush(QueueItemInput.of("dl-2", "job", "from-2"));
    for (String q : List.of("dl-1", "dl-2")) {
      QueuePullOptions o = QueuePullOptions.of(q).withTtlSeconds(5).withMaxAttempts(1).withDeadLetterQueue("dl-shared");
      assertEquals("job", db().queuePull(o).orElseThrow().sk());
      clock().advanceSeconds(6);
      assertTrue(db().queuePull(o).isEmpty(), "dead-lettered");
    }
    assertEquals(2, db().queueStats("dl-shared").available());
    List<QueueItem> dead = db().queuePullBatch(QueuePullOptions.of("dl-shared"), 10);
    assertEquals(List.of("from-1", "from-2"), dead.stream().map(QueueItem::data).toList());
    assertEquals("job", dead.get(0).sk());
    assertTrue(isRenamedFrom("job", dead.get(1).sk()), dead.get(1).sk());
    assertEquals(2, dead.get(1).attempts(), "attempts carry over");
  }

  @Test
  default void aMovedEntryWhoseRenamedSkWouldBeTooLongIsCutToFit() {
    String longSk = "\u00e9".repeat(512); // 1024 UTF-8 bytes: the limit
    db().queuePush(QueueItemInput.of("long-from", longSk, "moved"));
    db().queuePush(QueueItemInput.of("long-to", longSk, "stays"));
    assertEquals(1, db().queueRedrive("long-from", "long-to"));
    List<QueueItem> got = db().queuePullBatch(QueuePullOptions.of("long-to"), 10);
    assertEquals(2, got.size());
    QueueItem moved = got.stream().filter(qi -> "moved".equals(qi.data())).findFirst().orElseThrow();
    byte[] sk = moved.sk().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(sk.length <= 1024, sk.length + " bytes");
    int cut = moved.sk().lastIndexOf('~');
    assertTrue(longSk.startsWith(moved.sk().substring(0, cut)), "a prefix of the original sk");
    assertTrue(moved.sk().substring(cut + 1).matches("[0-9A-HJKMNP-TV-Z]{26}"), moved.sk());
    db().queueAcknowledge(moved.key());
    assertEquals(1, db().queueStats("long-to").inFlight(), "acknowledged by its new key");
  }

  // ------------------------------------------------------------ FIFO after mass timeouts

  /** Pulls until {@code n} entries are delivered (a store may deliver fewer per call). */
  default List<QueueItem> pullExactly(QueuePullOptions o, int n) {
    List<QueueItem> out = new ArrayList<>();
    while (out.size() < n) {
      List<QueueItem> got = db().queuePullBatch(o, n - out.size());
      if (got.isEmpty()) {
        break;
      }
      out.addAll(got);
    }
    return out;
  }

  @Test
  default void batchPullsAfterAMassTimeoutKeepSkOrder() {
    List<QueueItemInput> many = new ArrayList<>();
    for (int i = 0; i < 1500; i++) {
      many.add(QueueItemInput.of("mass", String.format("e%04d", i), i));
    }
    pushInChunks(many);
    // e0000-e0499 and e1000-e1499 time out before e0500-e0999: deadline order is not sk order.
    assertEquals(500, pullExactly(QueuePullOptions.of("mass").withTtlSeconds(10), 500).size());
    assertEquals(500, pullExactly(QueuePullOptions.of("mass").withTtlSeconds(20), 500).size());
    assertEquals(500, pullExactly(QueuePullOptions.of("mass").withTtlSeconds(10), 500).size());
    clock().advanceSeconds(21);
    assertEquals(1500, db().queueStats("mass").available());
    List<QueueItem> again = pullExactly(QueuePullOptions.of("mass"), 1500);
    List<String> expected = many.stream().map(QueueItemInput::sk).toList();
    assertEquals(expected, again.stream().map(QueueItem::sk).toList(), "every timed-out entry, in sk order");
    assertTrue(again.stream().allMatch(qi -> qi.attempts() == 2));
  }

  @Test
  default void batchPullsAfterManyDelaysPassKeepSkOrder() {
    List<QueueItemInput> many = new ArrayList<>();
    for (int i = 0; i < 1200; i++) {
      // later sks are due earlier
      many.add(QueueItemInput.of("massdelay", String.format("d%04d", i), i).withDelaySeconds(1 + (1199 - i) / 100));
    }
    pushInChunks(many);
    clock().advanceSeconds(13);
    List<QueueItem> got = pullExactly(QueuePullOptions.of("massdelay"), 1200);
    assertEquals(many.stream().map(QueueItemInput::sk).toList(), got.stream().map(QueueItem::sk).toList());
  }

  // ------------------------------------------------------------ delayed re-push of an entry in flight

  @Test
  default void delayedPushToAnInFlightEntryWaitsItsDelayAfterAck() {
    db().queuePush(QueueItemInput.of("rp", "job", "v1"));
    QueueItem v1 = pull("rp");
    db().queuePush(QueueItemInput.of("rp", "job", "v2").withDelaySeconds(60));
    assertEquals(new QueueStats(0, 1, 0, 0), db().queueStats("rp"), "the delivery is still in flight");
    assertTrue(db().queueAcknowledge(v1));
    assertEquals(new QueueStats(0, 0, 1, 0), db().queueStats("rp"), "the new data is delayed");
    assertTrue(tryPull("rp").isEmpty(), "not before its delay");
    clock().advanceSeconds(59);
    assertTrue(tryPull("rp").isEmpty(), "not before its delay");
    clock().advanceSeconds(1);
    QueueItem v2 = pull("rp");
    assertEquals("v2", v2.data());
    assertEquals(1, v2.attempts());
  }

  @Test
  default void delayedPushToAnInFlightEntryWaitsItsDelayAfterReleaseOrTimeout() {
    db().queuePush(List.of(QueueItemInput.of("rp2", "rel", "r1"), QueueItemInput.of("rp2", "tmo", "t1")));
    QueueItem r1 = db().queuePull(QueuePullOptions.of("rp2").withTtlSeconds(100)).orElseThrow();
    QueueItem t1 = db().queuePull(QueuePullOptions.of("rp2").withTtlSeconds(10)).orElseThrow();
    assertEquals("rel", r1.sk());
    assertEquals("tmo", t1.sk());
    db().queuePush(List.of(QueueItemInput.of("rp2", "rel", "r2").withDelaySeconds(60),
        QueueItemInput.of("rp2", "tmo", "t2").withDelaySeconds(60)));
    assertTrue(db().queueExtend(r1, 100), "extend keeps the pending delayed data");
    assertTrue(db().queueRelease(r1));
    clock().advanceSeconds(11); // t1 times out: its entry waits for the delay of t2
    assertEquals(new QueueStats(0, 0, 2, 0), db().queueStats("rp2"));
    assertTrue(tryPull("rp2").isEmpty());
    assertFalse(db().queueAcknowledge(t1), "t2 is a new job: the old delivery cannot acknowledge it");
    clock().advanceSeconds(49);
    List<QueueItem> got = db().queuePullBatch(QueuePullOptions.of("rp2"), 10);
    assertEquals(List.of("r2", "t2"), got.stream().map(QueueItem::data).toList());
  }

  @Test
  default void redriveKeepsTheDelayOfWhatItMoves() {
    db().queuePush(QueueItemInput.of("rd-from", "later", "x").withDelaySeconds(60));
    db().queuePush(QueueItemInput.of("rd-from", "busy", "b1"));
    QueueItem b1 = db().queuePull(QueuePullOptions.of("rd-from").withTtlSeconds(10)).orElseThrow();
    db().queuePush(QueueItemInput.of("rd-from", "busy", "b2").withDelaySeconds(60));
    clock().advanceSeconds(11); // b1 timed out; b2 still waits for its delay
    assertEquals(2, db().queueRedrive("rd-from", "rd-to"));
    assertEquals(new QueueStats(0, 0, 2, 0), db().queueStats("rd-to"));
    assertTrue(tryPull("rd-to").isEmpty());
    clock().advanceSeconds(49);
    assertEquals(List.of("b2", "x"), db().queuePullBatch(QueuePullOptions.of("rd-to"), 10).stream().map(QueueItem::data).toList());
    assertFalse(db().queueAcknowledge(b1));
  }

  // ------------------------------------------------------------ stats

  @Test
  default void statsCountEveryStateWithoutPulling() {
    assertEquals(new QueueStats(0, 0, 0, 0), db().queueStats("st"));
    db().queuePush(List.of(QueueItemInput.of("st", "1", 1), QueueItemInput.of("st", "2", 2), QueueItemInput.of("st", "3", 3)));
    db().queuePush(QueueItemInput.of("st", "4", 4).withDelaySeconds(100));
    clock().advanceSeconds(7);
    assertEquals(new QueueStats(3, 0, 1, 7), db().queueStats("st"));
    QueueItem one = db().queuePull(QueuePullOptions.of("st").withTtlSeconds(20)).orElseThrow();
    assertEquals(new QueueStats(2, 1, 1, 7), db().queueStats("st"));
    clock().advanceSeconds(20); // one's deadline passes: counted available again
    assertEquals(new QueueStats(3, 0, 1, 27), db().queueStats("st"));
    db().queueAcknowledge(one.key());
    assertEquals(new QueueStats(2, 0, 1, 27), db().queueStats("st"));
    clock().advanceSeconds(100);
    assertEquals(3, db().queueStats("st").available());
    assertEquals(0, db().queueStats("st").delayed());
  }

  // ------------------------------------------------------------ long polling

  /**
   * A waiting pull that finds nothing looks again at least once a second even without a wake-up
   * (to see entries whose time comes, and pushes of other processes). So the push must come soon
   * after the pull began waiting, and the pull must return well before its next look would: at
   * least 800 ms before it when not woken (the pull looks first at or after {@code began}; the push
   * is 200 ms after that), a few ms when woken. The median of five rounds keeps one slow round on
   * a loaded machine from failing the test, and a missing wake-up from passing it.
   */
  @Test
  default void waitingPullReturnsAtOnceWhenAPushArrives() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      long[] latencies = new long[5];
      for (int round = 0; round < latencies.length; round++) {
        String q = "poll" + round;
        java.util.concurrent.CountDownLatch began = new java.util.concurrent.CountDownLatch(1);
        Future<Optional<QueueItem>> waiting = pool.submit(() -> {
          began.countDown();
          return db().queuePull(QueuePullOptions.of(q).withWait(Duration.ofSeconds(30)));
        });
        assertTrue(began.await(10, TimeUnit.SECONDS));
        Thread.sleep(200);
        assertFalse(waiting.isDone(), "the pull waits for an entry");
        long pushed = System.nanoTime();
        db().queuePush(QueueItemInput.of(q, "hello" + round));
        Optional<QueueItem> got = waiting.get(10, TimeUnit.SECONDS);
        latencies[round] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pushed);
        assertEquals("hello" + round, got.orElseThrow().data());
      }
      long[] sorted = latencies.clone();
      java.util.Arrays.sort(sorted);
      assertTrue(sorted[2] < 500, "woken by the push, not by its next look a second later: ms from push to"
          + " delivery per round " + java.util.Arrays.toString(latencies));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  default void waitingPullEndsEmptyAfterItsWait() {
    long start = System.nanoTime();
    Optional<QueueItem> got = db().queuePull(QueuePullOptions.of("quiet").withWait(Duration.ofMillis(300)));
    long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(got.isEmpty());
    assertTrue(waited >= 250, "waited " + waited + " ms");
  }

  @Test
  default void waitingPullFindsEntriesThatTimeOut() throws Exception {
    db().queuePush(QueueItemInput.of("tpoll", "job"));
    pull("tpoll");
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Optional<QueueItem>> waiting =
          pool.submit(() -> db().queuePull(QueuePullOptions.of("tpoll").withWait(Duration.ofSeconds(30))));
      Thread.sleep(200);
      assertFalse(waiting.isDone());
      clock().advanceSeconds(301); // the fake clock moves; the waiting pull looks again within 1 s
      assertEquals("job", waiting.get(10, TimeUnit.SECONDS).orElseThrow().data());
    } finally {
      pool.shutdownNow();
    }
  }

  // ------------------------------------------------------------ concurrency

  @Test
  default void concurrentConsumersReceiveDistinctEntries() throws Exception {
    int entries = 400;
    List<QueueItemInput> in = new ArrayList<>();
    for (int i = 0; i < entries; i++) {
      in.add(QueueItemInput.of("cc", i));
    }
    pushInChunks(in);
    Set<Object> seen = ConcurrentHashMap.newKeySet();
    AtomicInteger dupes = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        fs.add(pool.submit(() -> {
          Optional<QueueItem> qi;
          while ((qi = db().queuePull(QueuePullOptions.of("cc"))).isPresent()) {
            if (!seen.add(qi.get().data())) {
              dupes.incrementAndGet();
            }
            assertTrue(db().queueAcknowledge(qi.get()));
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(0, dupes.get());
    assertEquals(entries, seen.size());
    assertEquals(new QueueStats(0, 0, 0, 0), db().queueStats("cc"));
  }

  @Test
  default void producersAndConsumersStress() throws Exception {
    int producers = 4;
    int consumers = 4;
    int perProducer = Integer.getInteger("atomicdb.stress.perProducer", 2500); // 10,000 in all
    int total = producers * perProducer;
    // The clock stands still and the timeout is 300 s: no delivery times out, so every entry must
    // be delivered exactly once, and no two consumers may hold one entry at the same time.
    Set<String> delivered = ConcurrentHashMap.newKeySet();
    Set<String> held = ConcurrentHashMap.newKeySet();
    List<String> twice = java.util.Collections.synchronizedList(new ArrayList<>());
    List<String> refused = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger overlaps = new AtomicInteger();
    AtomicInteger acked = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(producers + consumers);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int p = 0; p < producers; p++) {
        int id = p;
        fs.add(pool.submit(() -> {
          for (int i = 0; i < perProducer; i++) {
            db().queuePush(QueueItemInput.of("stress", id + ":" + i));
          }
          return null;
        }));
      }
      for (int c = 0; c < consumers; c++) {
        fs.add(pool.submit(() -> {
          while (acked.get() + refused.size() < total && twice.isEmpty()) {
            Optional<QueueItem> qi = db().queuePull(QueuePullOptions.of("stress").withWait(Duration.ofMillis(50)));
            if (qi.isEmpty()) {
              continue;
            }
            String v = (String) qi.get().data();
            if (!held.add(v)) {
              overlaps.incrementAndGet(); // two consumers hold one entry within its timeout
            }
            if (!delivered.add(v) || qi.get().attempts() != 1) {
              twice.add(v + " (attempts " + qi.get().attempts() + ")"); // delivered again, no timeout
            }
            Thread.yield(); // a consumer holds its entry a little while, as a real one would
            boolean ok = db().queueAcknowledge(qi.get());
            held.remove(v); // after the acknowledgement: until then this consumer holds the entry
            if (ok) {
              acked.incrementAndGet();
            } else {
              refused.add(v); // the delivery lost its lease although nothing timed out
            }
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get(300, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(List.of(), twice, "entries delivered twice without a timeout");
    assertEquals(List.of(), refused, "acknowledgements refused without a timeout");
    assertEquals(0, overlaps.get(), "entries held by two consumers at once");
    assertEquals(total, delivered.size(), "every entry delivered");
    assertEquals(total, acked.get());
    assertEquals(new QueueStats(0, 0, 0, 0), db().queueStats("stress"));
  }

  // ------------------------------------------------------------ durability (durable stores only)

  @Test
  default void queueSurvivesReopen() {
    db().queuePush(List.of(QueueItemInput.of("dur", "a", 1), QueueItemInput.of("dur", "b", 2), QueueItemInput.of("dur", "c", 3)));
    QueueItem a = pull("dur");
    AtomicDb reopened = reopenStore();
    org.junit.jupiter.api.Assumptions.assumeTrue(reopened != null, "not a durable store");
    assertEquals(new QueueStats(2, 1, 0, 0), reopened.queueStats("dur"));
    assertTrue(reopened.queueAcknowledge(a), "the lease survives the reopen");
    assertEquals("b", reopened.queuePull(QueuePullOptions.of("dur")).orElseThrow().sk());
  }
}
