package io.github.atomicdb.internal;

import io.github.atomicdb.AtomicDbException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * What {@link RocksKv#open} may do with a directory, decided before it is opened for writing and
 * without changing anything in it (data-format.md, "Opening a directory"): only a missing
 * or empty directory becomes a new store; an existing one must hold an atomic-db store whose
 * format version this code reads. Every refusal is an {@link AtomicDbException} naming the
 * directory.
 */
final class RocksDirectory {
  private RocksDirectory() {}

  /** Creates a missing directory (owner-only); true if the store must be created. */
  static boolean prepare(Path dir) {
    try {
      if (!Files.exists(dir)) {
        Path parent = dir.getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rwx------");
        try {
          if (posix) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(ownerOnly));
            Files.setPosixFilePermissions(dir, ownerOnly); // whatever the umask
          } else {
            Files.createDirectory(dir);
          }
          return true;
        } catch (FileAlreadyExistsException raced) {
          // created meanwhile by someone else: inspect it like any existing directory
        }
      }
      if (!Files.isDirectory(dir)) {
        throw new AtomicDbException(
            "cannot open atomic-db store: " + dir + " exists and is not a directory");
      }
      boolean empty;
      try (Stream<Path> s = Files.list(dir)) {
        empty = s.findAny().isEmpty();
      }
      if (empty) {
        return true;
      }
      if (!Files.isRegularFile(dir.resolve("CURRENT"))) {
        throw new AtomicDbException(
            "cannot open atomic-db store: directory " + dir + " is not empty and holds no"
                + " RocksDB database (no CURRENT file); refusing to write into it. Pass an empty"
                + " or missing directory for a new store");
      }
      return false;
    } catch (IOException e) {
      throw new AtomicDbException("cannot prepare atomic-db directory " + dir + ": " + e, e);
    }
  }

  /**
   * What {@link #inspect} found.
   *
   * @param create the directory holds an interrupted creation of a store (to be finished)
   * @param format the store format version in {@code meta} (0 when {@code create})
   * @param upgradeFrom the version an interrupted upgrade started from, or 0 when none
   */
  record Inspection(boolean create, int format, int upgradeFrom) {
    /** True when the store must be upgraded (or an interrupted upgrade finished) before use. */
    boolean needsUpgrade() {
      return !create && (format < RocksKv.FORMAT_VERSION || upgradeFrom != 0);
    }

    /** The version the upgrade starts from. */
    int upgradeStart() {
      return upgradeFrom != 0 ? upgradeFrom : format;
    }
  }

  /**
   * Checks, without writing anything, that {@code dir} holds an atomic-db store this version
   * can read (possibly after an upgrade).
   */
  static Inspection inspect(Path dir) {
    if (heldByAnotherProcess(dir)) {
      throw new AtomicDbException(RocksErrors.alreadyOpen(dir));
    }
    List<byte[]> names;
    try (Options o = new Options()) {
      names = RocksDB.listColumnFamilies(o, dir.toString());
    } catch (RocksDBException e) {
      throw new AtomicDbException(
          "cannot open atomic-db store: directory " + dir + " cannot be read as a RocksDB"
              + " database (" + RocksErrors.code(e) + ": " + e.getMessage() + "); it was left"
              + " untouched", e);
    }
    if (names.isEmpty()) {
      throw new AtomicDbException(
          "cannot open atomic-db store: directory " + dir + " cannot be read as a RocksDB"
              + " database (no column families found in its manifest); it was left untouched");
    }
    List<String> found = new ArrayList<>();
    for (byte[] n : names) {
      found.add(new String(n, StandardCharsets.UTF_8));
    }
    if (!found.contains(RocksKv.META_CF) || !RocksKv.OUR_CFS.containsAll(found)) {
      throw notOurs(dir, "it is a RocksDB database with column families " + found
          + ", not an atomic-db store");
    }
    List<ColumnFamilyDescriptor> descs = new ArrayList<>();
    List<ColumnFamilyHandle> hs = new ArrayList<>();
    try (DBOptions o = new DBOptions(); ColumnFamilyOptions cfo = new ColumnFamilyOptions()) {
      for (byte[] n : names) {
        descs.add(new ColumnFamilyDescriptor(n, cfo));
      }
      RocksDB ro = null;
      try {
        ro = RocksDB.openReadOnly(o, dir.toString(), descs, hs);
        ColumnFamilyHandle meta = hs.get(found.indexOf(RocksKv.META_CF));
        byte[] magic = ro.get(meta, RocksKv.MAGIC_KEY);
        byte[] format = ro.get(meta, RocksKv.FORMAT_KEY);
        if (magic == null && format == null) {
          for (ColumnFamilyHandle h : hs) {
            try (RocksIterator it = ro.newIterator(h)) {
              it.seekToFirst();
              if (it.isValid()) {
                throw notOurs(dir, "it is a RocksDB database with column families " + found
                    + " but without the atomic-db marker");
              }
            }
          }
          return new Inspection(true, 0, 0); // creation interrupted before the marker: finish it
        }
        if (magic == null || !Arrays.equals(magic, RocksKv.MAGIC)) {
          throw notOurs(dir, "its meta column family holds no atomic-db marker");
        }
        if (format == null || format.length != 4) {
          throw new AtomicDbException(
              "cannot open atomic-db store in " + dir + ": its format record is damaged ("
                  + (format == null ? "missing" : format.length + " bytes") + "); it was left"
                  + " untouched");
        }
        int version = ByteBuffer.wrap(format).getInt();
        if (version > RocksKv.FORMAT_VERSION) {
          throw new AtomicDbException(
              "cannot open atomic-db store in " + dir + ": it was written by a newer atomic-db"
                  + " (data format version " + version + "); this version reads format versions"
                  + " up to " + RocksKv.FORMAT_VERSION + ". Open it with a newer atomic-db; the"
                  + " directory was left untouched");
        }
        if (version < 1) {
          throw new AtomicDbException(
              "cannot open atomic-db store in " + dir + ": its format record says version "
                  + version + ", which no atomic-db writes; the directory was left untouched");
        }
        byte[] from = ro.get(meta, RocksKv.UPGRADE_FROM_KEY);
        int upgradeFrom = 0;
        if (from != null) {
          upgradeFrom = from.length == 4 ? ByteBuffer.wrap(from).getInt() : -1;
          if (upgradeFrom < 1 || upgradeFrom >= version) {
            throw new AtomicDbException(
                "cannot open atomic-db store in " + dir + ": its upgrade record is damaged ("
                    + KeyCodec.hex(from) + " for format " + version + "); it was left untouched");
          }
        }
        return new Inspection(false, version, upgradeFrom);
      } catch (RocksDBException e) {
        throw RocksErrors.map("read-only check before open", dir, e);
      } finally {
        for (ColumnFamilyHandle h : hs) {
          h.close();
        }
        if (ro != null) {
          ro.close();
          RocksKv.freeDefaultReadOptions(ro);
        }
      }
    }
  }

  /**
   * True if another process holds the directory's LOCK file, i.e. has the store open. Checked
   * before the read-only inspection, which must not run on a store being written: the owner's
   * compactions delete files the inspection is about to read, and that would be reported as
   * damage. RocksDB locks LOCK with a POSIX record lock (fcntl), as {@link FileChannel#tryLock}
   * does, so the probe sees it. Closing the probe's channel releases every record lock this
   * process holds on the file, which is harmless here: {@code RocksKv.open} calls this only for a
   * directory this JVM has not opened (followers take no lock). False when there is no LOCK file
   * or it cannot be opened for writing (the open then reports what is wrong).
   */
  static boolean heldByAnotherProcess(Path dir) {
    Path lock = dir.resolve("LOCK");
    if (!Files.isRegularFile(lock)) {
      return false;
    }
    try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
      FileLock l = ch.tryLock();
      if (l == null) {
        return true;
      }
      l.release();
      return false;
    } catch (OverlappingFileLockException e) {
      return true; // this JVM locked it through Java: not ours to take
    } catch (IOException e) {
      return false;
    }
  }

  private static AtomicDbException notOurs(Path dir, String why) {
    return new AtomicDbException(
        "cannot open atomic-db store: directory " + dir + " is not an atomic-db store (" + why
            + "); refusing to open it, and it was left untouched");
  }
}
