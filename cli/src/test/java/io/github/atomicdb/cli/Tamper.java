package io.github.atomicdb.cli;

import io.github.atomicdb.internal.KeyCodec;
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

/**
 * A closed store opened with plain RocksDB, the way a bad disk or a careless hand would change
 * it: records by column family name (data-format.md) and key, raw bytes in and out. Tests only.
 */
final class Tamper implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  private final DBOptions options = new DBOptions();
  private final ColumnFamilyOptions cfOptions = new ColumnFamilyOptions();
  private final List<ColumnFamilyHandle> handles = new ArrayList<>();
  private final Map<String, ColumnFamilyHandle> byName = new HashMap<>();
  private final RocksDB db;

  Tamper(Path dir) throws RocksDBException {
    List<byte[]> names;
    try (Options o = new Options()) {
      names = RocksDB.listColumnFamilies(o, dir.toString());
    }
    List<ColumnFamilyDescriptor> descs = new ArrayList<>();
    for (byte[] n : names) {
      descs.add(new ColumnFamilyDescriptor(n, cfOptions));
    }
    db = RocksDB.open(options, dir.toString(), descs, handles);
    for (int i = 0; i < names.size(); i++) {
      byName.put(new String(names.get(i), StandardCharsets.UTF_8), handles.get(i));
    }
  }

  static byte[] key(String pk, String sk) {
    return KeyCodec.encode(pk, sk);
  }

  byte[] get(String cf, String pk, String sk) throws RocksDBException {
    return db.get(byName.get(cf), key(pk, sk));
  }

  void put(String cf, String pk, String sk, byte[] value) throws RocksDBException {
    db.put(byName.get(cf), key(pk, sk), value);
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
