package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.tools.DiskUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public operations of AtomicRocksDb: checkpoint, compact, disk usage. */
class RocksOperationsTest {
  @TempDir Path tmp;

  @Test
  void checkpointIsAConsistentOwnerOnlyCopyTakenWhileTheStoreIsInUse() throws Exception {
    Path dir = tmp.resolve("store");
    Path copy = tmp.resolve("copy");
    try (AtomicRocksDb db = AtomicRocksDb.open(dir)) {
      for (int i = 0; i < 100; i++) {
        db.set(Item.of("p", String.format("%03d", i), i));
      }
      db.queuePush(QueueItemInput.of("q", "1", "job"));
      db.flush(); // some of it in data files (hard-linked), the rest in the log (copied)
      db.set(Item.of("p", "late", "in the log"));
      db.checkpoint(copy);
      db.set(Item.of("p", "after", "not in the copy"));
      assertEquals(102, db.query(Query.of("p")).size(), "the store goes on");
    }
    assertEquals("rwx------", perms(copy));
    try (Stream<Path> files = Files.walk(copy)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertEquals("rw-------", perms(f), f::toString);
      }
    }
    try (AtomicDb b = AtomicRocksDb.open(copy)) {
      assertEquals(101, b.query(Query.of("p")).size());
      assertTrue(b.get(ItemKey.of("p", "after")).isEmpty());
      assertEquals(1, b.queueStats("q").available());
    }
    try (Stream<Path> left = Files.list(tmp)) {
      assertEquals(List.of("copy", "store"), left.map(p -> p.getFileName().toString()).sorted().toList(),
          "the hidden work directory is gone");
    }
  }

  @Test
  void checkpointRefusesAnExistingTargetAndAMissingParentAndLeavesNothing() throws Exception {
    try (AtomicRocksDb db = AtomicRocksDb.open(tmp.resolve("store"))) {
      Path existing = Files.createDirectory(tmp.resolve("existing"));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> db.checkpoint(existing));
      assertTrue(e.getMessage().contains("already exists"), e::getMessage);
      e = assertThrows(IllegalArgumentException.class, () -> db.checkpoint(tmp.resolve("no/such/copy")));
      assertTrue(e.getMessage().contains("does not exist"), e::getMessage);
      assertThrows(NullPointerException.class, () -> db.checkpoint(null));
      try (Stream<Path> files = Files.list(existing)) {
        assertEquals(0, files.count());
      }
      db.close();
      assertThrows(IllegalStateException.class, () -> db.checkpoint(tmp.resolve("late")));
      assertThrows(IllegalStateException.class, db::compact);
      assertThrows(IllegalStateException.class, db::diskUsage);
    }
  }

  /** RocksDB's info logs and options files grow on every open: live data must not. */
  @Test
  void liveDataSizeLeavesHousekeepingFilesOutAndIsTheSameFromOneOpenToTheNext() {
    Path dir = tmp.resolve("store");
    try (AtomicRocksDb db = AtomicRocksDb.open(dir)) {
      for (int i = 0; i < 200; i++) {
        db.set(Item.of("p", "k" + i, "value " + i));
      }
    }
    long[] live = new long[3];
    long[] other = new long[3];
    for (int i = 0; i < 3; i++) {
      try (AtomicRocksDb db = AtomicRocksDb.open(dir)) {
        DiskUsage open = db.diskUsage();
        assertEquals(open.tableBytes() + open.logBytes(), open.liveBytes());
      }
      // Measured closed: while open, a background compaction may be half-way through a file.
      DiskUsage u = AtomicRocksDb.diskUsage(dir);
      live[i] = u.liveBytes();
      other[i] = u.otherBytes();
    }
    assertTrue(live[1] > 0, "the items take some space");
    assertEquals(live[1], live[2], "two opens in a row report the same live data");
    assertTrue(other[2] > other[0], "housekeeping files grew with the opens: " + other[0] + " -> " + other[2]);
  }

  @Test
  void compactRemovesDeletedRecordsFromDisk() {
    try (AtomicRocksDb db = AtomicRocksDb.open(tmp.resolve("store"))) {
      java.util.Random random = new java.util.Random(1);
      for (int i = 0; i < 2000; i++) {
        byte[] incompressible = new byte[500];
        random.nextBytes(incompressible);
        db.set(Item.of("p", "k" + i, incompressible));
      }
      db.compact();
      long full = db.diskUsage().tableBytes();
      for (int i = 0; i < 2000; i++) {
        db.delete(ItemKey.of("p", "k" + i));
      }
      db.compact();
      assertTrue(db.diskUsage().tableBytes() < full / 4,
          "deleted records left the data files: " + full + " -> " + db.diskUsage().tableBytes());
      assertFalse(db.get(ItemKey.of("p", "k1")).isPresent());
    }
  }

  private static String perms(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
