package io.github.atomicdb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.AtomicRocksDb;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.QueueStats;
import io.github.atomicdb.tools.StoreTools;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read commands on a store that another process holds and keeps writing (a child JVM): they
 * work, show what the child wrote before they ran, and say how fresh that is; the commands that
 * write refuse with a message that says why and what to do; the child's data is intact.
 */
class LiveStoreTest {
  @TempDir Path tmp;

  /** The child JVM, its output collected line by line. */
  private static final class Child implements AutoCloseable {
    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();

    Child(Path dir, Path stop) throws IOException {
      List<String> cmd = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
          "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
          LiveStoreChild.class.getName(), dir.toString(), stop.toString()));
      process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            lines.add(line);
          }
        } catch (IOException e) {
          lines.add("!reader failed: " + e);
        }
      });
      reader.setDaemon(true);
      reader.start();
    }

    /** The last step the child reported done, or -1. */
    long lastWritten() {
      long last = -1;
      for (String l : lines) {
        if (l.startsWith("wrote ")) {
          last = Long.parseLong(l.substring(6));
        }
      }
      return last;
    }

    void awaitWritten(long step) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (lastWritten() < step) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new AssertionError("child did not reach step " + step + ": " + lines);
        }
        Thread.sleep(10);
      }
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> json(Cli.Result r) throws Exception {
    assertEquals(ExitCode.OK, r.code(), r::toString);
    return Json.MAPPER.readValue(r.out().strip(), Map.class);
  }

  private static void assertSaysLive(Cli.Result r, Path dir) {
    assertTrue(r.err().contains("live store " + dir + " is held by another process")
        && r.err().contains("caught up to sequence"), r::toString);
  }

  @Test
  void readCommandsReadAStoreAnotherProcessKeepsWritingAndWriteCommandsRefuse() throws Exception {
    Path dir = tmp.resolve("store");
    Path stop = tmp.resolve("stop");
    long steps;
    try (Child child = new Child(dir, stop)) {
      child.awaitWritten(150); // past a compaction of the child's: files and log both hold data

      long before = child.lastWritten();
      Map<String, Object> got = json(Cli.run("get", dir.toString(), "live", "counter", "--json"));
      long counter = ((Number) got.get("data")).longValue();
      assertTrue(counter >= before, "get shows what was written before it ran: " + counter + " < " + before);

      before = child.lastWritten();
      Cli.Result r = Cli.run("info", dir.toString(), "--json");
      assertSaysLive(r, dir);
      Map<String, Object> info = json(r);
      Map<String, Object> live = (Map<String, Object>) info.get("live");
      assertTrue(((Number) live.get("sequence")).longValue() > 0, info::toString);
      assertTrue(((Number) info.get("items")).longValue() >= before + 2, info::toString);
      List<Map<String, Object>> queues = (List<Map<String, Object>>) info.get("queues");
      assertEquals(LiveStoreChild.QUEUE, queues.get(0).get("pk"), info::toString);

      before = child.lastWritten();
      r = Cli.run("queue", "stats", dir.toString(), LiveStoreChild.QUEUE, "--json");
      assertSaysLive(r, dir);
      Map<String, Object> stats = json(r);
      long queued = ((Number) stats.get("available")).longValue() + ((Number) stats.get("inFlight")).longValue();
      assertTrue(queued >= LiveStoreChild.queued(before + 1), stats + " after step " + before);

      before = child.lastWritten();
      r = Cli.run("query", dir.toString(), "live", "--prefix", "item-", "--reverse", "--limit", "1", "--json");
      assertSaysLive(r, dir);
      List<Map<String, Object>> newest = Json.MAPPER.readValue(r.out().strip(), List.class);
      String newestSk = (String) newest.get(0).get("sk");
      assertTrue(newestSk.compareTo("item-" + LiveStoreChild.sk(before)) >= 0, newestSk + " < step " + before);

      r = Cli.run("queue", "peek", dir.toString(), LiveStoreChild.QUEUE, "--limit", "3", "--json");
      assertEquals(ExitCode.OK, r.code(), r::toString);
      assertEquals(3, Json.MAPPER.readValue(r.out().strip(), List.class).size(), r::toString);

      Path export = tmp.resolve("export.jsonl");
      before = child.lastWritten();
      r = Cli.run("export", dir.toString(), export.toString());
      assertEquals(ExitCode.OK, r.code(), r::toString);
      assertSaysLive(r, dir);
      assertTrue(Files.readString(export).contains("item-" + LiveStoreChild.sk(before)),
          "the export holds step " + before);

      r = Cli.run("verify", dir.toString());
      assertEquals(ExitCode.OK, r.code(), "a follower reads one consistent state: " + r);

      // Commands that write refuse, name the directory and say what to do instead.
      Path backup = tmp.resolve("backup");
      List<String[]> writes = List.of(
          new String[] {"compact", dir.toString()},
          new String[] {"backup", dir.toString(), backup.toString()},
          new String[] {"import", dir.toString(), export.toString()},
          new String[] {"queue", "redrive", dir.toString(), LiveStoreChild.QUEUE, "elsewhere"});
      for (String[] w : writes) {
        r = Cli.run(w);
        assertEquals(ExitCode.IN_USE, r.code(), String.join(" ", w) + ": " + r);
        assertTrue(r.err().contains("the store at " + dir + " is in use by another process")
            && r.err().contains("needs the store to itself")
            && r.err().contains("checkpoint()"), r::toString);
        assertEquals(1, r.err().lines().count(), r::toString);
      }
      assertFalse(Files.exists(backup));

      long reached = child.lastWritten();
      child.awaitWritten(reached + 20); // the child went on writing through all of it
      Files.createFile(stop);
      assertTrue(child.process.waitFor(60, TimeUnit.SECONDS), child.lines::toString);
      assertEquals(0, child.process.exitValue(), child.lines::toString);
      assertTrue(child.lines.contains("closed"), child.lines::toString);
      steps = child.lines.stream().filter(l -> l.startsWith("stopped "))
          .mapToLong(l -> Long.parseLong(l.substring(8))).findFirst().orElseThrow();
    }

    try (AtomicRocksDb db = AtomicRocksDb.open(dir)) {
      assertEquals(steps - 1, db.get(ItemKey.of("live", "counter")).orElseThrow().data());
      assertEquals(steps + 1, StoreTools.of(db).query(io.github.atomicdb.Query.of("live")).size());
      QueueStats s = db.queueStats(LiveStoreChild.QUEUE);
      assertEquals(new QueueStats(LiveStoreChild.queued(steps), 0, 0, s.oldestAvailableAgeSeconds()), s);
      assertTrue(StoreTools.of(db).verify(10, n -> { }).problems().isEmpty());
    }
  }

  @Test
  void aStoreNobodyHoldsIsReadAsBeforeWithoutAFreshnessLine() throws Exception {
    Path dir = tmp.resolve("store");
    try (AtomicRocksDb db = AtomicRocksDb.open(dir)) {
      db.set(io.github.atomicdb.Item.of("p", "s", "v"));
    }
    Cli.Result r = Cli.run("info", dir.toString(), "--json");
    assertEquals(ExitCode.OK, r.code(), r::toString);
    assertEquals("", r.err(), r::toString);
    assertFalse(json(r).containsKey("live"), r::toString);
  }
}
