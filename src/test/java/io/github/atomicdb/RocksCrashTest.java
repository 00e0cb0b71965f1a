package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 at random moments (mostly while it writes, sometimes while it opens the store and
 * recovers from the previous kill): every operation a child JVM saw return (and printed) is in
 * the store after reopening, and nothing that was not attempted is. Seeded; the seed is printed.
 */
class RocksCrashTest {
  private static final int ROUNDS = 5;

  @TempDir Path root;

  @ParameterizedTest(name = "syncWrites={0}")
  @ValueSource(booleans = {false, true})
  void everyAcknowledgedOperationSurvivesSigkill(boolean syncWrites) throws Exception {
    long seed = System.nanoTime();
    System.out.println("RocksCrashTest seed " + seed + " syncWrites " + syncWrites);
    Random random = new Random(seed);
    Path dir = root.resolve("store");
    long counter = 0; // value the store held after the last round
    long totalAcked = 0;
    for (int round = 0; round < ROUNDS; round++) {
      String prefix = "r" + round;
      long lastInc = counter;
      Set<String> pushed = new HashSet<>();
      List<String> lines;
      try (ChildJvm child = new ChildJvm(CrashChild.class, dir.toString(), Boolean.toString(syncWrites), prefix)) {
        if (round > 0 && random.nextInt(3) == 0) {
          // kill it while it opens the store (recovering the log of the last kill), or just after
          Thread.sleep(random.nextInt(600));
        } else {
          assertTrue(child.awaitLine("ready", 60_000), "child started: " + child.lines);
          Thread.sleep(50 + random.nextInt(400));
        }
        child.kill();
        lines = List.copyOf(child.lines);
      }
      for (String line : lines) {
        if (line.startsWith("inc ")) {
          long n = Long.parseLong(line.substring(4));
          assertEquals(lastInc + 1, n, "increments are consecutive (seed " + seed + ")");
          lastInc = n;
        } else if (line.startsWith("push ")) {
          pushed.add(line.substring(5));
        } else if (!line.equals("ready")) {
          throw new AssertionError("unexpected child output (seed " + seed + "): " + line);
        }
      }
      totalAcked += (lastInc - counter) + pushed.size();

      try (AtomicRocksDb db = AtomicRocksDb.open(dir)) {
        long stored = db.get(CrashChild.COUNTER).map(i -> (Long) i.data()).orElse(0L);
        assertTrue(stored >= lastInc && stored <= lastInc + 1,
            "round " + round + ": counter " + stored + ", last acknowledged " + lastInc + " (seed " + seed + ")");
        Set<String> inQueue = new HashSet<>();
        while (true) {
          List<QueueItem> got = db.queuePullBatch(QueuePullOptions.of(CrashChild.QUEUE), 1000);
          if (got.isEmpty()) {
            break;
          }
          for (QueueItem qi : got) {
            inQueue.add(qi.sk());
            assertTrue(db.queueAcknowledge(qi));
          }
        }
        Set<String> missing = new HashSet<>(pushed);
        missing.removeAll(inQueue);
        assertTrue(missing.isEmpty(), "round " + round + ": acknowledged pushes lost: " + missing + " (seed " + seed + ")");
        inQueue.removeAll(pushed);
        assertTrue(inQueue.size() <= 1 && inQueue.stream().allMatch(sk -> sk.startsWith(prefix + "-")),
            "round " + round + ": at most the one unacknowledged push extra, got " + inQueue);
        counter = stored;
      }
    }
    assertTrue(totalAcked > 0, "the children acknowledged some operations");
    System.out.println("RocksCrashTest acknowledged ops " + totalAcked + ", final counter " + counter);
  }
}
