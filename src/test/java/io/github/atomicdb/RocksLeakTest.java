package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening and closing releases every file descriptor; streams abandoned half-read are released by
 * the store's close. Counts the entries of /proc/self/fd (Linux only).
 */
class RocksLeakTest {
  private static final Path FDS = Path.of("/proc/self/fd");
  /** Descriptors other threads of this JVM may open meanwhile (class loading, logging). */
  private static final int SLACK = 8;

  @TempDir Path tempDir;
  private Path root;

  /**
   * On tmpfs when there is one: this test counts descriptors, and RocksDB's fsyncs at every open
   * would only make it slower.
   */
  @org.junit.jupiter.api.BeforeEach
  void pickRoot() throws IOException {
    Path shm = Path.of("/dev/shm");
    root = Files.isDirectory(shm) && Files.isWritable(shm)
        ? Files.createTempDirectory(shm, "atomicdb-leak-")
        : tempDir;
  }

  @org.junit.jupiter.api.AfterEach
  void cleanRoot() throws IOException {
    if (!root.equals(tempDir)) {
      try (Stream<Path> s = Files.walk(root)) {
        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static long openFds() throws IOException {
    try (Stream<Path> s = Files.list(FDS)) {
      return s.count();
    }
  }

  @Test
  void openCloseTwoHundredTimesLeaksNoDescriptors() throws IOException {
    assumeTrue(Files.isDirectory(FDS), "needs /proc/self/fd");
    Path dir = root.resolve("store");
    // warm up: native library, classes, first creation
    try (AtomicRocksDb db = AtomicRocksDb.open(dir)) {
      db.set(Item.of("p", "s", 0L));
    }
    long before = openFds();
    for (int i = 1; i <= 200; i++) {
      try (AtomicRocksDb db = AtomicRocksDb.open(dir)) {
        db.set(Item.of("p", "s", (long) i));
        db.queuePush(QueueItemInput.of("q", "k" + i, i));
        db.getLock(ItemKey.of("p", "s"));
        assertEquals((long) i, db.get(ItemKey.of("p", "s")).orElseThrow().data());
      }
    }
    long after = openFds();
    assertTrue(after <= before + SLACK, "descriptors before " + before + ", after 200 cycles " + after);
    try (AtomicRocksDb db = AtomicRocksDb.open(dir)) {
      assertEquals(200, db.queueStats("q").available());
    }
  }

  @Test
  void abandonedStreamsAreReleasedByClose() throws IOException {
    assumeTrue(Files.isDirectory(FDS), "needs /proc/self/fd");
    Path dir = root.resolve("streams");
    try (AtomicRocksDb db = AtomicRocksDb.open(dir)) {
      for (int i = 0; i < 500; i++) {
        db.set(Item.of("p", String.format("%04d", i), "value " + i));
      }
      db.flush(); // so that iterators hold SST files open
    }
    long before = openFds();
    for (int round = 0; round < 50; round++) {
      AtomicRocksDb db = AtomicRocksDb.open(dir);
      List<Iterator<Item>> halfRead = new ArrayList<>();
      for (int s = 0; s < 20; s++) {
        Iterator<Item> it = db.stream(Query.of("p")).iterator(); // never closed
        for (int n = 0; n < 10; n++) {
          it.next();
        }
        halfRead.add(it);
      }
      assertEquals(20, db.openCursors());
      db.close();
      assertEquals(0, db.openCursors());
      for (Iterator<Item> it : halfRead) {
        assertThrows(IllegalStateException.class, it::next);
      }
    }
    long after = openFds();
    assertTrue(after <= before + SLACK, "descriptors before " + before + ", after " + after);
  }
}
