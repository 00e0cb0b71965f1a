package io.github.atomicdb.internal;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Owner-only permissions for the directories and files atomic-db creates: {@code rwx------} and
 * {@code rw-------}, set explicitly after creation so that no umask widens or narrows them. On a
 * file system without POSIX permissions nothing is changed. Stateless and thread-safe.
 */
public final class OwnerOnly {
  private OwnerOnly() {}

  /** {@code rwx------}. */
  public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
  /** {@code rw-------}. */
  public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private static boolean posix(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  private static FileAttribute<?>[] attrs(Path p, Set<PosixFilePermission> perms) {
    return posix(p)
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(perms)}
        : new FileAttribute<?>[0];
  }

  /** Sets owner-only permissions on an existing directory or file. */
  public static void restrict(Path p) throws IOException {
    if (posix(p)) {
      Files.setPosixFilePermissions(p, Files.isDirectory(p) ? DIRECTORY : FILE);
    }
  }

  /** Creates the directory {@code dir} (which must not exist), owner-only. */
  public static Path createDirectory(Path dir) throws IOException {
    Files.createDirectory(dir, attrs(dir, DIRECTORY));
    restrict(dir);
    return dir;
  }

  /** A new owner-only directory in {@code parent} whose name starts with {@code prefix}. */
  public static Path createTempDirectory(Path parent, String prefix) throws IOException {
    Path d = Files.createTempDirectory(parent, prefix, attrs(parent, DIRECTORY));
    restrict(d);
    return d;
  }

  /** Creates the file {@code file} (which must not exist), empty and owner-only. */
  public static Path createFile(Path file) throws IOException {
    Files.createFile(file, attrs(file, FILE));
    restrict(file);
    return file;
  }

  /** Makes {@code root} and everything under it owner-only. */
  public static void restrictTree(Path root) throws IOException {
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
        restrict(d);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
        restrict(f);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /** Deletes {@code root} and everything under it, as far as it can; never throws. */
  public static void deleteTree(Path root) {
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
          Files.deleteIfExists(f);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      // best effort: a temporary directory left behind is named after its target
    }
  }
}
