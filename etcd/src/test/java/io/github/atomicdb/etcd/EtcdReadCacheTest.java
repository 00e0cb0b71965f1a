package io.github.atomicdb.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.ItemLock;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import io.github.atomicdb.spi.Engines;
import io.github.atomicdb.spi.KvConflictException;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.KvOutcomeUnknownException;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.Space;
import io.github.atomicdb.spi.TypeRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * EtcdKv's read cache against a real etcd: what this process read or committed serves later
 * transactions without a round trip (counted with {@link EtcdKv#calls()}), and is validated like a
 * fresh read: another process's write makes the commit conflict and the retry read fresh; a
 * transaction never sees this process's commits made after it started; a write of unknown outcome
 * is forgotten; the cache stays within its bounds.
 */
class EtcdReadCacheTest {
  @RegisterExtension static final EtcdClusterExtension etcd = new EtcdClusterExtension(1);
  private static final AtomicInteger NS = new AtomicInteger();
  private final List<KvStore> opened = new ArrayList<>();

  private EtcdKv open(String namespace, EtcdKv.Settings settings) {
    EtcdKv kv = EtcdKv.open(etcd.cluster().endpoints(), namespace, settings);
    opened.add(kv);
    return kv;
  }

  private EtcdKv open(String namespace) {
    return open(namespace, EtcdKv.Settings.defaults());
  }

  private static String freshNamespace() {
    return "cachetest-" + NS.incrementAndGet();
  }

  @AfterEach
  void closeAll() {
    opened.forEach(KvStore::close);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String s(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  private static void put(KvStore kv, String k, String v) {
    kv.write(List.of(KvOp.put(Space.QUEUE, b(k), b(v))));
  }

  /** Reads {@code k} for update and puts {@code v} there; returns what it read. */
  private static String readAndPut(KvStore kv, String k, String v) {
    return kv.transact(t -> {
      String seen = s(t.getForUpdate(Space.QUEUE, b(k)));
      t.put(Space.QUEUE, b(k), b(v));
      return seen;
    });
  }

  @Test
  void whatThisProcessCommittedServesTheNextTransactionWithoutARead() {
    EtcdKv kv = open(freshNamespace());
    put(kv, "counters", "1");
    long before = kv.calls();
    assertEquals("1", readAndPut(kv, "counters", "2"), "a write's value");
    assertEquals(1, kv.calls() - before, "the commit only: the value came from the cache");

    before = kv.calls();
    assertEquals("2", readAndPut(kv, "counters", "3"), "a transaction's commit");
    List<String> both = kv.transact(t -> {
      List<String> out = new ArrayList<>();
      t.getForUpdate(Space.QUEUE, List.of(b("counters"), b("counters"))).forEach(v -> out.add(s(v)));
      t.put(Space.QUEUE, b("other"), b("x"));
      return out;
    });
    assertEquals(List.of("3", "3"), both, "the batched getForUpdate is served too");
    assertEquals(2, kv.calls() - before, "two commits, no read");

    before = kv.calls();
    kv.write(List.of(KvOp.delete(Space.QUEUE, b("counters"))));
    assertNull(readAndPut(kv, "counters", "4"), "a delete is learned as absent");
    assertEquals(2, kv.calls() - before);
    assertEquals("4", s(kv.get(Space.QUEUE, b("counters"))));
  }

  @Test
  void aPlainReadIsLearnedAndAKeyReadForUpdateStaysKnownAfterACommitThatDidNotWriteIt() {
    String ns = freshNamespace();
    put(open(ns), "lock", "v1");
    EtcdKv kv = open(ns);
    assertEquals("v1", s(kv.get(Space.QUEUE, b("lock"))));
    long before = kv.calls();
    kv.transact(t -> {
      assertEquals("v1", s(t.getForUpdate(Space.QUEUE, b("lock"))));
      t.put(Space.QUEUE, b("item"), b("i1"));
      return null;
    });
    kv.transact(t -> {
      assertEquals("v1", s(t.getForUpdate(Space.QUEUE, b("lock"))));
      assertEquals("i1", s(t.getForUpdate(Space.QUEUE, b("item"))));
      t.put(Space.QUEUE, b("item"), b("i2"));
      return null;
    });
    assertEquals(2, kv.calls() - before, "two commits, no read");
  }

  @Test
  void anotherProcessWriteMakesTheCachedValueConflictOnceAndTheRetryReadsFresh() {
    String ns = freshNamespace();
    EtcdKv mine = open(ns);
    EtcdKv other = open(ns);
    put(mine, "counters", "mine-1");
    put(other, "counters", "theirs-2");
    List<String> seen = new ArrayList<>();
    assertThrows(KvConflictException.class, () -> mine.transact(t -> {
      seen.add(s(t.getForUpdate(Space.QUEUE, b("counters"))));
      t.put(Space.QUEUE, b("counters"), b("mine-3"));
      return null;
    }), "the cached value is stale: the commit's compare fails");
    assertEquals(List.of("mine-1"), seen, "served from the cache, so it had to be validated");
    assertEquals("theirs-2", s(other.get(Space.QUEUE, b("counters"))), "nothing of the conflict was written");

    long before = mine.calls();
    assertEquals("theirs-2", readAndPut(mine, "counters", "mine-3"), "the retry reads fresh");
    assertEquals(2, mine.calls() - before, "read + commit: a key another process writes is not served for a while");
    assertEquals("mine-3", s(other.get(Space.QUEUE, b("counters"))));
  }

  @Test
  void anAbsentKeyCachedAsAbsentConflictsWithItsCreationByAnotherProcess() {
    String ns = freshNamespace();
    EtcdKv mine = open(ns);
    EtcdKv other = open(ns);
    put(mine, "k", "v");
    mine.write(List.of(KvOp.delete(Space.QUEUE, b("k"))));
    put(other, "k", "created");
    assertThrows(KvConflictException.class, () -> readAndPut(mine, "k", "mine"));
    assertEquals("created", readAndPut(mine, "k", "mine"));
  }

  @Test
  void aTransactionDoesNotSeeACommitThisProcessMadeAfterItStarted() {
    EtcdKv kv = open(freshNamespace());
    put(kv, "k", "v1");
    List<String> seen = new ArrayList<>();
    assertThrows(KvConflictException.class, () -> kv.transact(t -> {
      join(CompletableFuture.runAsync(() -> readAndPut(kv, "k", "v2")));
      seen.add(s(t.getForUpdate(Space.QUEUE, b("k"))));
      t.put(Space.QUEUE, b("k"), b("v3"));
      return null;
    }));
    assertEquals(List.of("v1"), seen, "the state as of its start, although the cache held v2 by then");
    assertEquals("v2", s(kv.get(Space.QUEUE, b("k"))));
  }

  @Test
  void aBodyThatThrowsOnAStaleCachedValueRunsAgainOnFreshReads() {
    String ns = freshNamespace();
    EtcdKv mine = open(ns);
    EtcdKv other = open(ns);
    put(mine, "lock", "version-1");
    put(other, "lock", "version-2");
    AtomicInteger runs = new AtomicInteger();
    // Like setAtomic: the caller holds version-2 (got elsewhere); the body refuses any other.
    String r = mine.transact(t -> {
      runs.incrementAndGet();
      String v = s(t.getForUpdate(Space.QUEUE, b("lock")));
      if (!v.equals("version-2")) {
        throw new IllegalStateException("lock has " + v);
      }
      t.put(Space.QUEUE, b("lock"), b("version-3"));
      return v;
    });
    assertEquals("version-2", r);
    assertEquals(2, runs.get(), "the first run was served the stale value and threw");
    assertEquals("version-3", s(other.get(Space.QUEUE, b("lock"))));

    // A body that throws on a current cached value: validated, and its exception passes through.
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> mine.transact(t -> {
      t.getForUpdate(Space.QUEUE, b("lock"));
      throw new IllegalStateException("refused");
    }));
    assertEquals("refused", e.getMessage());
  }

  @Test
  void aWriteOfUnknownOutcomeIsForgotten() {
    String ns = freshNamespace();
    EtcdKv kv = open(ns, new EtcdKv.Settings(Duration.ofMillis(500), Duration.ofSeconds(2), 128, 1536 * 1024));
    put(kv, "k", "v1");
    etcd.cluster().pause(0);
    try {
      assertThrows(KvOutcomeUnknownException.class, () -> readAndPut(kv, "k", "v2"));
    } finally {
      etcd.cluster().resume(0);
    }
    etcd.cluster().awaitHealthy(0);
    String stored = s(open(ns).get(Space.QUEUE, b("k")));
    long before = kv.calls();
    assertEquals(stored, kv.transact(t -> s(t.getForUpdate(Space.QUEUE, b("k")))));
    assertEquals(2, kv.calls() - before, "a fresh read and the read-only validation: nothing served");
  }

  @Test
  void theCacheStaysWithinItsBoundsAndKeepsNoLargeValue() {
    EtcdKv kv = open(freshNamespace());
    int n = ReadCache.MAX_KEYS + 300;
    for (int i = 0; i < n; i += 100) {
      List<KvOp> batch = new ArrayList<>();
      for (int j = i; j < Math.min(n, i + 100); j++) {
        batch.add(KvOp.put(Space.QUEUE, b("key-" + j), b("value-" + j)));
      }
      kv.write(batch);
    }
    assertEquals(ReadCache.MAX_KEYS, kv.cache().size(), "full, evicting the least recently used");
    assertTrue(kv.cache().bytes() <= ReadCache.MAX_BYTES, "bytes " + kv.cache().bytes());
    long before = kv.calls();
    assertEquals("value-" + (n - 1), readAndPut(kv, "key-" + (n - 1), "x"), "the newest is kept");
    assertEquals("value-0", readAndPut(kv, "key-0", "x"), "the oldest was evicted: read again");
    assertEquals(3, kv.calls() - before);

    String big = "b".repeat(ReadCache.MAX_VALUE_BYTES + 1);
    put(kv, "big", big);
    before = kv.calls();
    assertEquals(big, readAndPut(kv, "big", "small"));
    assertEquals(2, kv.calls() - before, "a value over the per-value bound is read from etcd");
  }

  /**
   * Threads of two stores (two processes) increment one counter with read-for-update + put,
   * retrying conflicts: every increment counts once, whatever each store had cached.
   */
  @Test
  void threadsOfTwoProcessesIncrementingOneCounterLoseNoIncrement() throws Exception {
    String ns = freshNamespace();
    EtcdKv first = open(ns);
    EtcdKv second = open(ns);
    put(first, "n", "0");
    int perThread = 25;
    ExecutorService pool = Executors.newFixedThreadPool(6);
    List<CompletableFuture<Integer>> workers = new ArrayList<>();
    for (int w = 0; w < 6; w++) {
      EtcdKv kv = w < 4 ? first : second;
      workers.add(CompletableFuture.supplyAsync(() -> {
        int conflicts = 0;
        for (int i = 0; i < perThread; i++) {
          while (true) {
            try {
              kv.transact(t -> {
                long n = Long.parseLong(s(t.getForUpdate(Space.QUEUE, b("n"))));
                t.put(Space.QUEUE, b("n"), b(Long.toString(n + 1)));
                return null;
              });
              break;
            } catch (KvConflictException e) {
              conflicts++;
            }
          }
        }
        return conflicts;
      }, pool));
    }
    try {
      for (CompletableFuture<Integer> w : workers) {
        w.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(Long.toString(6L * perThread), s(second.get(Space.QUEUE, b("n"))));
    assertEquals(Long.toString(6L * perThread), first.transact(t -> s(t.getForUpdate(Space.QUEUE, b("n")))));
  }

  /**
   * The engine over EtcdKv, one process: a queue cycle (push, pull, acknowledge) costs the push's
   * read of its new entry's key, the pull's index scan and three commits, and the lock path
   * (getLock, get, setAtomic) two reads and a commit: every other record the engine reads for
   * update is one this process wrote or read.
   */
  @Test
  void aQueueCycleAndALockedUpdateReadEtcdOnlyWhereTheyMust() {
    EtcdKv kv = open(freshNamespace());
    try (AtomicDb db = Engines.open("cache test", kv, Clock.systemUTC(), new TypeRegistry())) {
      for (int i = 0; i < 5; i++) {
        db.queuePush(QueueItemInput.of("jobs", "backlog " + i));
      }
      db.set(Item.of("p", "k", "0"));
      db.getLock(new ItemKey("p", "k")); // creating the lock is a commit of its own
      for (int round = 0; round < 3; round++) {
        long before = kv.calls();
        db.queuePush(QueueItemInput.of("jobs", "job " + round));
        QueueItem got = db.queuePull(QueuePullOptions.of("jobs")).orElseThrow();
        assertEquals("backlog " + round, got.data(), "FIFO");
        assertTrue(db.queueAcknowledge(got));
        assertEquals(5, kv.calls() - before,
            "push (a read of its new entry's key, never seen, and a commit), pull (scan, commit), acknowledge");

        before = kv.calls();
        ItemKey k = new ItemKey("p", "k");
        ItemLock lock = db.getLock(k);
        long v = Long.parseLong((String) db.get(k).orElseThrow().data());
        db.setAtomic(Item.of("p", "k", Long.toString(v + 1)), lock);
        assertEquals(3, kv.calls() - before, "getLock, get, setAtomic's commit");
      }
      assertEquals("3", db.get(new ItemKey("p", "k")).orElseThrow().data());
    }
  }

  private static void join(CompletableFuture<?> f) {
    try {
      f.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
