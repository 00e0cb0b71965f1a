package io.github.atomicdb.jmh;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A local etcd cluster for the benchmarks: 1 or 3 members of the real etcd binary ({@code
 * ETCD_BIN}, else /usr/bin/etcd) on free loopback ports, with data in a temp directory removed on
 * close. Members fsync as etcd always does.
 */
final class EtcdLocal implements AutoCloseable {
  private final Path root;
  private final List<Process> members = new ArrayList<>();
  private final List<String> endpoints = new ArrayList<>();

  EtcdLocal(int size) {
    try {
      root = Files.createTempDirectory("jmh-etcd");
      int[] client = new int[size];
      int[] peer = new int[size];
      StringBuilder initial = new StringBuilder();
      for (int i = 0; i < size; i++) {
        client[i] = freePort();
        peer[i] = freePort();
        initial.append(i == 0 ? "" : ",").append("m").append(i).append("=http://127.0.0.1:").append(peer[i]);
        endpoints.add("http://127.0.0.1:" + client[i]);
      }
      String bin = System.getenv().getOrDefault("ETCD_BIN", "/usr/bin/etcd");
      for (int i = 0; i < size; i++) {
        ProcessBuilder pb = new ProcessBuilder(bin,
            "--name", "m" + i,
            "--data-dir", root.resolve("m" + i).toString(),
            "--listen-client-urls", endpoints.get(i),
            "--advertise-client-urls", endpoints.get(i),
            "--listen-peer-urls", "http://127.0.0.1:" + peer[i],
            "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer[i],
            "--initial-cluster", initial.toString(),
            "--initial-cluster-state", "new",
            "--initial-cluster-token", "jmh-" + root.getFileName());
        pb.redirectErrorStream(true);
        pb.redirectOutput(root.resolve("m" + i + ".log").toFile());
        members.add(pb.start());
      }
      awaitHealthy();
    } catch (IOException e) {
      close();
      throw new IllegalStateException("cannot start etcd: " + e, e);
    }
  }

  List<String> endpoints() {
    return endpoints;
  }

  private void awaitHealthy() {
    long until = System.nanoTime() + 60_000_000_000L;
    for (String e : endpoints) {
      while (!healthy(e)) {
        if (System.nanoTime() > until) {
          throw new IllegalStateException("etcd at " + e + " not healthy within 60 s; logs in " + root);
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException x) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(x);
        }
      }
    }
  }

  private static boolean healthy(String endpoint) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(endpoint + "/health").toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(1000);
      try {
        return c.getResponseCode() == 200 && new String(c.getInputStream().readAllBytes()).contains("true");
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    for (Process p : members) {
      p.destroyForcibly();
    }
    for (Process p : members) {
      try {
        p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (root != null) {
      try (Stream<Path> s = Files.walk(root)) {
        s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException e) {
        // a temp directory left behind
      }
    }
  }
}
