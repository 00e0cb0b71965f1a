package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.contract.TestClock;
import io.github.atomicdb.spi.Space;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AtomicRocksDb beyond the shared contract: durability across reopen, TTL compaction, lifecycle. */
class AtomicRocksDbTest {
  @TempDir Path root;

  private AtomicRocksDb open(Path dir, TestClock clock) {
    return AtomicRocksDb.builder(dir).clock(clock).open();
  }

  @Test
  void createsMissingDirectoryOwnerOnly() throws Exception {
    Path dir = root.resolve("a/b/store");
    try (AtomicRocksDb db = AtomicRocksDb.open(dir)) {
      db.set(Item.of("p", "s", "v"));
      assertEquals("v", db.get(ItemKey.of("p", "s")).orElseThrow().data());
    }
    assertTrue(Files.isRegularFile(dir.resolve("CURRENT")));
    if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    }
  }

  @Test
  void reopenKeepsItemsLocksAndQueueState() {
    Path dir = root.resolve("s");
    TestClock clock = new TestClock();
    ItemLock lock;
    QueueItem inFlight;
    try (AtomicRocksDb db = open(dir, clock)) {
      db.set(List.of(
          Item.of("user#1", "a", "alpha"),
          Item.of("user#1", "b", new BigDecimal("12.50")),
          Item.of("user#1", "c", List.of(1L, 2L)).withTtl(clock.seconds() + 3600),
          Item.of("user#10", "a", Map.of("k", "v"))));
      lock = db.getLock(ItemKey.of("user#1", "a"));
      db.queuePush(List.of(
          QueueItemInput.of("jobs", "1", "one"),
          QueueItemInput.of("jobs", "2", "two"),
          QueueItemInput.of("jobs", "3", "three")));
      inFlight = db.queuePull(QueuePullOptions.of("jobs").withTtlSeconds(60)).orElseThrow();
      assertEquals("1", inFlight.sk());
    }
    try (AtomicRocksDb db = open(dir, clock)) {
      assertEquals(
          List.of("alpha", new BigDecimal("12.50"), List.of(1L, 2L)),
          db.query(Query.of("user#1")).stream().map(Item::data).toList());
      assertEquals(Map.of("k", "v"), db.get(ItemKey.of("user#10", "a")).orElseThrow().data());
      assertEquals(clock.seconds() + 3600, db.get(ItemKey.of("user#1", "c")).orElseThrow().ttl());
      ItemLock again = db.getLock(ItemKey.of("user#1", "a"));
      assertEquals(lock.version(), again.version());
      assertEquals(lock.ttl(), again.ttl());

      QueueStats stats = db.queueStats("jobs");
      assertEquals(2, stats.available());
      assertEquals(1, stats.inFlight());
      // the in-flight delivery still owns its entry, and the others pull in order
      assertEquals("2", db.queuePull(QueuePullOptions.of("jobs")).orElseThrow().sk());
      assertTrue(db.queueAcknowledge(inFlight));
      assertEquals("3", db.queuePull(QueuePullOptions.of("jobs")).orElseThrow().sk());
      assertTrue(db.queuePull(QueuePullOptions.of("jobs")).isEmpty());
      // a timed-out in-flight entry comes back after reopen too
      clock.advanceSeconds(400);
      QueueItem redelivered = db.queuePull(QueuePullOptions.of("jobs")).orElseThrow();
      assertEquals("2", redelivered.sk());
      assertEquals(2, redelivered.attempts());
    }
  }

  @Test
  void setAtomicAfterReopenUsesTheStoredLock() {
    Path dir = root.resolve("s");
    TestClock clock = new TestClock();
    ItemLock lock;
    try (AtomicRocksDb db = open(dir, clock)) {
      lock = db.getLock(ItemKey.of("p", "s"));
    }
    try (AtomicRocksDb db = open(dir, clock)) {
      db.setAtomic(Item.of("p", "s", 1L), lock);
      assertThrows(RaceConditionException.class, () -> db.setAtomic(Item.of("p", "s", 2L), lock));
      assertEquals(1L, db.get(ItemKey.of("p", "s")).orElseThrow().data());
    }
  }

  @Test
  void exactlyOneConcurrentSetAtomicWins() throws Exception {
    try (AtomicRocksDb db = open(root.resolve("s"), new TestClock())) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        for (int round = 0; round < 20; round++) {
          ItemKey key = ItemKey.of("race", "k" + round);
          ItemLock lock = db.getLock(key);
          CountDownLatch start = new CountDownLatch(1);
          AtomicInteger wins = new AtomicInteger();
          List<Future<?>> fs = new ArrayList<>();
          for (int t = 0; t < 8; t++) {
            long value = t;
            fs.add(pool.submit(() -> {
              start.await();
              try {
                db.setAtomic(Item.of(key.pk(), key.sk(), value), lock);
                wins.incrementAndGet();
              } catch (RaceConditionException lost) {
                // expected for all but one
              }
              return null;
            }));
          }
          start.countDown();
          for (Future<?> f : fs) {
            f.get(30, TimeUnit.SECONDS);
          }
          assertEquals(1, wins.get(), "round " + round);
          assertNotEquals(lock.version(), db.getLock(key).version());
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void plainSetDoesNotMakeSetAtomicFail() {
    // puts inside a transaction are untracked: only the locks decide a race
    try (AtomicRocksDb db = open(root.resolve("s"), new TestClock())) {
      ItemLock lock = db.getLock(ItemKey.of("p", "s"));
      db.set(Item.of("p", "s", "plain"));
      db.setAtomic(Item.of("p", "s", "atomic"), lock);
      assertEquals("atomic", db.get(ItemKey.of("p", "s")).orElseThrow().data());
    }
  }

  @Test
  void compactionRemovesItemsExpiredByWallClockOnly() {
    long now = Instant.now().getEpochSecond();
    try (AtomicRocksDb db = AtomicRocksDb.open(root.resolve("s"))) {
      List<Item> items = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        items.add(Item.of("t", String.format("expired-%03d", i), "x" + i).withTtl(now - 10));
        items.add(Item.of("t", String.format("live-%03d", i), "y" + i).withTtl(now + 3600));
        items.add(Item.of("t", String.format("plain-%03d", i), "z" + i));
      }
      db.set(items);
      assertEquals(150, db.rawCount(Space.ITEMS), "all written before compaction");
      assertEquals(100, db.query(Query.of("t")).size(), "expired invisible at once");

      db.compactItems();

      assertEquals(100, db.rawCount(Space.ITEMS), "expired entries removed by compaction");
      List<Item> left = db.query(Query.of("t"));
      assertEquals(100, left.size());
      assertTrue(left.stream().noneMatch(i -> i.sk().startsWith("expired")));
      assertEquals("y7", db.get(ItemKey.of("t", "live-007")).orElseThrow().data());
      assertEquals("z49", db.get(ItemKey.of("t", "plain-049")).orElseThrow().data());
    }
  }

  @Test
  void compactionLeavesOtherSpacesAlone() {
    try (AtomicRocksDb db = AtomicRocksDb.open(root.resolve("s"))) {
      db.getLock(ItemKey.of("p", "s"));
      db.queuePush(QueueItemInput.of("q", "1", "x"));
      db.compactItems();
      db.flush();
      assertEquals(1, db.rawCount(Space.LOCKS));
      assertEquals(1, db.rawCount(Space.QUEUE));
      assertTrue(db.queuePull(QueuePullOptions.of("q")).isPresent());
    }
  }

  @Test
  void queueChurnDoesNotPileTombstonesUpInTheMemtable() {
    // every pull seeks from the front of the queue's indexes, over the keys earlier pulls and acks
    // deleted; a memtable full of those tombstones made each pull step over all of them
    try (AtomicRocksDb db = AtomicRocksDb.open(root.resolve("s"))) {
      db.queuePush(QueueItemInput.of("q", "backlog", "x"));
      for (int i = 0; i < 3000; i++) {
        db.queuePush(QueueItemInput.of("q", "job-" + i));
        QueueItem qi = db.queuePull(QueuePullOptions.of("q")).orElseThrow();
        assertTrue(db.queueAcknowledge(qi));
      }
      long deletes = db.rocksProperty(Space.QINDEX, "rocksdb.num-deletes-active-mem-table");
      assertTrue(deletes < 1500, "6000 index deletes, " + deletes + " still in the active memtable");
      assertEquals(1, db.queueStats("q").available());
    }
  }

  @Test
  void useAfterCloseThrowsAndCloseIsIdempotent() {
    AtomicRocksDb db = AtomicRocksDb.open(root.resolve("s"));
    db.set(Item.of("p", "a", 1L));
    db.set(Item.of("p", "b", 2L));
    Stream<Item> open = db.stream(Query.of("p"));
    Iterator<Item> it = open.iterator();
    assertEquals(1L, it.next().data());
    assertEquals(1, db.openCursors());
    db.close();
    db.close();
    assertEquals(0, db.openCursors(), "close released the stream's iterator");
    assertThrows(IllegalStateException.class, it::next);
    open.close(); // still fine
    assertThrows(IllegalStateException.class, () -> db.get(ItemKey.of("p", "a")));
    assertThrows(IllegalStateException.class, () -> db.set(Item.of("p", "a", 1L)));
    assertThrows(IllegalStateException.class, () -> db.queuePull(QueuePullOptions.of("q")));
    // and the directory can be opened again
    try (AtomicRocksDb again = AtomicRocksDb.open(root.resolve("s"))) {
      assertEquals(2, again.query(Query.of("p")).size());
    }
  }

  @Test
  void streamsReleaseTheirIteratorWhenConsumedOrClosed() {
    try (AtomicRocksDb db = AtomicRocksDb.open(root.resolve("s"))) {
      for (int i = 0; i < 10; i++) {
        db.set(Item.of("p", "k" + i, (long) i));
      }
      assertEquals(10, db.stream(Query.of("p")).count());
      assertEquals(0, db.openCursors());
      try (Stream<Item> s = db.stream(Query.of("p"))) {
        s.iterator().next();
        assertEquals(1, db.openCursors());
      }
      assertEquals(0, db.openCursors());
      assertEquals(List.of(9L, 8L, 7L),
          db.query(Query.of("p").reversed().withLimit(3)).stream().map(Item::data).toList());
      assertEquals(0, db.openCursors());
    }
  }

  @Test
  void closeWhileOtherThreadsWorkNeverCrashes() throws Exception {
    for (int round = 0; round < 5; round++) {
      AtomicRocksDb db = AtomicRocksDb.open(root.resolve("s" + round));
      for (int i = 0; i < 100; i++) {
        db.set(Item.of("p", String.format("%03d", i), (long) i));
      }
      ExecutorService pool = Executors.newFixedThreadPool(4);
      CountDownLatch running = new CountDownLatch(4);
      List<Future<String>> fs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int kind = t;
        fs.add(pool.submit(() -> {
          running.countDown();
          try {
            for (int n = 0; ; n++) {
              switch (kind) {
                case 0 -> db.query(Query.of("p"));
                case 1 -> db.set(Item.of("p", "w" + n, (long) n));
                case 2 -> {
                  try (Stream<Item> s = db.stream(Query.of("p"))) {
                    s.limit(50).forEach(x -> { });
                  }
                }
                default -> {
                  ItemKey k = ItemKey.of("l", "k" + (n % 10));
                  try {
                    db.setAtomic(Item.of("l", k.sk(), (long) n), db.getLock(k));
                  } catch (RaceConditionException ignored) {
                    // fine
                  }
                }
              }
            }
          } catch (IllegalStateException closed) {
            return "closed";
          }
        }));
      }
      running.await();
      Thread.sleep(50);
      db.close();
      for (Future<String> f : fs) {
        assertEquals("closed", f.get(30, TimeUnit.SECONDS));
      }
      pool.shutdown();
    }
  }

  @Test
  void noRocksDbTypeInAnyPublicSignature() {
    List<String> leaks = new ArrayList<>();
    for (Class<?> c : List.of(AtomicRocksDb.class, AtomicRocksDb.Builder.class, Compression.class,
        io.github.atomicdb.internal.RocksKv.class, io.github.atomicdb.internal.RocksKv.Settings.class)) {
      for (java.lang.reflect.Method m : c.getDeclaredMethods()) {
        int mod = m.getModifiers();
        if (java.lang.reflect.Modifier.isPublic(mod) || java.lang.reflect.Modifier.isProtected(mod)) {
          if (m.toGenericString().contains("org.rocksdb")) {
            leaks.add(m.toGenericString());
          }
        }
      }
      for (java.lang.reflect.Constructor<?> k : c.getConstructors()) {
        if (k.toGenericString().contains("org.rocksdb")) {
          leaks.add(k.toGenericString());
        }
      }
      for (java.lang.reflect.Field f : c.getFields()) {
        if (f.getGenericType().getTypeName().contains("org.rocksdb")) {
          leaks.add(f.toGenericString());
        }
      }
      if (c.getGenericSuperclass() != null && c.getGenericSuperclass().getTypeName().contains("org.rocksdb")) {
        leaks.add(c + " extends " + c.getGenericSuperclass());
      }
    }
    assertEquals(List.of(), leaks);
  }

  @Test
  void builderRefusesBadValuesNamingThem() {
    AtomicRocksDb.Builder b = AtomicRocksDb.builder(root.resolve("s"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.blockCacheBytes(10));
    assertTrue(e.getMessage().contains("blockCacheBytes is 10"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> b.writeBufferBytes(-1));
    assertTrue(e.getMessage().contains("writeBufferBytes is -1"), e.getMessage());
    assertThrows(NullPointerException.class, () -> b.compression(null));
    assertThrows(NullPointerException.class, () -> b.clock(null));
    assertThrows(NullPointerException.class, () -> AtomicRocksDb.builder(null));
    e = assertThrows(IllegalArgumentException.class, () -> b.register(Object.class, 5));
    assertTrue(e.getMessage().contains("5"), e.getMessage());
    assertFalse(Files.exists(root.resolve("s")), "a builder touches nothing before open()");
  }

  @Test
  void everyCompressionOpensAndReads() {
    for (Compression c : Compression.values()) {
      Path dir = root.resolve(c.name());
      try (AtomicRocksDb db = AtomicRocksDb.builder(dir).compression(c).blockCacheBytes(1 << 20)
          .writeBufferBytes(1 << 16).syncWrites(true).open()) {
        for (int i = 0; i < 200; i++) {
          db.set(Item.of("p", String.format("%04d", i), "value-" + i));
        }
        db.flush();
      }
      try (AtomicRocksDb db = AtomicRocksDb.open(dir)) {
        assertEquals(200, db.query(Query.of("p")).size(), c.name());
        assertEquals(Optional.of("value-123"),
            db.get(ItemKey.of("p", "0123")).map(Item::data), c.name());
      }
    }
  }

  @Test
  void queueAndItemsAreSeparateAfterReopen() {
    Path dir = root.resolve("s");
    try (AtomicRocksDb db = AtomicRocksDb.open(dir)) {
      db.queuePush(QueueItemInput.of("shared", "x", "queued"));
      db.set(Item.of("shared", "y", "item"));
    }
    try (AtomicRocksDb db = AtomicRocksDb.open(dir)) {
      assertEquals(List.of("y"),
          db.query(Query.of("shared")).stream().map(Item::sk).collect(Collectors.toList()));
      assertEquals("queued", db.queuePull(QueuePullOptions.of("shared")).orElseThrow().data());
    }
  }
}
