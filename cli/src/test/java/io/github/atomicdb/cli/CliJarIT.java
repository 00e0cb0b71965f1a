package io.github.atomicdb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the packaged {@code cli/target/atomicdb.jar} as a separate process, as a user does. Runs under
 * failsafe ({@code mvn verify}), after {@code package} built the jar.
 */
class CliJarIT {
  @TempDir Path tmp;

  static Path jarPath() {
    Path p = Path.of(System.getProperty("atomicdb.jar", "target/atomicdb.jar"));
    assertTrue(Files.isRegularFile(p), p + " is missing: run `mvn verify`");
    return p;
  }

  /**
   * A running `java -jar atomicdb.jar ...`, its stdout and stderr merged into a file (a pipe
   * would lose the last lines when the process dies: the JDK closes it under a blocked reader).
   */
  static final class Run implements AutoCloseable {
    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();
    private final Path log;

    Run(List<String> command) throws IOException {
      log = Files.createTempFile("atomicdb-it", ".log");
      process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
    }

    /** Reloads {@link #lines}: the complete lines so far, and the last one once it exited. */
    private synchronized void poll() {
      try {
        String all = Files.readString(log, StandardCharsets.UTF_8);
        List<String> now = new ArrayList<>(List.of(all.split("\n", -1)));
        String last = now.remove(now.size() - 1); // "" after a final newline, else partial
        if (!process.isAlive() && !last.isEmpty()) {
          now.add(last);
        }
        lines.clear();
        lines.addAll(now);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    static Run jar(String... args) throws IOException {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-jar");
      cmd.add(jarPath().toString());
      cmd.addAll(List.of(args));
      return new Run(cmd);
    }

    long count(String part) {
      poll();
      return lines.stream().filter(l -> l.contains(part)).count();
    }

    void awaitCount(String part, long n, long timeoutMillis) throws InterruptedException {
      long end = System.currentTimeMillis() + timeoutMillis;
      while (count(part) < n) {
        if (System.currentTimeMillis() > end || !process.isAlive()) {
          throw new AssertionError("waited for " + n + " lines with '" + part + "': " + text());
        }
        Thread.sleep(10);
      }
    }

    int exit(long timeoutSeconds) throws InterruptedException {
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("no exit within " + timeoutSeconds + " s: " + text());
      }
      poll();
      return process.exitValue();
    }

    String text() {
      poll();
      return String.join("\n", lines);
    }

    @Override
    public void close() {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      try {
        Files.deleteIfExists(log);
      } catch (IOException ignored) {
        // a temp file
      }
    }
  }

  @Test
  void errorsAreOneLineWithDocumentedExitCodes() throws Exception {
    try (Run r = Run.jar("info", tmp.resolve("missing").toString())) {
      assertEquals(ExitCode.NO_STORE, r.exit(60), r::text);
      assertEquals(1, r.lines.size(), r::text);
      assertTrue(r.lines.get(0).startsWith("atomicdb: no store at "), r::text);
    }
    try (Run r = Run.jar("frobnicate")) {
      assertEquals(ExitCode.USAGE, r.exit(60), r::text);
      assertFalse(r.text().contains("Exception"), r::text);
    }
    try (Run r = Run.jar("--version")) {
      assertEquals(0, r.exit(60), r::text);
      assertTrue(r.text().startsWith("atomicdb "), r::text);
    }
  }

  @Test
  void cliJarIsSelfContainedAndTheLibraryJarCarriesNoCliDependency() throws Exception {
    try (java.util.jar.JarFile j = new java.util.jar.JarFile(jarPath().toFile())) {
      assertEquals("io.github.atomicdb.cli.Main",
          j.getManifest().getMainAttributes().getValue("Main-Class"));
      assertTrue(j.getEntry("picocli/CommandLine.class") != null);
      assertTrue(j.getEntry("org/rocksdb/RocksDB.class") != null);
    }
    Path lib = Path.of(System.getProperty("atomicdb.libraryJar"));
    try (java.util.jar.JarFile j = new java.util.jar.JarFile(lib.toFile())) {
      assertTrue(j.getEntry("picocli/CommandLine.class") == null, "picocli shaded into the library");
      assertTrue(j.getEntry("org/rocksdb/RocksDB.class") == null, "RocksDB shaded into the library");
      assertTrue(j.getEntry("io/github/atomicdb/AtomicDb.class") != null);
      assertTrue(j.stream().noneMatch(e -> e.getName().startsWith("io/github/atomicdb/cli/")),
          "command line classes in the library jar");
    }
  }

  @Test
  void launcherScriptRunsTheJar() throws Exception {
    Path script = Path.of(System.getProperty("atomicdb.launcher"));
    try (Run r = new Run(List.of("sh", script.toString(), "--help"))) {
      assertEquals(0, r.exit(60), r::text);
      assertTrue(r.text().contains("Usage: atomicdb"), r::text);
    }
  }

  /** The README's promise: kill -9 the demo half-way, run it again, it resumes. */
  @Test
  void demoKilledHalfWayResumesItsUnfinishedJobs() throws Exception {
    String dir = tmp.resolve("data").toString();
    String[] args = {"demo", dir, "--jobs", "60", "--workers", "3", "--work-ms", "80"};
    try (Run first = Run.jar(args)) {
      first.awaitCount(" done (attempt", 5, 60_000);

      // While it runs, another process reads the store live (commands that write are refused:
      // LiveStoreTest).
      try (Run info = Run.jar("info", dir)) {
        assertEquals(ExitCode.OK, info.exit(60), info::text);
        assertTrue(info.text().contains("is held by another process; read-only view as of"),
            info::text);
        assertTrue(info.text().contains(DemoCommand.QUEUE), "the demo's queue, read live: " + info.text());
      }

      first.process.destroyForcibly(); // SIGKILL: no shutdown hook, no close
      first.exit(30);
      assertFalse(first.text().contains("all jobs done"), first::text);
    }
    try (Run second = Run.jar(args)) {
      assertEquals(0, second.exit(120), second::text);
      Matcher m = Pattern.compile("resuming (\\d+) unfinished jobs").matcher(second.text());
      assertTrue(m.find(), second::text);
      int resumed = Integer.parseInt(m.group(1));
      assertTrue(resumed > 0 && resumed < 60, second::text);
      assertFalse(second.text().contains("pushed"), second::text);
      assertTrue(second.text().contains("all jobs done: " + resumed + " processed"), second::text);
    }
    try (Run verify = Run.jar("verify", dir)) {
      assertEquals(0, verify.exit(60), verify::text);
    }
  }

  /** SIGTERM (like Ctrl-C) runs the shutdown hook: the store is closed and the next run resumes. */
  @Test
  void demoStoppedBySignalClosesTheStoreAndResumesNextTime() throws Exception {
    String dir = tmp.resolve("data").toString();
    String[] args = {"demo", dir, "--jobs", "60", "--workers", "3", "--work-ms", "80"};
    try (Run first = Run.jar(args)) {
      first.awaitCount(" done (attempt", 5, 60_000);
      first.process.destroy(); // SIGTERM
      first.exit(30);
      assertTrue(first.text().contains("stopped; store closed cleanly"), first::text);
      assertTrue(first.text().contains("unfinished jobs are saved"), first::text);
    }
    try (Run second = Run.jar(args)) {
      assertEquals(0, second.exit(120), second::text);
      assertTrue(second.text().contains("resuming "), second::text);
    }
  }

  /** Whatever the umask, what atomicdb creates is its owner's only. */
  @Test
  void backupExportAndNewStoresAreOwnerOnlyUnderAnOpenUmask() throws Exception {
    Path store = tmp.resolve("store");
    Path backup = tmp.resolve("backup");
    Path export = tmp.resolve("dump.jsonl");
    Path imported = tmp.resolve("imported");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String jar = jarPath().toString();
    String script = "umask 0022 && " + java + " -jar " + jar + " demo " + store
        + " --jobs 2 --work-ms 1 --increments 1 --threads 1 && " + java + " -jar " + jar
        + " backup " + store + " " + backup + " && " + java + " -jar " + jar + " export " + store
        + " " + export + " && " + java + " -jar " + jar + " import " + imported + " " + export;
    try (Run r = new Run(List.of("sh", "-c", script))) {
      assertEquals(0, r.exit(120), r::text);
    }
    for (Path dir : List.of(store, backup, imported)) {
      assertEquals("rwx------", perms(dir), dir::toString);
    }
    assertEquals("rw-------", perms(export));
    try (java.util.stream.Stream<Path> files = Files.walk(backup)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertEquals("rw-------", perms(f), f::toString);
      }
    }
  }

  private static String perms(Path p) throws IOException {
    return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
