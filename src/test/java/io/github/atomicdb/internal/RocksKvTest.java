package io.github.atomicdb.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.Compression;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.Space;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only RocksKv has: native resources released exactly once. The SPI itself is checked by
 * {@link RocksKvContractTest}.
 */
class RocksKvTest {
  @TempDir Path tmp;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void cursorsAreReleasedAtTheEndOnCloseAndByTheStore() {
    RocksKv kv = RocksKv.open(tmp.resolve("kv"), new RocksKv.Settings(false, 1 << 20, Compression.LZ4, 1 << 20));
    List<KvOp> ops = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ops.add(KvOp.put(Space.ITEMS, b("k" + i), b("v")));
    }
    kv.write(ops);
    KvCursor exhausted = kv.scan(Space.ITEMS, b("k"), b("l"), false, 0);
    while (exhausted.next()) {
      assertArrayEquals(b("v"), exhausted.value());
    }
    assertFalse(exhausted.next());
    KvCursor closed = kv.scan(Space.ITEMS, b("k"), b("l"), false, 0);
    assertTrue(closed.next());
    closed.close();
    closed.close();
    assertFalse(closed.next());
    KvCursor abandoned = kv.scan(Space.ITEMS, b("k"), b("l"), true, 0);
    assertTrue(abandoned.next());
    assertEquals(1, kv.openCursors());
    kv.transact(t -> t.scan(Space.ITEMS, b("k"), b("l"), false)); // left open by the body
    assertEquals(1, kv.openCursors(), "the transaction released its cursor");
    kv.close();
    assertEquals(0, kv.openCursors());
    assertThrows(IllegalStateException.class, abandoned::next);
    abandoned.close();
  }

  /**
   * transact reads a snapshot taken at begin; transactOnLatest (the lock path) takes none, and a
   * pooled transaction that ran one mode runs the other correctly.
   */
  @Test
  void onlyTransactTakesASnapshot() {
    try (RocksKv kv = RocksKv.open(tmp.resolve("kv"), new RocksKv.Settings(false, 1 << 20, Compression.LZ4, 1 << 20))) {
      kv.write(List.of(KvOp.put(Space.LOCKS, b("k"), b("v1"))));
      for (int round = 0; round < 3; round++) {
        long inTransact = kv.transact(t -> {
          t.getForUpdate(Space.LOCKS, b("k"));
          return kv.longProperty(Space.LOCKS, "rocksdb.num-snapshots");
        });
        assertEquals(1, inTransact, "transact reads at a snapshot taken at begin");
        assertEquals(0, kv.longProperty(Space.LOCKS, "rocksdb.num-snapshots"),
            "an idle pooled transaction holds no snapshot");
        long onLatest = kv.transactOnLatest(t -> {
          assertArrayEquals(b("v1"), t.getForUpdate(Space.LOCKS, b("k")));
          return kv.longProperty(Space.LOCKS, "rocksdb.num-snapshots");
        });
        assertEquals(0, onLatest, "transactOnLatest takes no snapshot");
        assertEquals(0, kv.longProperty(Space.LOCKS, "rocksdb.num-snapshots"), "released after the commit");
      }
    }
  }
}
