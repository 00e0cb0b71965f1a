package io.github.atomicdb.jmh;

import io.github.atomicdb.AtomicRocksDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Memory check: stores {@code n} (default 1,000,000) items of about 100 bytes in an AtomicRocksDb,
 * reads 100,000 of them back at random, forces GC, and reports the Java heap used after GC (must
 * stay under 64 MiB: the data lives in RocksDB, not on the heap) and the process RSS (VmRSS,
 * VmHWM from /proc/self/status) against the configured block cache and memtable sizes. Exits 1 if
 * the heap limit is broken.
 *
 * <pre>
 * jmh/memcheck.sh   # = java -Xms64m -Xmx64m -XX:+AlwaysPreTouch -cp jmh/target/benchmarks.jar io.github.atomicdb.jmh.MemCheck
 * </pre>
 */
public final class MemCheck {
  static final long HEAP_LIMIT = 64L << 20;
  static final long BLOCK_CACHE = 32L << 20;
  static final long WRITE_BUFFER = 16L << 20;

  private MemCheck() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    org.rocksdb.RocksDB.loadLibrary(); // so that the baseline includes the mapped native library
    long rssBefore = status("VmRSS");
    long heapAtStart = mem.getHeapMemoryUsage().getCommitted();
    long heap;
    long heapCommitted;
    long nonHeap;
    long rss;
    long hwm;
    long disk;
    long t0 = System.nanoTime();
    try (TempDir dir = new TempDir("memcheck-");
        AtomicRocksDb db = AtomicRocksDb.builder(dir.resolve("db"))
            .blockCacheBytes(BLOCK_CACHE)
            .writeBufferBytes(WRITE_BUFFER)
            .open()) {
      List<Item> batch = new ArrayList<>(1000);
      for (int i = 0; i < n; i++) {
        batch.add(Item.of("user#" + (i % 1000), Keys.sk(i), Keys.payload(i)));
        if (batch.size() == 1000) {
          db.set(batch);
          batch = new ArrayList<>(1000);
        }
      }
      if (!batch.isEmpty()) {
        db.set(batch);
      }
      long loaded = System.nanoTime();
      SplittableRandom r = new SplittableRandom(1);
      int found = 0;
      for (int j = 0; j < 100_000; j++) {
        int i = r.nextInt(n);
        if (db.get(ItemKey.of("user#" + (i % 1000), Keys.sk(i))).isPresent()) {
          found++;
        }
      }
      if (found != 100_000) {
        throw new IllegalStateException("only " + found + " of 100000 reads found their item");
      }
      for (int i = 0; i < 3; i++) {
        System.gc();
        Thread.sleep(200);
      }
      heap = mem.getHeapMemoryUsage().getUsed();
      heapCommitted = mem.getHeapMemoryUsage().getCommitted();
      nonHeap = mem.getNonHeapMemoryUsage().getCommitted();
      rss = status("VmRSS");
      hwm = status("VmHWM");
      disk = size(dir.path);
      System.out.printf("items stored            %,d of ~100 bytes in %.1f s (%,.0f items/s), 100,000 random gets ok%n",
          n, (loaded - t0) / 1e9, n / ((loaded - t0) / 1e9));
      System.out.printf("store on disk           %,.1f MiB%n", disk / 1048576.0);
    }
    System.out.printf("heap used after GC      %,.1f MiB (limit %d MiB): %s%n", heap / 1048576.0,
        HEAP_LIMIT >> 20, heap < HEAP_LIMIT ? "OK" : "OVER");
    System.out.printf("RSS before open         %,.1f MiB (JVM and the loaded RocksDB library)%n",
        rssBefore / 1048576.0);
    System.out.printf("RSS with store open     %,.1f MiB (peak %,.1f MiB)%n", rss / 1048576.0,
        hwm / 1048576.0);
    System.out.printf("  of which Java heap    %,.1f MiB committed, non-heap %,.1f MiB committed%n",
        heapCommitted / 1048576.0, nonHeap / 1048576.0);
    System.out.printf("  store, native         ~%,.1f MiB (RSS - RSS before open; with -XX:+AlwaysPreTouch"
            + " the heap is in both): block cache, memtables, table readers, malloc overhead%n",
        Math.max(0, rss - rssBefore - (heapCommitted - heapAtStart)) / 1048576.0);
    System.out.printf("configured              block cache %d MiB + memtables %d MiB per column family"
            + " (x2 while one flushes; items is the only one filled here)%n",
        BLOCK_CACHE >> 20, WRITE_BUFFER >> 20);
    if (heap >= HEAP_LIMIT) {
      System.exit(1);
    }
  }

  /** A size line of /proc/self/status, in bytes (0 if not on Linux). */
  static long status(String field) throws IOException {
    Path p = Path.of("/proc/self/status");
    if (!Files.exists(p)) {
      return 0;
    }
    for (String line : Files.readAllLines(p)) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return 0;
  }

  static long size(Path dir) throws IOException {
    try (var s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }
}
