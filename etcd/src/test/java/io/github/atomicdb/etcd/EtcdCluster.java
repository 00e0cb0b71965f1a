package io.github.atomicdb.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real etcd cluster for tests: 1 or 3 members of the {@code etcd} binary (Debian
 * {@code etcd-server}; override with the system property {@code etcd.binary}) on free loopback
 * ports, each with its own data directory under one temp directory.
 *
 * <p>{@link #start} returns once every member answers {@code /health} with true. A member can be
 * killed with SIGKILL ({@link #kill}) and restarted on its data directory ({@link #restart}).
 * {@link #close()} kills every member and deletes the temp directory; a JVM shutdown hook does the
 * same for clusters a test forgot to close. Not thread-safe: one test thread drives it.
 */
public final class EtcdCluster implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private static final Pattern MEMBER_ID = Pattern.compile("\"member_id\":\"(\\d+)\"");
  private static final Pattern LEADER = Pattern.compile("\"leader\":\"(\\d+)\"");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final Path root;
  private final List<Member> members = new ArrayList<>();
  private final Thread hook = new Thread(this::destroy, "etcd-cluster-cleanup");
  private boolean closed;

  private static final class Member {
    final String name;
    final int clientPort;
    final int peerPort;
    final Path dataDir;
    final Path log;
    Process process;

    Member(String name, int clientPort, int peerPort, Path dataDir, Path log) {
      this.name = name;
      this.clientPort = clientPort;
      this.peerPort = peerPort;
      this.dataDir = dataDir;
      this.log = log;
    }

    String clientUrl() {
      return "http://127.0.0.1:" + clientPort;
    }

    String peerUrl() {
      return "http://127.0.0.1:" + peerPort;
    }
  }

  private EtcdCluster(Path root) {
    this.root = root;
  }

  /** The etcd binary the harness runs. */
  public static String binary() {
    return System.getProperty("etcd.binary", "etcd");
  }

  /**
   * Starts a new cluster of {@code size} members (1 or 3) and waits until all are healthy.
   *
   * @throws IllegalStateException with the members' log tails if it does not come up
   */
  public static EtcdCluster start(int size) {
    if (size != 1 && size != 3) {
      throw new IllegalArgumentException("size must be 1 or 3, was " + size);
    }
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 3; attempt++) { // a port picked as free may be taken meanwhile
      EtcdCluster c;
      try {
        c = new EtcdCluster(Files.createTempDirectory("etcd-test-"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Runtime.getRuntime().addShutdownHook(c.hook);
      try {
        c.init(size);
        return c;
      } catch (IllegalStateException e) {
        last = e;
        c.close();
      }
    }
    throw last;
  }

  private void init(int size) {
    List<Integer> ports = freePorts(2 * size);
    StringBuilder initial = new StringBuilder();
    for (int i = 0; i < size; i++) {
      String name = "n" + (i + 1);
      Member m = new Member(name, ports.get(2 * i), ports.get(2 * i + 1),
          root.resolve(name), root.resolve(name + ".log"));
      members.add(m);
      initial.append(i == 0 ? "" : ",").append(name).append('=').append(m.peerUrl());
    }
    for (Member m : members) {
      launch(m, initial.toString());
    }
    for (int i = 0; i < size; i++) {
      awaitHealthy(i);
    }
  }

  private void launch(Member m, String initialCluster) {
    List<String> cmd = List.of(binary(),
        "--name", m.name,
        "--data-dir", m.dataDir.toString(),
        "--listen-client-urls", m.clientUrl(),
        "--advertise-client-urls", m.clientUrl(),
        "--listen-peer-urls", m.peerUrl(),
        "--initial-advertise-peer-urls", m.peerUrl(),
        "--initial-cluster", initialCluster,
        "--initial-cluster-state", "new",
        "--initial-cluster-token", root.getFileName().toString(),
        "--logger", "zap",
        "--log-level", "warn");
    try {
      m.process = new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(m.log.toFile()))
          .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + binary()
          + " (install Debian's etcd-server, or set -Detcd.binary=...): " + e.getMessage(), e);
    }
  }

  private String initialCluster() {
    StringBuilder s = new StringBuilder();
    for (Member m : members) {
      s.append(s.length() == 0 ? "" : ",").append(m.name).append('=').append(m.peerUrl());
    }
    return s.toString();
  }

  private static List<Integer> freePorts(int n) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        s.setReuseAddress(true);
        sockets.add(s);
      }
      return sockets.stream().map(ServerSocket::getLocalPort).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket s : sockets) {
        try {
          s.close();
        } catch (IOException ignored) {
          // nothing to release
        }
      }
    }
  }

  /** Number of members (running or not). */
  public int size() {
    return members.size();
  }

  /** Client URL of every member, e.g. {@code http://127.0.0.1:41234}. */
  public List<String> endpoints() {
    return members.stream().map(Member::clientUrl).toList();
  }

  /** Client URL of member {@code i}. */
  public String endpoint(int i) {
    return members.get(i).clientUrl();
  }

  /** Whether member {@code i}'s process runs. */
  public boolean isRunning(int i) {
    Process p = members.get(i).process;
    return p != null && p.isAlive();
  }

  /** Whether member {@code i} answers {@code /health} with true. */
  public boolean isHealthy(int i) {
    try {
      HttpResponse<String> r = HTTP.send(
          HttpRequest.newBuilder(URI.create(endpoint(i) + "/health")).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().contains("\"health\":\"true\"");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Waits until member {@code i} is healthy. */
  public void awaitHealthy(int i) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!isHealthy(i)) {
      if (!isRunning(i)) {
        throw new IllegalStateException("etcd member " + members.get(i).name + " exited: " + logTail(i));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("etcd member " + members.get(i).name + " not healthy after "
            + START_TIMEOUT + ": " + logTail(i));
      }
      sleep(50);
    }
  }

  /**
   * The index of the current leader, asked of the running members ({@code POST
   * /v3/maintenance/status}: the leader is the member whose member_id equals the leader field);
   * waits up to 15 s for there to be one.
   */
  public int leader() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      List<String> ids = new ArrayList<>();
      String leader = null;
      for (int i = 0; i < members.size(); i++) {
        String status = isRunning(i) ? status(i) : null;
        ids.add(status == null ? null : find(MEMBER_ID, status));
        if (status != null && leader == null) {
          String l = find(LEADER, status);
          leader = "0".equals(l) ? null : l;
        }
      }
      if (leader != null && ids.contains(leader)) {
        return ids.indexOf(leader);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no etcd leader among running members; member ids " + ids);
      }
      sleep(50);
    }
  }

  /** Some member that is running and is not the leader. */
  public int follower() {
    int leader = leader();
    for (int i = 0; i < members.size(); i++) {
      if (i != leader && isRunning(i)) {
        return i;
      }
    }
    throw new IllegalStateException("no running follower");
  }

  private String status(int i) {
    try {
      HttpResponse<String> r = HTTP.send(
          HttpRequest.newBuilder(URI.create(endpoint(i) + "/v3/maintenance/status"))
              .timeout(Duration.ofSeconds(2))
              .POST(HttpRequest.BodyPublishers.ofString("{}"))
              .build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static String find(Pattern p, String s) {
    Matcher m = p.matcher(s);
    return m.find() ? m.group(1) : null;
  }

  /** Kills member {@code i} with SIGKILL and waits for it to be gone. */
  public void kill(int i) {
    Process p = members.get(i).process;
    if (p == null) {
      return;
    }
    p.destroyForcibly(); // SIGKILL on Linux
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("etcd member " + members.get(i).name + " survived SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Freezes member {@code i} with SIGSTOP: it keeps its sockets but answers nothing. */
  public void pause(int i) {
    signal(i, "STOP");
  }

  /** Lets member {@code i} run again after {@link #pause}. */
  public void resume(int i) {
    signal(i, "CONT");
  }

  private void signal(int i, String sig) {
    Process p = members.get(i).process;
    try {
      Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start();
      if (k.waitFor() != 0) {
        throw new IllegalStateException("kill -" + sig + " " + p.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Starts killed member {@code i} again on its own data directory and waits until healthy. */
  public void restart(int i) {
    if (isRunning(i)) {
      throw new IllegalStateException("etcd member " + members.get(i).name + " is running");
    }
    launch(members.get(i), initialCluster());
    awaitHealthy(i);
  }

  /** The last lines of member {@code i}'s log (stdout and stderr of etcd). */
  public String logTail(int i) {
    try {
      List<String> lines = Files.readAllLines(members.get(i).log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** The temp directory holding every member's data directory and log. */
  public Path root() {
    return root;
  }

  /** Kills every member and deletes the temp directory. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    destroy();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs (or ran) anyway
    }
  }

  private void destroy() {
    for (Member m : members) {
      if (m.process != null) {
        m.process.destroyForcibly(); // SIGKILL also ends a member stopped by pause()
      }
    }
    for (Member m : members) {
      if (m.process != null) {
        try {
          m.process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    deleteTree(root);
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort: a temp directory
        }
      });
    } catch (IOException ignored) {
      // best effort
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
