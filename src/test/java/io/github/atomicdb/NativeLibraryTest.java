package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process killed with kill -9 leaves nothing in its temp directory: RocksDB's native library is
 * loaded from one owner-only copy per user and library build, extracted once and reused by every
 * later process, instead of a new temp file per process that only a normal exit deletes.
 */
class NativeLibraryTest {
  @TempDir Path tmp;

  /** Every file under {@code dir} with its size, and the permissions of every directory. */
  private static TreeMap<String, String> listing(Path dir) throws Exception {
    TreeMap<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.toList()) {
        String rel = dir.relativize(p).toString();
        out.put(rel, Files.isDirectory(p)
            ? PosixFilePermissions.toString(Files.getPosixFilePermissions(p))
            : Files.size(p) + " " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
      }
    }
    return out;
  }

  private void runAndKill(Path childTmp, Path store) throws Exception {
    try (ChildJvm child = new ChildJvm(List.of("-Djava.io.tmpdir=" + childTmp), CrashChild.class,
        store.toString(), "false", "p")) {
      assertTrue(child.awaitLine("ready", 60_000), "child started: " + child.lines);
      child.kill();
    }
  }

  @Test
  void aKilledProcessLeavesNoCopyOfTheNativeLibraryBehind() throws Exception {
    Path childTmp = Files.createDirectory(tmp.resolve("child-tmp"));
    runAndKill(childTmp, tmp.resolve("store"));
    TreeMap<String, String> first = listing(childTmp);
    List<String> files = first.entrySet().stream()
        .filter(e -> !e.getValue().startsWith("rwx")).map(e -> e.getKey()).toList();
    assertEquals(1, files.size(), "one copy of the library, nothing else: " + first);
    assertTrue(files.get(0).startsWith("atomicdb-native-" + System.getProperty("user.name").replaceAll("[^A-Za-z0-9._-]", "_") + "/"), first.toString());
    assertTrue(first.get(files.get(0)).endsWith("r-x------"), "owner-only: " + first);
    first.forEach((k, v) -> {
      if (v.startsWith("rwx") && !k.isEmpty()) {
        assertEquals("rwx------", v, "directory " + k + " is owner-only");
      }
    });
    runAndKill(childTmp, tmp.resolve("store")); // a second process reuses it
    runAndKill(childTmp, tmp.resolve("store"));
    assertEquals(first, listing(childTmp), "later processes add nothing");
  }
}
