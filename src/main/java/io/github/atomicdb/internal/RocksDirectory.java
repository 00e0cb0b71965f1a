package io.github.atomicdb.internal;

import io.github.atomicdb.AtomicDbException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
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
   * Checks, without writing anything, that {@code dir} holds an atomic-db store this version
   * can read. True when it holds an interrupted creation of one (to be finished).
   */
  static boolean inspect(Path dir) {
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
          return true; // our creation was interrupted before the marker: finish it
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
        return false;
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

  private static AtomicDbException notOurs(Path dir, String why) {
    return new AtomicDbException(
        "cannot open atomic-db store: directory " + dir + " is not an atomic-db store (" + why
            + "); refusing to open it, and it was left untouched");
  }
}
