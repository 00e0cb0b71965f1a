package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.contract.TestClock;
import io.github.atomicdb.internal.MemoryKv;
import io.github.atomicdb.internal.QueueLayout;
import io.github.atomicdb.internal.QueueLayout.Counters;
import io.github.atomicdb.internal.ValueCodec;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.Space;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * On a single-writer store the engine writes a queue's counters once, in the held form, and keeps
 * them in memory until it writes them back (at close, before a verify, when the queue leaves
 * memory); entry records it wrote a moment ago are not read back. A held record found at load is
 * counted again from the indexes, and a reader that finds one (a follower) counts too.
 */
class QueueHeldCountersTest {
  /** MemoryKv, single writer, recording every write and counting reads of entry records. */
  static final class Recording extends ForwardingKv {
    final List<List<KvOp>> writes = new ArrayList<>();
    final AtomicInteger entryReads = new AtomicInteger();
    volatile boolean refuseWrites;

    Recording(KvStore inner) {
      super(inner);
    }

    @Override
    public boolean singleWriter() {
      return true;
    }

    @Override
    public byte[] get(Space space, byte[] key) {
      if (space == Space.QUEUE) {
        entryReads.incrementAndGet();
      }
      return inner.get(space, key);
    }

    @Override
    public synchronized void write(List<KvOp> ops) {
      if (refuseWrites) {
        throw new IllegalStateException("the test's backend refuses this write");
      }
      writes.add(List.copyOf(ops));
      inner.write(ops);
    }

    synchronized long counterWrites() {
      return writes.stream().flatMap(List::stream)
          .filter(o -> o.space() == Space.QINDEX && o.key()[0] == QueueLayout.COUNTERS_TAG).count();
    }
  }

  private final TestClock clock = new TestClock();
  private final AtomicLong ids = new AtomicLong();
  private final MemoryKv store = new MemoryKv();

  private QueueEngine engine(KvStore kv) {
    return new QueueEngine(kv, clock, new ValueCodec(Map.of()),
        () -> String.format("%026d", ids.incrementAndGet()), Duration.ofSeconds(5));
  }

  private static void push(QueueEngine q, String pk, int n) {
    for (int i = 0; i < n; i++) {
      q.push(List.of(QueueItemInput.of(pk, "job " + i)));
    }
  }

  private static QueueItem pull(QueueEngine q, String pk) {
    return q.pull(QueuePullOptions.of(pk), 1).get(0);
  }

  private byte[] storedCounters(String pk) {
    return store.get(Space.QINDEX, QueueLayout.countersKey(QueueLayout.part(pk)));
  }

  private Counters counters(byte[] v, String pk) {
    return QueueLayout.openCounters(QueueLayout.countersKey(QueueLayout.part(pk)), v, pk);
  }

  @Test
  void onlyTheFirstCommitOfAQueueWritesItsCountersAndCloseWritesThemBack() {
    Recording kv = new Recording(store);
    QueueEngine q = engine(kv);
    push(q, "jobs", 3);
    QueueItem got = pull(q, "jobs");
    assertTrue(q.acknowledge(got.key(), got.receipt()));
    pull(q, "jobs");
    assertEquals(1, kv.counterWrites(), "one counters write: the first push's, held");
    byte[] held = storedCounters("jobs");
    assertTrue(QueueLayout.isHeld(held));
    assertEquals(new Counters(1, 0, 0), counters(held, "jobs"), "the numbers of that first commit");
    assertEquals(new QueueStats(1, 1, 0, 0), q.stats("jobs"), "exact, from memory");

    q.close();
    byte[] back = storedCounters("jobs");
    assertFalse(QueueLayout.isHeld(back), "written back in the plain form at close");
    assertEquals(new Counters(1, 1, 0), counters(back, "jobs"));
  }

  @Test
  void aHeldRecordFoundAtLoadIsCountedFromTheIndexes() {
    QueueEngine first = engine(new Recording(store));
    push(first, "jobs", 5);
    pull(first, "jobs");
    first.push(List.of(QueueItemInput.of("jobs", "later", "x").withDelaySeconds(60)));
    assertEquals(new Counters(1, 0, 0), counters(storedCounters("jobs"), "jobs"), "stale on disk");
    // "first" stops without close (a crash): the record stays held.

    Recording kv = new Recording(store);
    QueueEngine second = engine(kv);
    assertEquals(new QueueStats(4, 1, 1, 0), second.stats("jobs"), "counted from the indexes");
    assertEquals(0, kv.writes.size(), "counting writes nothing (the record is held already)");
    for (int i = 0; i < 4; i++) {
      QueueItem got = pull(second, "jobs");
      assertTrue(second.acknowledge(got.key(), got.receipt()));
    }
    assertEquals(new QueueStats(0, 1, 1, 0), second.stats("jobs"));
    second.close();
    assertEquals(new Counters(0, 1, 1), counters(storedCounters("jobs"), "jobs"));
  }

  @Test
  void aReaderOnTheSharedPathCountsAQueueWhoseCountersAreHeld() {
    QueueEngine writer = engine(new Recording(store));
    push(writer, "jobs", 4);
    pull(writer, "jobs");
    assertTrue(QueueLayout.isHeld(storedCounters("jobs")));

    QueueEngine reader = engine(new SharedKv(store));
    assertEquals(new QueueStats(3, 1, 0, 0), reader.stats("jobs"));
    assertTrue(QueueLayout.isHeld(storedCounters("jobs")), "a read changes nothing");
  }

  @Test
  void aCommitThatChangesNothingCreatesNoCountersRecord() {
    Recording kv = new Recording(store);
    QueueEngine q = engine(kv);
    assertTrue(q.pull(QueuePullOptions.of("nothing-here"), 1).isEmpty());
    assertEquals(new QueueStats(0, 0, 0, 0), q.stats("nothing-here"));
    q.close();
    assertEquals(0, kv.writes.size());
    assertEquals(null, storedCounters("nothing-here"), "the queue does not exist");
  }

  @Test
  void queuesLeavingMemoryHaveTheirCountersWrittenBack() {
    QueueEngine q = engine(new Recording(store));
    List<String> sameStripe = new ArrayList<>();
    for (int i = 0; sameStripe.size() < QueueHints.MAX_PER_STRIPE + 1; i++) {
      if (QueueCommitter.stripe("q" + i) == 7) {
        sameStripe.add("q" + i);
      }
    }
    for (String pk : sameStripe) {
      push(q, pk, 2);
    }
    String oldest = sameStripe.get(0);
    byte[] v = storedCounters(oldest);
    assertFalse(QueueLayout.isHeld(v), "the least recently used queue left memory, written back");
    assertEquals(new Counters(2, 0, 0), counters(v, oldest));
    assertTrue(QueueLayout.isHeld(storedCounters(sameStripe.get(sameStripe.size() - 1))));
    assertEquals(new QueueStats(2, 0, 0, 0), q.stats(oldest), "loaded again, exact");
  }

  @Test
  void anAcknowledgementDoesNotReadBackTheEntryItsPullWrote() {
    Recording kv = new Recording(store);
    QueueEngine q = engine(kv);
    push(q, "jobs", 10);
    int before = kv.entryReads.get();
    for (int i = 0; i < 10; i++) {
      QueueItem got = pull(q, "jobs");
      assertTrue(q.acknowledge(got.key(), got.receipt()));
    }
    assertEquals(before, kv.entryReads.get(), "pulls and acks of recent entries read none back");
    assertEquals(new QueueStats(0, 0, 0, 0), q.stats("jobs"));
  }

  @Test
  void aNewEntryBehindALongBacklogIsNotKeptInMemory() {
    Recording kv = new Recording(store);
    QueueEngine q = engine(kv);
    int kept = (int) QueueHints.KEEP_NEW_BELOW_READY;
    push(q, "jobs", kept + 6);
    assertEquals(0, kv.entryReads.get(), "pushes above the queue's highest sk read nothing");
    for (int i = 0; i < kept; i++) {
      QueueItem got = pull(q, "jobs");
      assertEquals("job " + i, got.data(String.class));
    }
    assertEquals(0, kv.entryReads.get(), "entries pushed while the backlog was short were kept");
    for (int i = kept; i < kept + 6; i++) {
      QueueItem got = pull(q, "jobs");
      assertEquals("job " + i, got.data(String.class));
    }
    assertEquals(6, kv.entryReads.get(), "those pushed behind " + kept + " ready entries are read");
  }

  @Test
  void aFailedWriteKeepsNoneOfItsRecordsOrCounters() {
    Recording kv = new Recording(store);
    QueueEngine q = engine(kv);
    push(q, "jobs", 2);
    QueueItem got = pull(q, "jobs");
    kv.refuseWrites = true;
    assertThrows(IllegalStateException.class, () -> q.acknowledge(got.key(), got.receipt()));
    kv.refuseWrites = false;
    assertEquals(new QueueStats(1, 1, 0, 0), q.stats("jobs"), "counted again: nothing was acknowledged");
    byte[] entry = store.get(Space.QUEUE, QueueLayout.entryKey(QueueLayout.part("jobs"),
        got.sk().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertNotNull(entry, "the entry is still stored");
    assertTrue(q.acknowledge(got.key(), got.receipt()), "the delivery still owns it");
    assertEquals(new QueueStats(1, 0, 0, 0), q.stats("jobs"));
  }

  @Test
  void theHeldFormIsTheCountersPlusOneByteAndOpensToTheSameNumbers() {
    byte[] key = QueueLayout.countersKey(QueueLayout.part("jobs"));
    Counters c = new Counters(2, 1, 0);
    byte[] plain = QueueLayout.counters(key, c);
    byte[] held = QueueLayout.heldCounters(key, c);
    assertEquals(plain.length + 1, held.length);
    assertArrayEquals(java.util.Arrays.copyOf(plain, plain.length - 4),
        java.util.Arrays.copyOf(held, plain.length - 4), "same prefix");
    assertEquals(QueueLayout.HELD, held[held.length - 5]);
    assertEquals(c, QueueLayout.openCounters(key, held, "jobs"));
    assertFalse(QueueLayout.isHeld(plain));
    byte[] wrongFlag = held.clone();
    wrongFlag[wrongFlag.length - 5] = 2;
    assertThrows(CorruptDataException.class, () -> QueueLayout.openCounters(key, wrongFlag, "jobs"));
  }
  @Test
  void aPushAboveEveryStoredSkReadsNothingAndOneAtOrBelowItReads() {
    QueueEngine first = engine(new Recording(store));
    first.push(List.of(QueueItemInput.of("jobs", "m", "x")));
    first.close();

    Recording kv = new Recording(store);
    QueueEngine q = engine(kv);
    q.push(List.of(QueueItemInput.of("jobs", "n", "a")));
    int reads = kv.entryReads.get();
    q.push(List.of(QueueItemInput.of("jobs", "o", "b"), QueueItemInput.of("jobs", "p", "c")));
    assertEquals(reads, kv.entryReads.get(), "sks above every stored one are known to be free");
    q.push(List.of(QueueItemInput.of("jobs", "m", "again")));
    assertEquals(reads + 1, kv.entryReads.get(), "an sk at or below the highest is read");
    assertEquals(new QueueStats(4, 0, 0, 0), q.stats("jobs"), "m was pushed again, not twice");
    q.push(List.of(QueueItemInput.of("jobs", "p", "again")));
    assertEquals(new QueueStats(4, 0, 0, 0), q.stats("jobs"), "p, written in this process, too");
    assertEquals(List.of("m", "n", "o", "p"), List.of(pull(q, "jobs").sk(), pull(q, "jobs").sk(),
        pull(q, "jobs").sk(), pull(q, "jobs").sk()));
  }
}
