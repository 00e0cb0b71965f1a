package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A user of AtomicMemoryDb alone may exclude rocksdbjni and Caffeine: a child JVM whose class
 * path has neither runs items, locks and the queue on AtomicMemoryDb.
 */
class MemoryOnlyClasspathTest {

  /** Runs in the child JVM. */
  public static void main(String[] args) throws Exception {
    boolean rocksThere = canLoad("org.rocksdb.RocksDB");
    boolean caffeineThere = canLoad("com.github.benmanes.caffeine.cache.Caffeine");
    try (AtomicDb db = new AtomicMemoryDb()) {
      db.set(Item.of("user#1", "profile", "Ada"));
      ItemLock lock = db.getLock(ItemKey.of("user#1", "profile"));
      db.setAtomic(Item.of("user#1", "profile", "Grace"), lock);
      db.queuePush(QueueItemInput.of("jobs", "a", 1));
      QueueItem job = db.queuePull(QueuePullOptions.of("jobs")).orElseThrow();
      db.queueAcknowledge(job.key());
      System.out.println("rocks=" + rocksThere + " caffeine=" + caffeineThere + " item="
          + db.get(ItemKey.of("user#1", "profile")).orElseThrow().data() + " job=" + job.data());
    }
  }

  private static boolean canLoad(String name) {
    try {
      Class.forName(name, false, MemoryOnlyClasspathTest.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  @Test
  void memoryStoreRunsWithoutRocksDbAndCaffeineOnTheClassPath() throws Exception {
    String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> !e.contains("rocksdbjni") && !e.contains("caffeine"))
        .collect(Collectors.joining(File.pathSeparator));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(List.of(java.toString(), "-cp", cp, MemoryOnlyClasspathTest.class.getName()))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("rocks=false caffeine=false item=Grace job=1"), out);
  }
}
