package io.github.atomicdb.jmh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A temporary directory on the disk under test, deleted with everything in it on {@link
 * #close()}. Lives under {@code -Datomicdb.jmh.dir} (default: {@code java.io.tmpdir}); keep it on
 * a real disk, not tmpfs, or the durability benchmarks measure nothing. One still open when the
 * JVM exits (a benchmark method threw, so JMH skipped the trial's teardown) is deleted then.
 */
final class TempDir implements AutoCloseable {
  private static final Set<TempDir> OPEN = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (TempDir d : OPEN) {
        try {
          d.close();
        } catch (RuntimeException e) {
          System.err.println("could not delete " + d.path + ": " + e);
        }
      }
    }, "TempDir cleanup"));
  }

  final Path path;

  TempDir(String prefix) {
    try {
      Path base = Path.of(System.getProperty("atomicdb.jmh.dir", System.getProperty("java.io.tmpdir")));
      Files.createDirectories(base);
      this.path = Files.createTempDirectory(base, prefix);
      OPEN.add(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path resolve(String child) {
    return path.resolve(child);
  }

  @Override
  public void close() {
    OPEN.remove(this);
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> s = Files.walk(path)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + path, e);
    }
  }
}
