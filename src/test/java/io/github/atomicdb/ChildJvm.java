package io.github.atomicdb;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running a test-scope main class on this JVM's classpath, its output (stdout and
 * stderr merged) collected line by line as it arrives.
 */
final class ChildJvm implements AutoCloseable {
  final Process process;
  final List<String> lines = new CopyOnWriteArrayList<>();
  private final Thread reader;

  ChildJvm(Class<?> main, String... args) throws IOException {
    this(List.of(), main, args);
  }

  /** A child with extra JVM options (e.g. {@code -Djava.io.tmpdir=...}). */
  ChildJvm(List<String> jvmOptions, Class<?> main, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-Xmx128m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(List.of(args));
    process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (IOException e) {
        lines.add("!reader failed: " + e);
      }
    }, "child-output-" + main.getSimpleName());
    reader.setDaemon(true);
    reader.start();
  }

  /** Waits until a line equal to {@code line} arrives; false if the child exits or time runs out. */
  boolean awaitLine(String line, long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (System.currentTimeMillis() < deadline) {
      if (lines.contains(line)) {
        return true;
      }
      if (!process.isAlive() && !reader.isAlive()) {
        return lines.contains(line);
      }
      Thread.sleep(5);
    }
    return false;
  }

  /** Waits for a normal exit and the end of its output; returns the exit code. */
  int await(long timeoutSeconds) throws InterruptedException {
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("child did not exit within " + timeoutSeconds + " s: " + lines);
    }
    reader.join(TimeUnit.SECONDS.toMillis(timeoutSeconds));
    return process.exitValue();
  }

  /**
   * SIGKILL, then waits for it to die and for the rest of its output. Sent through the {@link
   * ProcessHandle}: {@code Process.destroyForcibly()} sends the same signal but also closes our end
   * of the output pipe at once, dropping lines the child wrote before it died.
   */
  void kill() throws InterruptedException {
    process.toHandle().destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
    reader.join(30_000);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
