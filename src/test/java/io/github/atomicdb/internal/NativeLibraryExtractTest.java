package io.github.atomicdb.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reused native library copy: created owner-only, reused, and never taken from a directory others can write. */
class NativeLibraryExtractTest {
  @TempDir Path base;

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  @Test
  void extractsOnceOwnerOnlyAndReuses() throws Exception {
    Path dir = NativeLibrary.extract(base);
    List<Path> once = files(base);
    assertEquals(1, once.size(), once.toString());
    assertEquals("r-x------", PosixFilePermissions.toString(Files.getPosixFilePermissions(once.get(0))));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.getParent())));
    FileTime written = Files.getLastModifiedTime(once.get(0));
    assertEquals(dir, NativeLibrary.extract(base));
    assertEquals(once, files(base));
    assertEquals(written, Files.getLastModifiedTime(once.get(0)), "reused, not rewritten");
  }

  @Test
  void staleTempFilesOfAnInterruptedExtractionAreDeleted() throws Exception {
    Path dir = NativeLibrary.extract(base);
    Path stale = Files.createFile(dir.resolve("lib.so123.tmp"));
    Files.setLastModifiedTime(stale, FileTime.fromMillis(System.currentTimeMillis() - 2 * 3600_000L));
    Path fresh = Files.createFile(dir.resolve("lib.so456.tmp")); // maybe another process extracting now
    NativeLibrary.extract(base);
    assertFalse(Files.exists(stale));
    assertTrue(Files.exists(fresh));
  }

  @Test
  void aDirectoryOthersCanWriteIsRefused() throws Exception {
    Path user = NativeLibrary.userDir(base);
    Files.createDirectory(user);
    Files.setPosixFilePermissions(user, PosixFilePermissions.fromString("rwxrwxrwx"));
    IOException e = assertThrows(IOException.class, () -> NativeLibrary.extract(base));
    assertTrue(e.getMessage().contains("only its owner"), e.getMessage());
    assertEquals(List.of(), files(base), "nothing written into it");
  }
}
