package io.github.atomicdb.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.QueueStats;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two JVMs (child processes) share one queue and one counter on a real etcd: 2 producers, 4
 * consumers, N jobs. Every job is delivered once and acknowledged once, no job is held by two
 * consumers at once (pull-to-ack intervals, by wall clock of one machine, never overlap), and the
 * counter that every consumer increments under its optimistic lock ends at exactly N.
 */
class TwoJvmSharedQueueTest {
  private static final int JOBS = 200;

  /** A child JVM running {@link SharedQueueWorker}, its output collected line by line. */
  private static final class Child {
    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();
    final Thread reader;

    Child(String... args) throws IOException {
      List<String> cmd = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
          "-cp", System.getProperty("java.class.path"), SharedQueueWorker.class.getName()));
      cmd.addAll(List.of(args));
      process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            lines.add(line);
          }
        } catch (IOException e) {
          lines.add("ERR reader " + e);
        }
      });
      reader.setDaemon(true);
      reader.start();
    }
  }

  record Hold(String consumer, long from, long to) {}

  @Test
  void twoProcessesShareOneQueueAndOneCounterExactly() throws Exception {
    try (EtcdCluster cluster = EtcdCluster.start(1)) {
      String endpoints = String.join(",", cluster.endpoints());
      String ns = "twojvm";
      List<Child> children = List.of(
          new Child(endpoints, ns, "0", Integer.toString(JOBS / 2), Integer.toString(JOBS)),
          new Child(endpoints, ns, "1", Integer.toString(JOBS - JOBS / 2), Integer.toString(JOBS)));
      try {
        for (Child c : children) {
          assertTrue(c.process.waitFor(150, TimeUnit.SECONDS), "child finished in time; output tail: "
              + tail(c.lines));
          c.reader.join(5000);
          assertEquals(0, c.process.exitValue(), "child exit; output tail: " + tail(c.lines));
        }
      } finally {
        for (Child c : children) {
          c.process.destroyForcibly();
        }
      }

      Map<String, Integer> delivered = new HashMap<>();
      Map<String, Integer> acked = new HashMap<>();
      Map<String, List<Hold>> holds = new HashMap<>();
      Map<String, Long> pulledAt = new HashMap<>();
      List<String> errors = new ArrayList<>();
      int done = 0;
      for (Child c : children) {
        for (String line : c.lines) {
          String[] f = line.split(" ");
          switch (f[0]) {
            case "PULL" -> {
              delivered.merge(f[1], 1, Integer::sum);
              pulledAt.put(f[1] + " " + f[2], Long.parseLong(f[3]));
            }
            case "ACK" -> {
              if (Boolean.parseBoolean(f[4])) {
                acked.merge(f[1], 1, Integer::sum);
              }
              holds.computeIfAbsent(f[1], k -> new ArrayList<>())
                  .add(new Hold(f[2], pulledAt.get(f[1] + " " + f[2]), Long.parseLong(f[3])));
            }
            case "DONE" -> done++;
            case "ERR" -> errors.add(line);
            default -> { }
          }
        }
      }
      assertEquals(List.of(), errors, "no call failed on a healthy cluster");
      assertEquals(4, done, "four consumers saw the counter reach " + JOBS);
      assertEquals(JOBS, delivered.size(), "every job delivered");
      assertTrue(delivered.values().stream().allMatch(n -> n == 1), "each job delivered once: " + delivered);
      assertEquals(JOBS, acked.size(), "every job acknowledged");
      assertTrue(acked.values().stream().allMatch(n -> n == 1), "each job acknowledged once");
      for (Map.Entry<String, List<Hold>> e : holds.entrySet()) {
        List<Hold> hs = e.getValue();
        for (int i = 0; i < hs.size(); i++) {
          for (int j = i + 1; j < hs.size(); j++) {
            Hold a = hs.get(i);
            Hold b = hs.get(j);
            assertTrue(a.to() < b.from() || b.to() < a.from(), "job " + e.getKey() + " held twice at once: " + hs);
          }
        }
      }
      try (AtomicDb db = AtomicEtcdDb.builder(cluster.endpoints().toArray(String[]::new)).namespace(ns).open()) {
        assertEquals(Long.valueOf(JOBS), db.get(SharedQueueWorker.COUNTER).orElseThrow().data());
        assertEquals(new QueueStats(0, 0, 0, 0), db.queueStats(SharedQueueWorker.QUEUE));
      }
    }
  }

  private static String tail(List<String> lines) {
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
  }
}
