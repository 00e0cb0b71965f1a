package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.internal.RocksKv;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 in the middle of an upgrade: a child JVM upgrades a large format-1 store and is killed
 * after a few committed batches, twice (the second time while finishing the first upgrade); the
 * store then opens, finishes the upgrade and holds exactly what the format-1 store held.
 */
class FormatUpgradeCrashTest {
  static final int ITEMS = 30_000;
  static final int LOCKS = 10_000;

  @TempDir Path tmp;

  /** Bytes in the store's write-ahead log files. */
  private static long walBytes(Path dir) throws Exception {
    long n = 0;
    try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(dir)) {
      for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".log")).toList()) {
        try {
          n += java.nio.file.Files.size(p);
        } catch (java.nio.file.NoSuchFileException gone) {
          // recycled meanwhile
        }
      }
    }
    return n;
  }

  /**
   * Runs the child until the upgrade has committed about {@code bytes} of converted records to the
   * write-ahead log (a few batches of 1000), then kills it.
   */
  private static List<String> killAfterWalGrew(Path dir, long bytes) throws Exception {
    long before = walBytes(dir);
    try (ChildJvm child = new ChildJvm(UpgradeChild.class, dir.toString())) {
      long deadline = System.currentTimeMillis() + 120_000;
      while (System.currentTimeMillis() < deadline && child.process.isAlive() && !child.lines.contains("open")) {
        if (walBytes(dir) - before >= bytes) {
          break;
        }
        Thread.sleep(1);
      }
      child.kill();
      return List.copyOf(child.lines);
    }
  }

  @Test
  void aStoreKilledWhileUpgradingOpensAndFinishesTheUpgrade() throws Exception {
    Path dir = FormatV1Stores.bigV1Store(tmp.resolve("store"), ITEMS, LOCKS);
    for (int round = 0; round < 2; round++) {
      List<String> lines = killAfterWalGrew(dir, 300_000);
      assertTrue(lines.contains("opening") && !lines.contains("open"), "round " + round + ": killed while opening: " + lines);
      assertTrue(lines.stream().anyMatch(l -> l.contains("upgrading the atomic-db store")), "round " + round + ": " + lines);
      FormatV1Stores.withRaw(dir, raw -> {
        assertEquals(1, raw.metaInt("upgrade-from"), "the store is marked as mid-upgrade");
        assertEquals(RocksKv.FORMAT_VERSION, raw.metaInt("format"));
      });
    }
    try (AtomicDb db = FormatV1Generator.builder(dir).open()) {
      FormatUpgradeTest.assertBigPartitionIntact(db, ITEMS, LOCKS);
      assertEquals(11, db.query(Query.of("fixture")).size());
      assertEquals(new QueueStats(2, 1, 0, 0), db.queueStats("jobs"));
    }
    FormatUpgradeTest.assertFullyUpgraded(dir);
  }
}
