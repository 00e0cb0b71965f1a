package io.github.atomicdb;

import io.github.atomicdb.internal.FormatV1Records;
import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.ValueCodec;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Format-1 stores for upgrade tests: a copy of the checked-in fixture, grown with format-1
 * records written through plain RocksDB, and raw reads of a closed store.
 */
final class FormatV1Stores {
  private FormatV1Stores() {}

  static final String BIG = "big";
  /** ttl of the big partition's locks: 2100-01-01, so getLock returns them unchanged. */
  static final long LOCK_TTL = 4102444800L;

  static Path fixture() throws URISyntaxException {
    return Path.of(FormatV1Stores.class.getResource("/format-v1/CURRENT").toURI()).getParent();
  }

  /** A copy of the format-1 fixture in {@code dst}. */
  static Path copyFixture(Path dst) throws Exception {
    Files.createDirectories(dst);
    try (Stream<Path> s = Files.list(fixture())) {
      for (Path p : s.toList()) {
        Files.copy(p, dst.resolve(p.getFileName().toString()));
      }
    }
    return dst;
  }

  static String sk(int i) {
    return String.format("%06d", i);
  }

  static String lockVersion(int i) {
    return String.format("V%025d", i);
  }

  /** Item i of the big partition: its data, and its ttl (every third has one, far away). */
  static Item bigItem(int i) {
    Item it = Item.of(BIG, sk(i), "value " + i);
    return i % 3 == 0 ? it.withTtl(4102444800L + i) : it;
  }

  /** A copy of the fixture plus {@code items} format-1 items and {@code locks} format-1 locks. */
  static Path bigV1Store(Path dst, int items, int locks) throws Exception {
    copyFixture(dst);
    ValueCodec codec = new ValueCodec(Map.of());
    withRaw(dst, raw -> {
      for (int start = 0; start < Math.max(items, locks); start += 1000) {
        try (WriteBatch b = new WriteBatch()) {
          for (int i = start; i < start + 1000; i++) {
            byte[] k = KeyCodec.encode(BIG, sk(i));
            if (i < items) {
              Item it = bigItem(i);
              b.put(raw.cf("items"), k, FormatV1Records.item(codec.encode(it.data()), it.ttl()));
            }
            if (i < locks) {
              b.put(raw.cf("locks"), k, FormatV1Records.lock(lockVersion(i), LOCK_TTL));
            }
          }
          raw.db().write(raw.writeOptions(), b);
        }
      }
      try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
        raw.db().flush(fo, raw.handles());
      }
    });
    return dst;
  }

  /** An open raw store: its DB and column families by name. */
  record Raw(RocksDB db, Map<String, ColumnFamilyHandle> byName, List<ColumnFamilyHandle> handles,
      WriteOptions writeOptions) {
    ColumnFamilyHandle cf(String name) {
      return byName.get(name);
    }

    byte[] get(String cf, byte[] key) throws Exception {
      return db.get(cf(cf), key);
    }

    Integer metaInt(String key) throws Exception {
      byte[] v = get("meta", key.getBytes(StandardCharsets.US_ASCII));
      return v == null ? null : ByteBuffer.wrap(v).getInt();
    }

    /** Every (key, value) of a column family. */
    List<byte[][]> all(String cf) {
      List<byte[][]> out = new ArrayList<>();
      try (RocksIterator it = db.newIterator(cf(cf))) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          out.add(new byte[][] {it.key(), it.value()});
        }
      }
      return out;
    }
  }

  interface RawBody {
    void run(Raw raw) throws Exception;
  }

  /** Opens the closed store in {@code dir} with plain RocksDB (no compaction filter) and runs {@code body}. */
  static void withRaw(Path dir, RawBody body) throws Exception {
    RocksDB.loadLibrary();
    List<byte[]> names;
    try (Options o = new Options()) {
      names = RocksDB.listColumnFamilies(o, dir.toString());
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (DBOptions o = new DBOptions(); ColumnFamilyOptions c = new ColumnFamilyOptions();
        WriteOptions wo = new WriteOptions()) {
      List<ColumnFamilyDescriptor> descs = names.stream().map(n -> new ColumnFamilyDescriptor(n, c)).toList();
      try (RocksDB db = RocksDB.open(o, dir.toString(), descs, handles)) {
        Map<String, ColumnFamilyHandle> by = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
          by.put(new String(names.get(i), StandardCharsets.UTF_8), handles.get(i));
        }
        body.run(new Raw(db, by, handles, wo));
      } finally {
        handles.forEach(ColumnFamilyHandle::close);
      }
    }
  }
}
