package io.github.atomicdb.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files the command line writes are readable by their owner only ({@code rw-------}), whatever
 * the umask, on file systems with POSIX permissions. Stateless.
 */
final class OwnerOnlyFiles {
  private OwnerOnlyFiles() {}

  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  /** Creates {@code file} (which must not exist), empty and owner-only. */
  static void create(Path file) throws IOException {
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE));
      Files.setPosixFilePermissions(file, FILE); // the umask may have taken bits away
    } else {
      Files.createFile(file);
    }
  }
}
