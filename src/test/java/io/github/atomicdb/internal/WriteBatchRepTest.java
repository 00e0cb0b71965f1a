package io.github.atomicdb.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.Space;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The batch RocksKv builds in Java is byte for byte the one RocksJava builds key by key, for
 * every kind of op, column family ids (0, small, past one varint byte) and lengths (0, one, two
 * and three varint bytes), and RocksDB applies it.
 */
class WriteBatchRepTest {
  @TempDir Path tmp;

  @Test
  void theSerializedBatchIsTheOneRocksJavaBuildsAndRocksDbAppliesIt() throws Exception {
    RocksDB.loadLibrary();
    List<ColumnFamilyDescriptor> descs = new ArrayList<>();
    descs.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY));
    for (int i = 1; i <= 140; i++) {
      descs.add(new ColumnFamilyDescriptor(("cf" + i).getBytes()));
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (DBOptions o = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
        RocksDB db = RocksDB.open(o, tmp.toString(), descs, handles);
        WriteOptions w = new WriteOptions()) {
      // Spaces mapped onto the default family, a small id and ids past 127 (two varint bytes).
      ColumnFamilyHandle[] bySpace = {handles.get(0), handles.get(3), handles.get(130), handles.get(140)};
      int[] ids = new int[Space.values().length];
      for (Space s : Space.values()) {
        ids[s.ordinal()] = bySpace[s.ordinal()].getID();
      }
      assertEquals(0, ids[0]);
      Random r = new Random(42);
      int[] lengths = {0, 1, 127, 128, 16383, 16384, 70000};
      List<KvOp> ops = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        Space s = Space.values()[i % Space.values().length];
        byte[] key = new byte[lengths[r.nextInt(lengths.length)] + 1];
        r.nextBytes(key);
        if (i % 3 == 2) {
          ops.add(KvOp.delete(ops.get(i - 1).space(), ops.get(i - 1).key()));
        } else {
          byte[] value = new byte[lengths[r.nextInt(lengths.length)]];
          r.nextBytes(value);
          ops.add(KvOp.put(s, key, value));
        }
      }
      byte[] ours = WriteBatchRep.of(ops, ids);
      try (WriteBatch theirs = new WriteBatch()) {
        for (KvOp op : ops) {
          ColumnFamilyHandle cf = bySpace[op.space().ordinal()];
          if (op.value() == null) {
            theirs.delete(cf, op.key());
          } else {
            theirs.put(cf, op.key(), op.value());
          }
        }
        assertArrayEquals(theirs.data(), ours);
      }
      try (WriteBatch b = new WriteBatch(ours)) {
        db.write(w, b);
      }
      for (int i = 0; i < ops.size(); i++) {
        KvOp op = ops.get(i);
        byte[] got = db.get(bySpace[op.space().ordinal()], op.key());
        boolean deletedLater = i + 1 < ops.size() && ops.get(i + 1).value() == null
            && ops.get(i + 1).key() == op.key();
        if (op.value() == null || deletedLater) {
          assertNull(got, "op " + i);
        } else {
          assertArrayEquals(op.value(), got, "op " + i);
        }
      }
      assertArrayEquals(new byte[12], WriteBatchRep.of(List.of(), ids), "an empty batch is its header");
    } finally {
      for (ColumnFamilyHandle h : handles) {
        h.close();
      }
    }
  }
}
