package io.github.atomicdb.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicRocksDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import io.github.atomicdb.internal.QueueLayout;
import io.github.atomicdb.tools.StoreTools;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives the real `atomicdb` command in this JVM, on real RocksDB stores. */
class CliTest {
  /** A user class, unknown to the command line. */
  record Order(String id, int qty) {}

  @TempDir Path tmp;

  static AtomicRocksDb openWithOrders(Path dir) {
    return AtomicRocksDb.builder(dir).register(Order.class, 100).open();
  }

  private Path sampleStore() {
    Path dir = tmp.resolve("store");
    try (AtomicDb db = openWithOrders(dir)) {
      db.set(Item.of("user#1", "profile", Map.of("name", "Ada", "born", 1815)));
      db.set(Item.of("user#1", "order#1", new Order("o-1", 3)));
      db.set(Item.of("user#1", "order#2", new BigDecimal("1.50")));
      db.set(Item.of("user#1", "session", "s").withTtl(Instant.now().getEpochSecond() + 3600));
      db.set(Item.of("user#1", "gone", "x").withTtl(1));
      db.set(Item.of("user#10", "profile", "other partition"));
      db.getLock(ItemKey.of("user#1", "profile"));
      db.queuePush(QueueItemInput.of("jobs", "a", Map.of("job", 1)));
      db.queuePush(QueueItemInput.of("jobs", "b", new Order("o-2", 1)));
      db.queuePush(QueueItemInput.of("jobs", "c", "third"));
      db.queuePush(QueueItemInput.of("jobs-dlq", "z", "dead"));
      db.queuePull(QueuePullOptions.of("jobs")); // "a" in flight
    }
    return dir;
  }

  static String perms(Path p) throws java.io.IOException {
    return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static Object json(String text) throws Exception {
    return Json.MAPPER.readValue(text.strip(), Object.class);
  }

  // ------------------------------------------------------------------ usage and errors

  @Test
  void noCommandOrAnUnknownOneIsAUsageError() {
    Cli.Result r = Cli.run();
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
    assertTrue(r.err().contains("Usage: atomicdb"), r::toString);
    r = Cli.run("frobnicate");
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
    assertTrue(r.err().startsWith("atomicdb: Unmatched argument"), r::toString);
    r = Cli.run("query", "x", "pk", "--limit", "many");
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
    assertEquals(1, r.err().strip().lines().count(), r::toString);
  }

  @Test
  void helpAndVersionSucceed() {
    Cli.Result r = Cli.run("--help");
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("Exit codes:"), r::toString);
    assertEquals(0, Cli.run("--version").code());
    assertEquals(0, Cli.run("queue", "peek", "--help").code());
  }

  @Test
  void missingDirectoryFileOrForeignDirectoryIsNoStore() throws Exception {
    Cli.Result r = Cli.run("info", tmp.resolve("nope").toString());
    assertEquals(ExitCode.NO_STORE, r.code(), r::toString);
    assertEquals(1, r.err().lines().count(), r::toString);
    assertTrue(r.err().contains("does not exist"), r::toString);
    assertFalse(Files.exists(tmp.resolve("nope")), "inspection must not create a store");

    Path empty = Files.createDirectory(tmp.resolve("empty"));
    assertEquals(ExitCode.NO_STORE, Cli.run("get", empty.toString(), "a", "b").code());
    assertEquals(0, Files.list(empty).count(), "inspection must not write into the directory");

    Path file = Files.writeString(tmp.resolve("file"), "x");
    assertEquals(ExitCode.NO_STORE, Cli.run("verify", file.toString()).code());

    Path foreign = Files.createDirectory(tmp.resolve("foreign"));
    Files.writeString(foreign.resolve("notes.txt"), "mine");
    r = Cli.run("demo", foreign.toString());
    assertEquals(ExitCode.NO_STORE, r.code(), r::toString);
    assertFalse(r.err().contains("\tat "), "no stack trace without --verbose: " + r);
  }

  @Test
  void aStoreOpenElsewhereIsReportedAsInUseToWritersAndReadLiveByReaders() {
    Path dir = sampleStore();
    try (AtomicDb held = AtomicRocksDb.open(dir)) {
      Cli.Result r = Cli.run("compact", dir.toString());
      assertEquals(ExitCode.IN_USE, r.code(), r::toString);
      assertTrue(r.err().contains("in use by another process"), r::toString);
      assertEquals(1, r.err().lines().count(), r::toString);
      r = Cli.run("compact", dir.toString(), "--verbose");
      assertEquals(ExitCode.IN_USE, r.code(), r::toString);
      assertTrue(r.err().contains("\tat "), "--verbose adds the stack trace: " + r);

      held.set(Item.of("user#1", "added", "while held"));
      r = Cli.run("get", dir.toString(), "user#1", "added");
      assertEquals(ExitCode.OK, r.code(), r::toString);
      assertTrue(r.out().contains("while held"), r::toString);
      assertTrue(r.err().contains("read-only view as of"), r::toString);
    }
  }

  // ------------------------------------------------------------------ inspection

  @Test
  void infoCountsItemsLocksQueuesAndShowsQueueStats() throws Exception {
    Path dir = sampleStore();
    Cli.Result r = Cli.run("info", dir.toString());
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("format version  2"), r::toString);
    // The expired item is invisible; compaction may already have removed it from disk.
    assertTrue(r.out().matches("(?s).*\nitems +5( \\(\\+ 1 expired.*)?\n.*"), r::toString);
    assertTrue(r.out().matches("(?s).*\njobs +2 +1 +0 .*"), r::toString);

    r = Cli.run("info", dir.toString(), "--json");
    assertEquals(0, r.code(), r::toString);
    Map<?, ?> m = assertInstanceOf(Map.class, json(r.out()));
    assertEquals(5, m.get("items"));
    assertTrue(((Number) m.get("expiredItems")).intValue() <= 1);
    assertEquals(1, m.get("locks"));
    assertEquals(4, m.get("queueEntries"));
    List<?> queues = (List<?>) m.get("queues");
    assertEquals(2, queues.size());
    Map<?, ?> jobs = (Map<?, ?>) queues.get(0);
    assertEquals("jobs", jobs.get("pk"));
    assertEquals(2, jobs.get("available"));
    assertEquals(1, jobs.get("inFlight"));
  }

  @Test
  void getShowsBuiltInsAsJsonAndUserClassesByIdAndSize() throws Exception {
    Path dir = sampleStore();
    Cli.Result r = Cli.run("get", dir.toString(), "user#1", "order#2");
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("data  1.50"), r::toString);

    r = Cli.run("get", dir.toString(), "user#1", "order#1", "--json");
    assertEquals(0, r.code(), r::toString);
    Map<?, ?> m = assertInstanceOf(Map.class, json(r.out()));
    Map<?, ?> data = assertInstanceOf(Map.class, m.get("data"));
    assertEquals(100, data.get("class"));
    assertTrue(((Number) data.get("bytes")).intValue() > 0);

    r = Cli.run("get", dir.toString(), "user#1", "order#2", "--json", "--typed");
    assertEquals("{\"t\":\"BigDecimal\",\"v\":\"1.50\"}", Json.write(((Map<?, ?>) json(r.out())).get("data")));

    r = Cli.run("get", dir.toString(), "user#1", "gone");
    assertEquals(ExitCode.NEGATIVE, r.code(), "expired items are not shown: " + r);
    r = Cli.run("get", dir.toString(), "user#1", "nothing");
    assertEquals(ExitCode.NEGATIVE, r.code(), r::toString);
    assertEquals("", r.out());
    r = Cli.run("get", dir.toString(), "__LOCK__x", "y");
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
  }

  @Test
  void queryHonoursPrefixReverseAndLimitAndStaysInItsPartition() throws Exception {
    Path dir = sampleStore();
    Cli.Result r = Cli.run("query", dir.toString(), "user#1", "--json");
    assertEquals(0, r.code(), r::toString);
    assertEquals(List.of("order#1", "order#2", "profile", "session"), sks(r));
    r = Cli.run("query", dir.toString(), "user#1", "--prefix", "order#", "--reverse", "--json");
    assertEquals(List.of("order#2", "order#1"), sks(r));
    r = Cli.run("query", dir.toString(), "user#1", "--limit", "1", "--json");
    assertEquals(List.of("order#1"), sks(r));
    r = Cli.run("query", dir.toString(), "user#1");
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().startsWith("sk "), r::toString);
    assertTrue(r.out().contains("{\"class\":100,\"bytes\":"), r::toString);
    assertTrue(r.out().strip().endsWith("(4 items)"), r::toString);
  }

  private static List<String> sks(Cli.Result r) throws Exception {
    List<String> out = new ArrayList<>();
    for (Object o : (List<?>) json(r.out())) {
      out.add((String) ((Map<?, ?>) o).get("sk"));
    }
    return out;
  }

  @Test
  void queuePeekShowsEntriesWithoutPullingThem() throws Exception {
    Path dir = sampleStore();
    Cli.Result r = Cli.run("queue", "peek", dir.toString(), "jobs", "--json");
    assertEquals(0, r.code(), r::toString);
    List<?> l = (List<?>) json(r.out());
    assertEquals(3, l.size());
    assertEquals("in flight", ((Map<?, ?>) l.get(0)).get("state"));
    assertEquals("available", ((Map<?, ?>) l.get(1)).get("state"));
    assertEquals(100, ((Map<?, ?>) ((Map<?, ?>) l.get(1)).get("data")).get("class"));
    r = Cli.run("queue", "peek", dir.toString(), "jobs");
    assertTrue(r.out().contains("in flight"), r::toString);
    assertTrue(r.out().strip().endsWith("(3 entries)"), r::toString);

    r = Cli.run("queue", "stats", dir.toString(), "jobs", "--json");
    Map<?, ?> s = (Map<?, ?>) json(r.out());
    assertEquals(2, s.get("available"));
    assertEquals(1, s.get("inFlight"));

    try (AtomicDb db = openWithOrders(dir)) {
      Optional<QueueItem> b = db.queuePull(QueuePullOptions.of("jobs"));
      assertEquals("b", b.orElseThrow().sk());
      assertEquals(1, b.get().attempts(), "peek must not count as a delivery");
    }
  }

  @Test
  void queueRedriveMovesEntries() throws Exception {
    Path dir = sampleStore();
    Cli.Result r = Cli.run("queue", "redrive", dir.toString(), "jobs-dlq", "jobs");
    assertEquals(0, r.code(), r::toString);
    assertEquals("moved 1 entry from 'jobs-dlq' to 'jobs'", r.out().strip());
    r = Cli.run("queue", "stats", dir.toString(), "jobs", "--json");
    assertEquals(3, ((Map<?, ?>) json(r.out())).get("available"));
    r = Cli.run("queue", "redrive", dir.toString(), "jobs", "jobs");
    assertEquals(ExitCode.USAGE, r.code(), r::toString);

    // Asking about a queue that does not exist creates nothing.
    r = Cli.run("queue", "stats", dir.toString(), "typo", "--json");
    assertEquals(0, r.code(), r::toString);
    assertEquals(Boolean.FALSE, ((Map<?, ?>) json(r.out())).get("exists"));
    r = Cli.run("queue", "redrive", dir.toString(), "typo", "jobs");
    assertEquals("moved 0 entries from 'typo' to 'jobs'", r.out().strip());
    r = Cli.run("info", dir.toString(), "--json");
    assertEquals(2, ((List<?>) ((Map<?, ?>) json(r.out())).get("queues")).size(), r::toString);
  }

  // ------------------------------------------------------------------ operations

  @Test
  void exportImportRoundTripsEveryBuiltInTypeTtlsUserClassesAndQueues() throws Exception {
    Path src = tmp.resolve("src");
    List<Object> samples = SampleValues.all();
    long ttl = Instant.now().getEpochSecond() + 7200;
    try (AtomicDb db = openWithOrders(src)) {
      for (int i = 0; i < samples.size(); i++) {
        Item it = Item.of("types", String.format("%03d", i), samples.get(i));
        db.set(i % 3 == 0 ? it.withTtl(ttl) : it);
      }
      db.set(Item.of("user", "order", new Order("o-9", 2)));
      db.set(Item.of("user", "orders", List.of(new Order("o-1", 1), new Order("o-2", 2))));
      db.set(Item.of("user", "expired", 1).withTtl(5));
      db.queuePush(QueueItemInput.of("q", "1", new Order("o-3", 3)));
      db.queuePush(QueueItemInput.of("q", "2", Map.of("n", new BigDecimal("2.00"))));
      db.queuePull(QueuePullOptions.of("q"));
    }
    Path file = tmp.resolve("dump.jsonl");
    Cli.Result r = Cli.run("export", src.toString(), file.toString());
    assertEquals(0, r.code(), r::toString);
    assertEquals("exported " + (samples.size() + 2) + " items and 2 queue entries to " + file
        + " (1 expired item skipped)", r.out().strip());
    assertTrue(Files.readString(file).contains("{\"t\":\"BigDecimal\",\"v\":\"1.50\"}"));
    assertFalse(Files.exists(tmp.resolve("dump.jsonl.part")));
    assertEquals("rw-------", perms(file), "the export file is its owner's only");

    Path dst = tmp.resolve("dst");
    r = Cli.run("import", dst.toString(), file.toString());
    assertEquals(0, r.code(), r::toString);
    assertEquals("imported " + (samples.size() + 2) + " items and 2 queue entries from " + file,
        r.out().strip());

    try (AtomicDb a = openWithOrders(src); AtomicDb b = openWithOrders(dst)) {
      List<Item> x = a.query(io.github.atomicdb.Query.of("types"));
      List<Item> y = b.query(io.github.atomicdb.Query.of("types"));
      assertEquals(samples.size(), y.size());
      for (int i = 0; i < x.size(); i++) {
        Item p = x.get(i);
        Item q = y.get(i);
        assertEquals(p.sk(), q.sk());
        assertEquals(p.ttl(), q.ttl(), p.sk());
        assertTrue(SampleValues.same(p.data(), q.data()),
            () -> p.sk() + ": " + p.data() + " came back as " + q.data());
      }
      assertEquals(new Order("o-9", 2), b.get(ItemKey.of("user", "order")).orElseThrow().data());
      assertEquals(List.of(new Order("o-1", 1), new Order("o-2", 2)),
          b.get(ItemKey.of("user", "orders")).orElseThrow().data());
      assertTrue(b.get(ItemKey.of("user", "expired")).isEmpty());
      // user-class values byte for byte
      assertArrayEquals(StoreTools.of(a).item("user", "order").orElseThrow().value().bytes(),
          StoreTools.of(b).item("user", "order").orElseThrow().value().bytes());
      // queue entries: both available, in order, push time kept
      QueueItem first = b.queuePull(QueuePullOptions.of("q")).orElseThrow();
      assertEquals(new Order("o-3", 3), first.data());
      assertEquals(1, first.attempts());
      assertEquals("2", b.queuePull(QueuePullOptions.of("q")).orElseThrow().sk());
    }

    // Importing again changes nothing: items replaced by equal ones, queue entries left alone.
    r = Cli.run("import", dst.toString(), file.toString(), "--json");
    assertEquals(0, r.code(), r::toString);
    Map<?, ?> m = (Map<?, ?>) json(r.out());
    assertEquals(2, m.get("queueEntriesAlreadyPresent"));
    assertEquals(0, m.get("queueEntries"));
  }

  @Test
  void importChecksTheWholeFileBeforeWritingAnything() throws Exception {
    Path src = sampleStore();
    Path file = tmp.resolve("dump.jsonl");
    assertEquals(0, Cli.run("export", src.toString(), file.toString()).code());
    List<String> lines = Files.readAllLines(file);

    Path truncated = tmp.resolve("truncated.jsonl");
    Files.write(truncated, lines.subList(0, lines.size() - 1));
    Path dst = tmp.resolve("dst");
    Cli.Result r = Cli.run("import", dst.toString(), truncated.toString());
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
    assertTrue(r.err().contains("truncated") && r.err().contains("nothing was imported"), r::toString);

    List<String> broken = new ArrayList<>(lines);
    broken.set(lines.size() - 2, "{\"kind\":\"item\",\"pk\":\"a\",\"sk\":\"b\",\"ttl\":null,\"data\":{\"t\":\"Long\",\"v\":\"x\"}}");
    Path bad = tmp.resolve("bad.jsonl");
    Files.write(bad, broken);
    r = Cli.run("import", dst.toString(), bad.toString());
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
    assertTrue(r.err().contains("line " + (lines.size() - 1)), r::toString);

    Files.writeString(bad, "not json\n");
    assertEquals(ExitCode.USAGE, Cli.run("import", dst.toString(), bad.toString()).code());
    assertEquals(ExitCode.USAGE, Cli.run("import", dst.toString(), tmp.resolve("none").toString()).code());

    assertFalse(Files.exists(dst), "a refused import does not even create the store");

    // Into an existing store: refused, and nothing written.
    Path existing = tmp.resolve("existing");
    try (AtomicDb db = AtomicRocksDb.open(existing)) {
      db.set(Item.of("keep", "me", 1));
    }
    assertEquals(ExitCode.USAGE, Cli.run("import", existing.toString(), truncated.toString()).code());
    r = Cli.run("info", existing.toString(), "--json");
    Map<?, ?> m = (Map<?, ?>) json(r.out());
    assertEquals(1, m.get("items"), "refused imports wrote nothing: " + r);
    assertEquals(0, m.get("queueEntries"));
  }

  @Test
  void backupWritesAnOpenableCopy() throws Exception {
    Path dir = sampleStore();
    Path dest = tmp.resolve("backup");
    Cli.Result r = Cli.run("backup", dir.toString(), dest.toString());
    assertEquals(0, r.code(), r::toString);
    assertEquals("rwx------", perms(dest), "the backup is its owner's only");
    try (java.util.stream.Stream<Path> files = Files.list(dest)) {
      for (Path f : files.toList()) {
        assertEquals("rw-------", perms(f), f::toString);
      }
    }
    try (AtomicDb b = openWithOrders(dest)) {
      assertEquals(new Order("o-1", 3), b.get(ItemKey.of("user#1", "order#1")).orElseThrow().data());
      assertEquals(2, b.queueStats("jobs").available());
    }
    r = Cli.run("backup", dir.toString(), dest.toString());
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
    assertTrue(r.err().contains("already exists"), r::toString);
  }

  /** RocksDB's info logs and options files grow on every open; info reports live data apart. */
  @Test
  void infoAndCompactReportLiveDataApartFromHousekeepingFiles() throws Exception {
    Path dir = sampleStore();
    long[] live = new long[2];
    long[] housekeeping = new long[2];
    for (int i = 0; i < 2; i++) {
      Cli.Result r = Cli.run("info", dir.toString(), "--json");
      assertEquals(0, r.code(), r::toString);
      Map<?, ?> m = (Map<?, ?>) json(r.out());
      live[i] = ((Number) m.get("liveDataBytes")).longValue();
      housekeeping[i] = ((Number) m.get("housekeepingBytes")).longValue();
      long dataFiles;
      try (java.util.stream.Stream<Path> files = Files.list(dir)) {
        dataFiles = files.filter(f -> f.getFileName().toString().matches(".*\\.sst|[0-9]+\\.log"))
            .mapToLong(f -> f.toFile().length()).sum();
      }
      assertEquals(dataFiles, live[i], "live data is the data files and the write-ahead log");
    }
    assertTrue(live[0] > 0);
    // RocksDB rewrites one data file at some opens (a background compaction; tens of bytes), so
    // the two runs may differ by that much, never by the housekeeping files an open adds.
    assertTrue(Math.abs(live[1] - live[0]) < 100, "live data " + live[0] + " then " + live[1]);
    assertTrue(housekeeping[1] > housekeeping[0], "each open adds housekeeping files, not data");
    Cli.Result r = Cli.run("info", dir.toString());
    assertTrue(r.out().matches("(?s).*\nlive data +[0-9.]+ KiB \\([0-9]+ bytes; RocksDB's housekeeping"
        + " files apart: [0-9.]+ KiB\\)\n.*"), r::toString);
    r = Cli.run("compact", dir.toString(), "--json");
    assertEquals(0, r.code(), r::toString);
    Map<?, ?> m = (Map<?, ?>) json(r.out());
    assertTrue(((Number) m.get("liveDataBytesBefore")).longValue() > 0, r::toString);
    assertTrue(((Number) m.get("liveDataBytesAfter")).longValue() > 0, r::toString);
  }

  @Test
  void compactKeepsTheData() throws Exception {
    Path dir = sampleStore();
    Cli.Result r = Cli.run("compact", dir.toString());
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().startsWith("compacted "), r::toString);
    assertTrue(r.out().contains(": live data "), r::toString);
    r = Cli.run("info", dir.toString(), "--json");
    assertEquals(5, ((Map<?, ?>) json(r.out())).get("items"));
  }

  @Test
  void verifyPassesOnAGoodStoreAndListsDamagedRecordsWithTheirKeys() throws Exception {
    Path dir = sampleStore();
    Cli.Result r = Cli.run("verify", dir.toString());
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("no problems"), r::toString);

    try (Tamper t = new Tamper(dir)) {
      byte[] v = t.get("items", "user#1", "profile");
      v[v.length - 6] ^= 0x40; // flip a payload bit: checksum mismatch
      t.put("items", "user#1", "profile", v);
      t.put("locks", "x", "y", "junk".getBytes(StandardCharsets.UTF_8));
      // a queue entry without its index record
      QueueLayout.Entry c = QueueLayout.openEntry(Tamper.key("jobs", "c"), t.get("queue", "jobs", "c"), "c");
      t.put("queue", "jobs", "d", QueueLayout.entry(Tamper.key("jobs", "d"), c)); // sealed for its new key
    }
    r = Cli.run("verify", dir.toString());
    assertEquals(ExitCode.NEGATIVE, r.code(), r::toString);
    assertTrue(r.out().contains("items (pk 'user#1', sk 'profile'): item record checksum mismatch"), r::toString);
    assertTrue(r.out().contains("locks (pk 'x', sk 'y')"), r::toString);
    assertTrue(r.out().contains("queue (pk 'jobs', sk 'd'): queue entry has no index record"), r::toString);
    assertTrue(r.out().contains("counters do not account"), r::toString);
    r = Cli.run("verify", dir.toString(), "--json");
    assertEquals(ExitCode.NEGATIVE, r.code(), r::toString);
    Map<?, ?> m = (Map<?, ?>) json(r.out());
    assertEquals(Boolean.FALSE, m.get("ok"));
    assertEquals(4, m.get("problemCount"), r::toString);

    r = Cli.run("get", dir.toString(), "user#1", "profile");
    assertEquals(ExitCode.IO, r.code(), r::toString);
    assertTrue(r.err().contains("atomicdb verify"), r::toString);
    Path file = tmp.resolve("dump.jsonl");
    r = Cli.run("export", dir.toString(), file.toString());
    assertEquals(ExitCode.IO, r.code(), r::toString);
    assertFalse(Files.exists(file), "no half-written export");
    assertFalse(Files.exists(tmp.resolve("dump.jsonl.part")), "no temporary file left");
  }

  @Test
  void aDamagedQueueEntryIsSetAsideAndTheQuarantineCanBeShownExportedAndDeleted() throws Exception {
    Path dir = sampleStore();
    byte[] damaged;
    try (Tamper t = new Tamper(dir)) {
      damaged = t.get("queue", "jobs", "b");
      damaged[damaged.length - 6] ^= 0x40;
      t.put("queue", "jobs", "b", damaged);
    }
    try (AtomicDb db = openWithOrders(dir)) {
      QueueItem c = db.queuePull(QueuePullOptions.of("jobs")).orElseThrow();
      assertEquals("c", c.sk(), "the pull goes past the damaged entry");
      db.queueAcknowledge(c);
    }
    Cli.Result r = Cli.run("queue", "quarantine", dir.toString());
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("jobs") && r.out().contains("checksum mismatch"), r::toString);
    assertTrue(r.out().contains("(1 quarantined entry;"), r::toString);
    r = Cli.run("queue", "stats", dir.toString(), "jobs", "--json");
    assertEquals(1, ((Map<?, ?>) json(r.out())).get("quarantined"), r::toString);
    r = Cli.run("info", dir.toString(), "--json");
    assertEquals(1, ((Map<?, ?>) json(r.out())).get("quarantinedQueueEntries"), r::toString);
    r = Cli.run("verify", dir.toString());
    assertEquals(ExitCode.NEGATIVE, r.code(), r::toString);
    assertTrue(r.out().contains("quarantine queue entry (pk 'jobs', sk 'b'): damaged queue entry moved aside"), r::toString);
    assertTrue(r.out().contains(": 1 problem"), r::toString);

    Path file = tmp.resolve("quarantine.jsonl");
    r = Cli.run("queue", "quarantine", dir.toString(), "jobs", "--export", file.toString());
    assertEquals(0, r.code(), r::toString);
    List<String> lines = Files.readAllLines(file);
    assertEquals(1, lines.size());
    Map<?, ?> e = (Map<?, ?>) json(lines.get(0));
    assertEquals("b", e.get("sk"));
    assertEquals(java.util.HexFormat.of().formatHex(damaged), e.get("bytes"), "the bytes as found");
    assertEquals("rw-------", perms(file));

    r = Cli.run("queue", "quarantine", dir.toString(), "--delete", "b");
    assertEquals(ExitCode.USAGE, r.code(), "deleting needs the queue: " + r);
    r = Cli.run("queue", "quarantine", dir.toString(), "jobs", "--delete", "b");
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("deleted 1 quarantined entry of queue 'jobs'"), r::toString);
    r = Cli.run("verify", dir.toString());
    assertEquals(0, r.code(), r::toString);
    r = Cli.run("queue", "quarantine", dir.toString(), "--json");
    assertEquals(0, ((Map<?, ?>) json(r.out())).get("quarantined"), r::toString);

    // a damaged entry no operation has met yet: --sweep sets it aside without pulling anything
    try (Tamper t = new Tamper(dir)) {
      byte[] a = t.get("queue", "jobs", "a");
      a[a.length - 6] ^= 0x01;
      t.put("queue", "jobs", "a", a);
    }
    r = Cli.run("queue", "peek", dir.toString(), "jobs");
    assertEquals(ExitCode.IO, r.code(), "peek meets the damaged entry: " + r);
    r = Cli.run("queue", "quarantine", dir.toString(), "jobs", "--sweep", "--json");
    assertEquals(0, r.code(), r::toString);
    Map<?, ?> swept = (Map<?, ?>) json(r.out());
    assertEquals(1, swept.get("setAside"), r::toString);
    assertEquals(1, swept.get("quarantined"), r::toString);
    r = Cli.run("queue", "peek", dir.toString(), "jobs");
    assertEquals(0, r.code(), r::toString);
    r = Cli.run("queue", "quarantine", dir.toString(), "jobs", "--delete-all");
    assertTrue(r.out().contains("deleted 1 quarantined entry"), r::toString);
    assertEquals(0, Cli.run("verify", dir.toString()).code());
  }

  @Test
  void demoRunsToTheEndAndCountsTheCounterAcrossRuns() throws Exception {
    Path dir = tmp.resolve("demo");
    String[] args = {"demo", dir.toString(), "--jobs", "8", "--workers", "2", "--work-ms", "5",
        "--threads", "3", "--increments", "5"};
    Cli.Result r = Cli.run(args);
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("counter 0 -> 15: 15 increments"), r::toString);
    assertTrue(r.out().contains("pushed 8 jobs"), r::toString);
    assertTrue(r.out().contains("all jobs done: 8 processed"), r::toString);
    assertTrue(r.out().contains("Look inside:  ./atomicdb info " + dir + " "),
        "the closing hint names the launcher: " + r);
    r = Cli.run(args);
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("existing RocksDB store"), r::toString);
    assertTrue(r.out().contains("counter 15 -> 30"), r::toString);

    // Unfinished jobs left by an earlier run are resumed, not pushed again.
    try (AtomicDb db = AtomicRocksDb.open(dir)) {
      db.queuePush(List.of(QueueItemInput.of(DemoCommand.QUEUE, Map.of("job", 1, "workMs", 1L)),
          QueueItemInput.of(DemoCommand.QUEUE, Map.of("job", 2, "workMs", 1L))));
    }
    r = Cli.run(args);
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("resuming 2 unfinished jobs"), r::toString);
    assertFalse(r.out().contains("pushed"), r::toString);
    assertEquals(ExitCode.USAGE, Cli.run("demo", dir.toString(), "--workers", "0").code());
  }

  // ------------------------------------------------------------------ what a newcomer hit

  @Test
  void aBadDemoOptionIsNamed() {
    Cli.Result r = Cli.run("demo", tmp.resolve("d").toString(), "--jobs", "-3");
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
    assertEquals("atomicdb: --jobs must be at least 0, was -3", r.err().strip());
    r = Cli.run("demo", tmp.resolve("d").toString(), "--lease", "0");
    assertEquals("atomicdb: --lease must be at least 1, was 0", r.err().strip());
    assertFalse(Files.exists(tmp.resolve("d")), "nothing created");
  }

  @Test
  void exportToAMissingDirectoryNamesTheDirectory() {
    Path dir = sampleStore();
    Path missing = tmp.resolve("nope");
    Cli.Result r = Cli.run("export", dir.toString(), missing.resolve("dump.jsonl").toString());
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
    assertTrue(r.err().contains("the directory " + missing + " of "), r::toString);
    assertFalse(r.err().contains(".part"), "the temporary file is not the user's business: " + r);
  }

  @Test
  void importGivenADirectorySaysSoAndSpotsSwappedArguments() throws Exception {
    Path dir = sampleStore();
    Path file = tmp.resolve("dump.jsonl");
    assertEquals(0, Cli.run("export", dir.toString(), file.toString()).code());
    Cli.Result r = Cli.run("import", file.toString(), dir.toString());
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
    assertTrue(r.err().contains(dir + " is a directory, not an export file"), r::toString);
    assertTrue(r.err().contains("did you swap them?"), r::toString);
    assertFalse(r.err().contains("no export file"), r::toString);
  }

  @Test
  void getJsonOfAMissingItemPrintsAJsonAnswer() throws Exception {
    Path dir = sampleStore();
    Cli.Result r = Cli.run("get", dir.toString(), "user#1", "nothing", "--json");
    assertEquals(ExitCode.NEGATIVE, r.code(), r::toString);
    assertEquals(Map.of("pk", "user#1", "sk", "nothing", "found", false), json(r.out()));
    r = Cli.run("get", dir.toString(), "user#1", "order#2", "--json");
    assertEquals(Boolean.TRUE, ((Map<?, ?>) json(r.out())).get("found"), r::toString);
  }

  @Test
  void countsAgreeWithTheirNouns() {
    Path dir = tmp.resolve("one");
    try (AtomicDb db = AtomicRocksDb.open(dir)) {
      db.set(Item.of("a", "b", 1));
      db.queuePush(QueueItemInput.of("q", "1", "x"));
    }
    Path file = tmp.resolve("one.jsonl");
    Cli.Result r = Cli.run("export", dir.toString(), file.toString());
    assertEquals("exported 1 item and 1 queue entry to " + file, r.out().strip());
    r = Cli.run("import", tmp.resolve("two").toString(), file.toString());
    assertEquals("imported 1 item and 1 queue entry from " + file, r.out().strip());
  }

  @Test
  void theMissingStoreHintDoesNotSuggestFillingItWithDemoData() {
    Cli.Result r = Cli.run("info", tmp.resolve("nope").toString());
    assertEquals(ExitCode.NO_STORE, r.code(), r::toString);
    assertFalse(r.err().contains("demo"), r::toString);
  }
}
