package io.github.atomicdb.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.stream.Stream;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;

/*
 * Why: RocksJava's own loader (RocksDB.loadLibrary()) copies its ~17 MB native library from the
 * jar into a new temp file of java.io.tmpdir at every start, and deletes it only at a normal JVM
 * exit (deleteOnExit). Every crash or kill -9 leaves one behind; a crash-looping service fills
 * its disk.
 *
 * What instead: one extracted copy per user and per library build, reused by every process:
 *   <dir>/atomicdb-native-<user>/<id>/<library file name>
 * where <dir> is the system property atomicdb.native.dir, else java.io.tmpdir, and <id> names
 * the library's bytes (size and CRC-32 of the jar entry, or SHA-256 of the resource when it is not
 * in a jar). RocksDB.loadLibrary(List) then loads it from there, so nothing per process is ever
 * written. A crash can only interrupt an extraction, which writes a temp file in <id> and renames
 * it atomically into place; temp files older than an hour are deleted by the next load.
 *
 * Safety of a shared temp directory: another user could create our directory first and plant a
 * library. So the per-user directory must be ours (owner = this process's user), a real
 * directory (not a link) with permissions rwx------; it is created so, and refused otherwise.
 * Whatever goes wrong (no POSIX permissions, a foreign directory, an unwritable or noexec dir),
 * RocksJava's own loader is used instead, with a warning: loading never fails because of this.
 */
/** Loads RocksDB's native library from one reused, owner-only copy per user. Thread-safe. */
public final class NativeLibrary {
  private NativeLibrary() {}

  private static final System.Logger LOG = System.getLogger("io.github.atomicdb.native");
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
  private static final Duration STALE_TEMP = Duration.ofHours(1);
  private static boolean loaded;

  /** The directory where the reused copies live for this user, under {@code base}. */
  static Path userDir(Path base) {
    String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    return base.resolve("atomicdb-native-" + user);
  }

  /** Loads the library once per JVM; later calls return at once. */
  public static synchronized void load() {
    if (loaded) {
      return;
    }
    try {
      String base = System.getProperty("atomicdb.native.dir", System.getProperty("java.io.tmpdir"));
      Path dir = extract(Path.of(base));
      RocksDB.loadLibrary(List.of(dir.toString()));
    } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
      LOG.log(System.Logger.Level.WARNING, "atomic-db could not load RocksDB's native library from"
          + " a reused copy (" + e + "); RocksJava's own loader is used, which leaves a copy in"
          + " java.io.tmpdir when the process crashes");
      RocksDB.loadLibrary();
    }
    loaded = true;
  }

  /**
   * Makes sure the library is extracted under {@code base} and returns the directory holding it.
   *
   * @throws IOException if it cannot be done safely
   */
  static Path extract(Path base) throws IOException {
    String resource = Environment.getJniLibraryFileName("rocksdb");
    // The file name RocksDB.loadLibrary(List) looks for in each directory: in rocksdbjni 11.8.1 it
    // derives it from "rocksdbjni", which yields e.g. librocksdbjnijni-linux64.so. Should that
    // change, loading from the directory fails, and load() falls back (NativeLibraryTest fails).
    String name = Environment.getJniLibraryFileName("rocksdbjni");
    URL res = RocksDB.class.getResource("/" + resource);
    if (res == null) {
      throw new IOException("the rocksdbjni jar holds no " + resource);
    }
    if (!base.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      throw new IOException("no POSIX permissions on " + base + " to keep a private copy safe");
    }
    Path user = ownedPrivateDir(userDir(base));
    Path dir = ownedPrivateDir(user.resolve(libraryId(res)));
    deleteStaleTemps(dir);
    Path lib = dir.resolve(name);
    if (!Files.isRegularFile(lib, LinkOption.NOFOLLOW_LINKS)) {
      Path tmp = Files.createTempFile(dir, name, ".tmp"); // rw------- on POSIX
      try {
        try (InputStream in = res.openStream(); OutputStream out = Files.newOutputStream(tmp)) {
          in.transferTo(out);
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r-x------"));
        try {
          Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException raced) {
          // another process put the same bytes there first
        } catch (AtomicMoveNotSupportedException e) {
          throw new IOException("cannot rename atomically in " + dir, e);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
    checkOwned(lib, false);
    return dir;
  }

  /** A name for the library's exact bytes. */
  private static String libraryId(URL res) throws IOException {
    URLConnection c = res.openConnection();
    if (c instanceof JarURLConnection j) {
      c.setUseCaches(false);
      JarEntry e = j.getJarEntry();
      if (e != null && e.getSize() >= 0 && e.getCrc() >= 0) {
        String id = e.getSize() + "-" + Long.toHexString(e.getCrc());
        j.getJarFile().close();
        return id;
      }
    }
    try (InputStream in = res.openStream()) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IOException(e);
    }
  }

  /** Creates {@code dir} rwx------ if missing; refuses it unless it is ours and private. */
  private static Path ownedPrivateDir(Path dir) throws IOException {
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      Files.setPosixFilePermissions(dir, OWNER_ONLY); // whatever the umask
    } catch (FileAlreadyExistsException exists) {
      // checked below
    }
    checkOwned(dir, true);
    return dir;
  }

  /** Refuses a path that is a link, of another owner, or writable (or, for a dir, readable) by others. */
  private static void checkOwned(Path p, boolean directory) throws IOException {
    PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (directory ? !a.isDirectory() : !a.isRegularFile()) {
      throw new IOException(p + " is not a " + (directory ? "directory" : "regular file"));
    }
    UserPrincipal me = p.getFileSystem().getUserPrincipalLookupService()
        .lookupPrincipalByName(System.getProperty("user.name"));
    if (!a.owner().equals(me)) {
      throw new IOException(p + " belongs to " + a.owner().getName() + ", not to " + me.getName());
    }
    for (PosixFilePermission x : a.permissions()) {
      if (!x.name().startsWith("OWNER_")) {
        throw new IOException(p + " has permissions " + PosixFilePermissions.toString(a.permissions())
            + "; only its owner may have any");
      }
    }
  }

  /** Deletes temp files left by extractions a crash interrupted (older than an hour). */
  private static void deleteStaleTemps(Path dir) throws IOException {
    FileTime limit = FileTime.fromMillis(System.currentTimeMillis() - STALE_TEMP.toMillis());
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) {
        try {
          if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).compareTo(limit) < 0) {
            Files.deleteIfExists(p);
          }
        } catch (IOException gone) {
          // deleted by another process meanwhile
        }
      }
    }
  }
}
