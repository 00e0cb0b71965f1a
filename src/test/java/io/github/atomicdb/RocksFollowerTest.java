package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.tools.ReadPosition;
import io.github.atomicdb.tools.StoreTools;
import io.github.atomicdb.tools.VerifyReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** AtomicRocksDb.Builder.readOnlyFollower(): reading a store another opener holds and writes. */
class RocksFollowerTest {
  @TempDir Path tmp;

  private static AtomicRocksDb follower(Path dir) {
    return AtomicRocksDb.builder(dir).readOnlyFollower().open();
  }

  @Test
  void aFollowerReadsAHeldStoreAndSeesNewWritesOnlyAfterCatchingUp() throws Exception {
    Path dir = tmp.resolve("store");
    try (AtomicRocksDb owner = AtomicRocksDb.open(dir)) {
      owner.set(Item.of("p", "a", "first"));
      owner.queuePush(QueueItemInput.of("jobs", "1", "job 1"));
      owner.flush();
      owner.set(Item.of("p", "b", "in the log only"));
      try (AtomicRocksDb f = follower(dir)) {
        assertTrue(f.isReadOnlyFollower());
        assertFalse(owner.isReadOnlyFollower());
        assertEquals("first", f.get(ItemKey.of("p", "a")).orElseThrow().data());
        assertEquals("in the log only", f.get(ItemKey.of("p", "b")).orElseThrow().data(),
            "the owner's unflushed writes are read from its write-ahead log");
        assertEquals(1, f.queueStats("jobs").available());
        ReadPosition before = f.readPosition();

        owner.set(Item.of("p", "c", "later"));
        owner.queuePush(QueueItemInput.of("jobs", "2", "job 2"));
        assertTrue(f.get(ItemKey.of("p", "c")).isEmpty(), "not seen before a catch-up");
        assertEquals(before, f.readPosition());

        ReadPosition after = f.catchUp();
        assertTrue(after.sequence() > before.sequence(), before + " -> " + after);
        assertFalse(after.caughtUpAt().isBefore(before.caughtUpAt()));
        assertEquals(after, f.readPosition());
        assertEquals("later", f.get(ItemKey.of("p", "c")).orElseThrow().data());
        assertEquals(List.of("a", "b", "c"),
            f.query(Query.of("p")).stream().map(Item::sk).toList());
        assertEquals(2, f.queueStats("jobs").available());
        StoreTools tools = StoreTools.of(f);
        assertEquals(List.of("1", "2"), tools.peek("jobs", 0).stream().map(r -> r.sk()).toList());
        VerifyReport report = tools.verify(10, n -> { });
        assertTrue(report.problems().isEmpty(), report::toString);
        assertEquals(2, tools.formatVersion());

        // the owner goes on undisturbed
        owner.queuePull(QueuePullOptions.of("jobs")).orElseThrow();
        owner.compact();
        f.catchUp();
        assertEquals(1, f.queueStats("jobs").available());
        assertEquals(1, f.queueStats("jobs").inFlight());
        assertEquals(3, f.query(Query.of("p")).size(), "readable across the owner's compaction");
      }
      assertEquals(3, owner.query(Query.of("p")).size());
    }
  }

  @Test
  void everyWriteOnAFollowerIsRefusedAndNothingChanges() throws Exception {
    Path dir = tmp.resolve("store");
    try (AtomicRocksDb owner = AtomicRocksDb.open(dir)) {
      owner.set(Item.of("p", "a", 1));
      owner.queuePush(QueueItemInput.of("jobs", "1", "job"));
      ItemLock lock = owner.getLock(ItemKey.of("p", "a"));
      try (AtomicRocksDb f = follower(dir)) {
        QueueItem fake = new QueueItem("jobs", "1", "job", true, 0, 1, "receipt");
        Map<String, Executable> writes = Map.ofEntries(
            Map.entry("set", () -> f.set(Item.of("p", "x", 1))),
            Map.entry("set list", () -> f.set(List.of())),
            Map.entry("delete", () -> f.delete(ItemKey.of("p", "a"))),
            Map.entry("getLock", () -> f.getLock(ItemKey.of("p", "a"))),
            Map.entry("setAtomic", () -> f.setAtomic(Item.of("p", "a", 2), lock)),
            Map.entry("queuePush", () -> f.queuePush(QueueItemInput.of("jobs", "x"))),
            Map.entry("queuePull", () -> f.queuePull(QueuePullOptions.of("empty"))),
            Map.entry("queuePullBatch", () -> f.queuePullBatch(QueuePullOptions.of("jobs"), 5)),
            Map.entry("queueAcknowledge", () -> f.queueAcknowledge(ItemKey.of("jobs", "1"))),
            Map.entry("queueAcknowledge receipt", () -> f.queueAcknowledge(fake)),
            Map.entry("queueRelease", () -> f.queueRelease(ItemKey.of("jobs", "1"))),
            Map.entry("queueRelease receipt", () -> f.queueRelease(fake)),
            Map.entry("queueExtend", () -> f.queueExtend(fake, 10)),
            Map.entry("queueRedrive", () -> f.queueRedrive("jobs", "other")),
            Map.entry("checkpoint", () -> f.checkpoint(tmp.resolve("copy"))),
            Map.entry("compact", f::compact),
            Map.entry("importItems", () -> StoreTools.of(f).importItems(List.of(
                new io.github.atomicdb.tools.ItemRecord("p", "y", null,
                    io.github.atomicdb.tools.StoredValue.of("v"))))));
        for (Map.Entry<String, Executable> w : writes.entrySet()) {
          UnsupportedOperationException e =
              assertThrows(UnsupportedOperationException.class, w.getValue(), w.getKey());
          assertTrue(e.getMessage().contains("read-only follower")
              && e.getMessage().contains(dir.toAbsolutePath().normalize().toString()),
              w.getKey() + ": " + e.getMessage());
        }
        assertFalse(Files.exists(tmp.resolve("copy")));
        UnsupportedOperationException e =
            assertThrows(UnsupportedOperationException.class, owner::catchUp);
        assertTrue(e.getMessage().contains("read-only followers"), e::getMessage);
      }
      assertEquals(1, owner.get(ItemKey.of("p", "a")).orElseThrow().data());
      assertEquals(1, owner.queueStats("jobs").available());
      assertEquals(1, owner.query(Query.of("p")).size());
      assertEquals(lock, owner.getLock(ItemKey.of("p", "a")), "the lock is unchanged");
    }
  }

  @Test
  void aFollowerWritesNothingIntoTheDirectoryAndCleansUpItsOwn() throws Exception {
    Path dir = tmp.resolve("store");
    try (AtomicRocksDb owner = AtomicRocksDb.open(dir)) {
      owner.set(Item.of("p", "a", 1));
      owner.flush();
      owner.set(Item.of("p", "b", 2)); // in the log
    }
    Map<String, Long> before = listing(dir);
    Set<String> tempsBefore = temps();
    try (AtomicRocksDb f = follower(dir)) {
      assertEquals(2, f.query(Query.of("p")).size());
      f.catchUp();
      assertEquals(tempsBefore.size() + 1, temps().size(), "its own directory is in java.io.tmpdir");
    }
    assertEquals(before, listing(dir), "not a file of the store was added, removed or changed");
    assertEquals(tempsBefore, temps(), "its own directory is deleted at close");

    AtomicRocksDb f = follower(dir);
    try (AtomicRocksDb owner = AtomicRocksDb.open(dir)) {
      owner.set(Item.of("p", "c", 3)); // an owner opens beside a follower: it takes no lock
      f.catchUp();
      assertEquals(3, f.query(Query.of("p")).size());
    }
    f.close();
    assertThrows(IllegalStateException.class, () -> f.get(ItemKey.of("p", "a")));
    f.close(); // idempotent
  }

  @Test
  void aFollowerRefusesWhatIsNoStoreAndAnOlderFormatWithoutChangingIt() throws Exception {
    AtomicDbException e = assertThrows(AtomicDbException.class, () -> follower(tmp.resolve("none")));
    assertTrue(e.getMessage().contains("no such directory"), e::getMessage);
    assertFalse(Files.exists(tmp.resolve("none")), "a follower creates nothing");

    Path empty = Files.createDirectory(tmp.resolve("empty"));
    e = assertThrows(AtomicDbException.class, () -> follower(empty));
    assertTrue(e.getMessage().contains("not an atomic-db store"), e::getMessage);
    assertEquals(0, listing(empty).size());

    Path v1 = FormatV1Stores.copyFixture(tmp.resolve("v1"));
    Map<String, Long> before = listing(v1);
    e = assertThrows(AtomicDbException.class, () -> follower(v1));
    assertTrue(e.getMessage().contains("data format 1") && e.getMessage().contains("never upgrades")
        && e.getMessage().contains("AtomicRocksDb"), e::getMessage);
    assertEquals(before, listing(v1), "the older store is left as it was");
  }

  @Test
  void theReadmeFollowerExampleWorksAsPrinted() throws Exception {
    String snippet = """
        try (AtomicRocksDb view = AtomicRocksDb.builder(Path.of("data")).readOnlyFollower().open()) {
          QueueStats jobs = view.queueStats("jobs");   // as of the open
          view.catchUp();                              // now sees what the owner wrote since
          ReadPosition fresh = view.readPosition();    // when, and up to which write
        }""";
    String readme = Files.readString(Path.of("..", "README.md")); // tests run in src/
    assertTrue(readme.contains(snippet), "README shows the lines this test runs");
    Path data = tmp.resolve("data");
    try (AtomicRocksDb owner = AtomicRocksDb.open(data)) {
      owner.queuePush(QueueItemInput.of("jobs", "1", "a"));
      try (AtomicRocksDb view = AtomicRocksDb.builder(data).readOnlyFollower().open()) {
        QueueStats jobs = view.queueStats("jobs");   // as of the open
        owner.queuePush(QueueItemInput.of("jobs", "2", "b"));
        view.catchUp();                              // now sees what the owner wrote since
        ReadPosition fresh = view.readPosition();    // when, and up to which write
        assertEquals(1, jobs.available());
        assertEquals(2, view.queueStats("jobs").available());
        assertTrue(fresh.sequence() > 0);
      }
    }
  }

  @Test
  void readersCatchUpAndTheOwnerRunConcurrentlyAndAStreamKeepsItsState() throws Exception {
    Path dir = tmp.resolve("store");
    try (AtomicRocksDb owner = AtomicRocksDb.open(dir)) {
      for (int i = 0; i < 50; i++) {
        owner.set(Item.of("p", String.format("%03d", i), i));
      }
      owner.set(Item.of("c", "counter", 0L));
      try (AtomicRocksDb f = follower(dir)) {
        Stream<Item> early = f.stream(Query.of("p"));
        java.util.Iterator<Item> it = early.iterator();
        assertEquals("000", it.next().sk());

        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.List<Thread> threads = new java.util.ArrayList<>();
        threads.add(new Thread(() -> {
          for (long n = 1; !stop.get(); n++) {
            owner.set(Item.of("c", "counter", n));
            if (n % 200 == 0) {
              owner.compact();
            }
          }
        }));
        threads.add(new Thread(() -> {
          while (!stop.get()) {
            f.catchUp();
          }
        }));
        for (int t = 0; t < 3; t++) {
          threads.add(new Thread(() -> {
            long last = -1;
            while (!stop.get()) {
              long now = (Long) f.get(ItemKey.of("c", "counter")).orElseThrow().data();
              if (now < last) {
                throw new AssertionError("went back from " + last + " to " + now);
              }
              last = now;
              if (f.query(Query.of("p")).size() != 50) {
                throw new AssertionError("a query saw a partial state");
              }
            }
          }));
        }
        for (Thread t : threads) {
          t.setUncaughtExceptionHandler((th, e) -> errors.add(e));
          t.start();
        }
        Thread.sleep(3000);
        stop.set(true);
        for (Thread t : threads) {
          t.join(30_000);
        }
        assertTrue(errors.isEmpty(), errors::toString);
        f.catchUp();
        long last = (Long) owner.get(ItemKey.of("c", "counter")).orElseThrow().data();
        assertEquals(last, f.get(ItemKey.of("c", "counter")).orElseThrow().data());
        assertTrue(last > 10, "the owner kept writing: " + last);

        // the stream opened before all those catch-ups reads on, from the state it started in
        int rest = 0;
        while (it.hasNext()) {
          it.next();
          rest++;
        }
        assertEquals(49, rest);
        early.close();
        Stream<Item> open = f.stream(Query.of("p"));
        java.util.Iterator<Item> openIt = open.iterator();
        openIt.next();
        f.close();
        assertThrows(IllegalStateException.class, openIt::next, "close releases open cursors");
      }
    }
  }

  private static Map<String, Long> listing(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.collect(Collectors.toMap(p -> p.getFileName().toString(), p -> p.toFile().length()));
    }
  }

  private static Set<String> temps() throws Exception {
    try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("atomicdb-follower-"))
          .collect(Collectors.toSet());
    }
  }
}
