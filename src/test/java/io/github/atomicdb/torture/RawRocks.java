package io.github.atomicdb.torture;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * A closed atomic-db directory opened with plain {@link RocksDB}, the way an attacker or a bad
 * disk would see it: column families by name, raw bytes in and out. For tampering in tests only.
 */
final class RawRocks implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  private final DBOptions options;
  private final ColumnFamilyOptions cfOptions;
  private final List<ColumnFamilyHandle> handles = new ArrayList<>();
  private final Map<String, ColumnFamilyHandle> byName = new HashMap<>();
  private final RocksDB db;

  RawRocks(Path dir) throws RocksDBException {
    List<byte[]> names;
    try (Options o = new Options()) {
      names = RocksDB.listColumnFamilies(o, dir.toString());
    }
    options = new DBOptions();
    cfOptions = new ColumnFamilyOptions();
    List<ColumnFamilyDescriptor> descs = new ArrayList<>();
    for (byte[] n : names) {
      descs.add(new ColumnFamilyDescriptor(n, cfOptions));
    }
    db = RocksDB.open(options, dir.toString(), descs, handles);
    for (int i = 0; i < names.size(); i++) {
      byName.put(new String(names.get(i), StandardCharsets.UTF_8), handles.get(i));
    }
  }

  private ColumnFamilyHandle cf(String name) {
    ColumnFamilyHandle h = byName.get(name);
    if (h == null) {
      throw new AssertionError("no column family " + name + " in " + byName.keySet());
    }
    return h;
  }

  byte[] get(String cf, byte[] key) throws RocksDBException {
    return db.get(cf(cf), key);
  }

  void put(String cf, byte[] key, byte[] value) throws RocksDBException {
    db.put(cf(cf), key, value);
  }

  /** Every key of a column family, in order. */
  List<byte[]> keys(String cf) {
    List<byte[]> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(cf(cf))) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.add(it.key());
      }
    }
    return out;
  }

  /** Flips the bits of {@code mask} in byte {@code at} of the value at {@code key}. */
  byte[] flip(String cf, byte[] key, int at, int mask) throws RocksDBException {
    byte[] v = get(cf, key);
    if (v == null) {
      throw new AssertionError("nothing stored at that key in " + cf);
    }
    v[at] ^= (byte) mask;
    put(cf, key, v);
    return v;
  }

  @Override
  public void close() {
    for (ColumnFamilyHandle h : handles) {
      h.close();
    }
    db.close();
    cfOptions.close();
    options.close();
  }
}
