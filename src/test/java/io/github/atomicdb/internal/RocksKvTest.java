package io.github.atomicdb.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.Compression;
import io.github.atomicdb.spi.KvConflictException;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.Space;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The KvStore SPI on RocksKv, with MemoryKv as the oracle where the two must agree, and the
 * RocksDB-only behaviour (conflicts between concurrent transactions) on its own.
 */
class RocksKvTest {
  @TempDir static Path tmp;
  private static int n;
  private final List<KvStore> opened = new ArrayList<>();

  static Stream<String> backends() {
    return Stream.of("rocks", "memory");
  }

  private KvStore open(String backend) {
    KvStore kv = backend.equals("rocks")
        ? RocksKv.open(tmp.resolve("kv" + (n++)), new RocksKv.Settings(false, 1 << 20, Compression.LZ4, 1 << 20))
        : new MemoryKv();
    opened.add(kv);
    return kv;
  }

  @AfterEach
  void closeAll() {
    opened.forEach(KvStore::close);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String s(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  private static List<String> keys(KvCursor c) {
    List<String> out = new ArrayList<>();
    try (c) {
      while (c.next()) {
        out.add(s(c.key()) + "=" + s(c.value()));
      }
    }
    return out;
  }

  @ParameterizedTest
  @MethodSource("backends")
  void scansAreBoundedOrderedAndReversible(String backend) {
    KvStore kv = open(backend);
    List<KvOp> ops = new ArrayList<>();
    for (String k : List.of("a", "b\u0000", "b1", "b2", "b\u00ff", "c")) {
      ops.add(KvOp.put(Space.ITEMS, b(k), b("v" + k.length())));
    }
    ops.add(KvOp.put(Space.LOCKS, b("b3"), b("other space")));
    kv.write(ops);
    byte[] from = b("b");
    byte[] to = KeyCodec.prefixEnd(from);
    assertEquals(List.of("b\u0000=v2", "b1=v2", "b2=v2", "b\u00ff=v2"),
        keys(kv.scan(Space.ITEMS, from, to, false, 0)));
    assertEquals(List.of("b\u00ff=v2", "b2=v2", "b1=v2", "b\u0000=v2"),
        keys(kv.scan(Space.ITEMS, from, to, true, 0)));
    assertEquals(List.of(), keys(kv.scan(Space.ITEMS, b("d"), b("e"), true, 0)));
    assertEquals(List.of("b3=other space"), keys(kv.scan(Space.LOCKS, from, to, false, 1)));
  }

  @ParameterizedTest
  @MethodSource("backends")
  void multiGetKeepsOrderAndNulls(String backend) {
    KvStore kv = open(backend);
    kv.write(List.of(KvOp.put(Space.QUEUE, b("x"), b("1")), KvOp.put(Space.QUEUE, b("z"), b("3"))));
    List<byte[]> got = kv.multiGet(Space.QUEUE, List.of(b("z"), b("y"), b("x"), b("z")));
    assertEquals(Arrays.asList("3", null, "1", "3"), got.stream().map(RocksKvTest::s).toList());
    assertEquals(List.of(), kv.multiGet(Space.QUEUE, List.of()));
    kv.write(List.of(KvOp.delete(Space.QUEUE, b("x"))));
    assertNull(kv.get(Space.QUEUE, b("x")));
  }

  @ParameterizedTest
  @MethodSource("backends")
  void transactionSeesOwnWritesInGetForUpdateButNotInScan(String backend) {
    KvStore kv = open(backend);
    kv.write(List.of(KvOp.put(Space.QINDEX, b("k1"), b("old"))));
    List<String> seen = kv.transact(t -> {
      t.put(Space.QINDEX, b("k1"), b("new"));
      t.put(Space.QINDEX, b("k2"), b("added"));
      t.delete(Space.QINDEX, b("k1"));
      List<String> out = new ArrayList<>();
      out.add(String.valueOf(s(t.getForUpdate(Space.QINDEX, b("k1")))));
      out.add(s(t.getForUpdate(Space.QINDEX, b("k2"))));
      out.addAll(keys(t.scan(Space.QINDEX, b("k"), b("l"), false)));
      return out;
    });
    assertEquals(List.of("null", "added", "k1=old"), seen);
    assertNull(kv.get(Space.QINDEX, b("k1")));
    assertEquals("added", s(kv.get(Space.QINDEX, b("k2"))));
  }

  @ParameterizedTest
  @MethodSource("backends")
  void aThrowingBodyWritesNothing(String backend) {
    KvStore kv = open(backend);
    assertThrows(IllegalStateException.class, () -> kv.transact(t -> {
      t.put(Space.ITEMS, b("k"), b("v"));
      throw new IllegalStateException("boom");
    }));
    assertNull(kv.get(Space.ITEMS, b("k")));
    assertEquals("ok", kv.transact(t -> "ok"));
  }

  @ParameterizedTest
  @MethodSource("backends")
  void useAfterCloseThrowsAndCloseIsIdempotent(String backend) {
    KvStore kv = open(backend);
    kv.close();
    kv.close();
    assertThrows(IllegalStateException.class, () -> kv.get(Space.ITEMS, b("k")));
    assertThrows(IllegalStateException.class, () -> kv.write(List.of()));
    assertThrows(IllegalStateException.class, () -> kv.transact(t -> null));
    assertThrows(IllegalStateException.class, () -> kv.scan(Space.ITEMS, b("a"), b("b"), false, 0));
  }

  // ------------------------------------------------------------------ RocksDB only

  /** Runs {@code f} on another thread (a concurrent writer) and waits for it. */
  private static <T> T inOtherThread(Function<Void, T> f) throws Exception {
    return CompletableFuture.supplyAsync(() -> f.apply(null)).get(30, TimeUnit.SECONDS);
  }

  @Test
  void aKeyReadForUpdateAndWrittenMeanwhileFailsTheCommitAndWritesNothing() throws Exception {
    KvStore kv = open("rocks");
    kv.write(List.of(KvOp.put(Space.LOCKS, b("lock"), b("v1"))));
    KvConflictException e = assertThrows(KvConflictException.class, () -> kv.transact(t -> {
      assertEquals("v1", s(t.getForUpdate(Space.LOCKS, b("lock"))));
      t.put(Space.ITEMS, b("item"), b("written under v1"));
      try {
        inOtherThread(x -> {
          kv.write(List.of(KvOp.put(Space.LOCKS, b("lock"), b("v2"))));
          return null;
        });
      } catch (Exception ex) {
        throw new AssertionError(ex);
      }
      return null;
    }));
    assertTrue(e.getMessage().contains("Busy") || e.getMessage().contains("TryAgain"), e.getMessage());
    assertNull(kv.get(Space.ITEMS, b("item")), "nothing of the failed commit was written");
    assertEquals("v2", s(kv.get(Space.LOCKS, b("lock"))));
  }

  @Test
  void writesOfKeysNotReadForUpdateDoNotConflict() throws Exception {
    KvStore kv = open("rocks");
    String r = kv.transact(t -> {
      t.getForUpdate(Space.LOCKS, b("lock"));
      t.put(Space.ITEMS, b("item"), b("mine"));
      try {
        inOtherThread(x -> {
          kv.write(List.of(KvOp.put(Space.ITEMS, b("item"), b("theirs"))));
          return null;
        });
      } catch (Exception ex) {
        throw new AssertionError(ex);
      }
      return "committed";
    });
    assertEquals("committed", r);
    assertEquals("mine", s(kv.get(Space.ITEMS, b("item"))), "the later commit wins");
  }

  @Test
  void transactionReadsItsSnapshotEvenAfterOthersCommit() throws Exception {
    KvStore kv = open("rocks");
    kv.write(List.of(KvOp.put(Space.QUEUE, b("a"), b("1"))));
    List<String> seen = new ArrayList<>();
    assertThrows(KvConflictException.class, () -> kv.transact(t -> {
      try {
        inOtherThread(x -> {
          kv.write(List.of(KvOp.put(Space.QUEUE, b("b"), b("2")), KvOp.put(Space.QUEUE, b("a"), b("changed"))));
          return null;
        });
      } catch (Exception ex) {
        throw new AssertionError(ex);
      }
      seen.addAll(keys(t.scan(Space.QUEUE, b("a"), b("z"), false)));
      seen.add(s(t.getForUpdate(Space.QUEUE, b("a"))));
      return null;
    }), "it read 'a' for update, and 'a' changed after its snapshot");
    assertEquals(List.of("a=1", "1"), seen, "scan and getForUpdate both read the snapshot");
  }

  @Test
  void cursorsAreReleasedAtTheEndOnCloseAndByTheStore() {
    RocksKv kv = (RocksKv) open("rocks");
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
}
