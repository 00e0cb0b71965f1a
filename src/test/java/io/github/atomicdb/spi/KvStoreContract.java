package io.github.atomicdb.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@link KvStore} SPI as one test suite: every backend runs it by extending this class
 * (MemoryKv, RocksKv here; backends of other modules through the core test jar). Each test opens
 * fresh stores with {@link #open()}; they are closed after the test.
 *
 * <p>What it pins: point reads and batched reads; scans in unsigned byte order, bounded, both
 * directions, with limit hints that are only hints; one consistent snapshot per scan whatever
 * commits while it is read; atomic write batches; transactions that commit whole or not at all,
 * see their own writes in {@code getForUpdate} (not in {@code scan}), and fail with {@link
 * KvConflictException} when a key they read for update was committed by someone else meanwhile;
 * ended transactions, closed cursors and closed stores refusing use with {@link
 * IllegalStateException}; the commit limits and single-writer capability a backend declares; and,
 * for a backend with one, change notification ({@link KvStore#watch}).
 */
public abstract class KvStoreContract {
  private final List<KvStore> opened = new ArrayList<>();

  /** A new, empty store. */
  protected abstract KvStore newStore();

  /**
   * Opens a second handle on the store {@code first} opened (another writer of the same data),
   * or throws what the backend throws when that is refused. A single-writer backend must refuse
   * it; a shared one must return a handle that sees the first one's commits.
   */
  protected abstract KvStore openSecondWriter(KvStore first);

  /**
   * True when a transaction body excludes every other commit until it ends (a backend that
   * serializes commits, like MemoryKv): no conflict can happen then, and another writer waits.
   */
  protected boolean transactionsExcludeOtherCommits() {
    return false;
  }

  protected final KvStore open() {
    KvStore kv = newStore();
    opened.add(kv);
    return kv;
  }

  @AfterEach
  void closeOpened() {
    opened.forEach(KvStore::close);
  }

  // ------------------------------------------------------------------ helpers

  protected static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  protected static String s(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  private static byte[] bytes(int... v) {
    byte[] out = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (byte) v[i];
    }
    return out;
  }

  /** "key=value" of every entry, closing the cursor. */
  protected static List<String> drain(KvCursor c) {
    List<String> out = new ArrayList<>();
    try (c) {
      while (c.next()) {
        out.add(s(c.key()) + "=" + s(c.value()));
      }
    }
    return out;
  }

  private static List<String> read(KvCursor c, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n && c.next(); i++) {
      out.add(s(c.key()) + "=" + s(c.value()));
    }
    return out;
  }

  /**
   * Writes {@code ops} in as few batches as {@link KvStore#maxOpsPerCommit()} allows: one batch
   * on a store without a limit.
   */
  protected static void writeInCommitsOfTheDeclaredLimit(KvStore kv, List<KvOp> ops) {
    int per = Math.max(1, kv.maxOpsPerCommit());
    for (int i = 0; i < ops.size(); i += per) {
      kv.write(ops.subList(i, Math.min(ops.size(), i + per)));
    }
  }

  private static void put(KvStore kv, Space space, String k, String v) {
    kv.write(List.of(KvOp.put(space, b(k), b(v))));
  }

  /** Runs {@code r} on another thread and returns its future. */
  private static CompletableFuture<Void> async(Runnable r) {
    return CompletableFuture.runAsync(r);
  }

  // ------------------------------------------------------------------ point and batched reads

  @Test
  void getReturnsWhatWasWrittenPerSpace() {
    KvStore kv = open();
    assertNull(kv.get(Space.ITEMS, b("k")));
    kv.write(List.of(
        KvOp.put(Space.ITEMS, b("k"), b("item")),
        KvOp.put(Space.LOCKS, b("k"), b("lock")),
        KvOp.put(Space.QUEUE, b("k"), new byte[0])));
    assertEquals("item", s(kv.get(Space.ITEMS, b("k"))));
    assertEquals("lock", s(kv.get(Space.LOCKS, b("k"))));
    assertArrayEquals(new byte[0], kv.get(Space.QUEUE, b("k")), "an empty value is a value");
    assertNull(kv.get(Space.QINDEX, b("k")), "spaces are apart");
  }

  @Test
  void multiGetKeepsOrderDuplicatesAndNulls() {
    KvStore kv = open();
    kv.write(List.of(KvOp.put(Space.QUEUE, b("x"), b("1")), KvOp.put(Space.QUEUE, b("z"), b("3"))));
    List<byte[]> got = kv.multiGet(Space.QUEUE, List.of(b("z"), b("y"), b("x"), b("z")));
    assertEquals(Arrays.asList("3", null, "1", "3"), got.stream().map(KvStoreContract::s).toList());
    assertEquals(List.of(), kv.multiGet(Space.QUEUE, List.of()));
    assertEquals(Arrays.asList((String) null), kv.multiGet(Space.ITEMS, List.of(b("x"))).stream().map(KvStoreContract::s).toList());
  }

  // ------------------------------------------------------------------ scans

  @Test
  void keysOrderAsUnsignedBytes() {
    KvStore kv = open();
    List<byte[]> keys = List.of(
        bytes(), bytes(0x00), bytes(0x00, 0x00), bytes(0x01), bytes(0x7F), bytes(0x80),
        bytes(0x80, 0x00), bytes(0xFE), bytes(0xFF), bytes(0xFF, 0xFF));
    List<KvOp> ops = new ArrayList<>();
    for (int i = keys.size() - 1; i >= 0; i--) {
      ops.add(KvOp.put(Space.ITEMS, keys.get(i).clone(), b("v" + i)));
    }
    kv.write(ops);
    List<String> asc = new ArrayList<>();
    try (KvCursor c = kv.scan(Space.ITEMS, new byte[0], null, false, 0)) {
      while (c.next()) {
        asc.add(Arrays.toString(c.key()) + s(c.value()));
      }
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      expected.add(Arrays.toString(keys.get(i)) + "v" + i);
    }
    assertEquals(expected, asc);
    List<String> desc = new ArrayList<>();
    try (KvCursor c = kv.scan(Space.ITEMS, new byte[0], null, true, 0)) {
      while (c.next()) {
        desc.add(Arrays.toString(c.key()) + s(c.value()));
      }
    }
    java.util.Collections.reverse(expected);
    assertEquals(expected, desc);
  }

  @Test
  void scansAreBoundedOrderedAndReversible() {
    KvStore kv = open();
    List<KvOp> ops = new ArrayList<>();
    for (String k : List.of("a", "b", "b\u0000", "b1", "b2", "b\u00ff", "c")) {
      ops.add(KvOp.put(Space.ITEMS, b(k), b("v" + k.length())));
    }
    ops.add(KvOp.put(Space.LOCKS, b("b3"), b("other space")));
    kv.write(ops);
    byte[] from = b("b\u0000");
    byte[] to = b("b\u00ff"); // exclusive
    assertEquals(List.of("b\u0000=v2", "b1=v2", "b2=v2"), drain(kv.scan(Space.ITEMS, from, to, false, 0)));
    assertEquals(List.of("b2=v2", "b1=v2", "b\u0000=v2"), drain(kv.scan(Space.ITEMS, from, to, true, 0)));
    assertEquals(List.of("b\u00ff=v2", "c=v1"), drain(kv.scan(Space.ITEMS, to, null, false, 0)), "null: to the end");
    assertEquals(List.of("c=v1", "b\u00ff=v2"), drain(kv.scan(Space.ITEMS, to, null, true, 0)));
    assertEquals(List.of(), drain(kv.scan(Space.ITEMS, b("d"), b("e"), true, 0)));
    assertEquals(List.of(), drain(kv.scan(Space.ITEMS, b("b"), b("b"), false, 0)), "from == to: empty");
    assertEquals(List.of(), drain(kv.scan(Space.ITEMS, b("c"), b("a"), false, 0)), "from > to: empty");
    assertEquals(List.of(), drain(kv.scan(Space.ITEMS, b("c"), b("a"), true, 0)), "from > to: empty");
    assertEquals(List.of("b3=other space"), drain(kv.scan(Space.LOCKS, from, null, false, 1)));
  }

  @Test
  void aLimitHintIsOnlyAHint() {
    KvStore kv = open();
    List<KvOp> ops = new ArrayList<>();
    List<String> all = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      String k = String.format("k%04d", i);
      ops.add(KvOp.put(Space.ITEMS, b(k), b("v")));
      all.add(k + "=v");
    }
    writeInCommitsOfTheDeclaredLimit(kv, ops);
    for (int hint : new int[] {0, 1, 2, 17, 1000}) {
      assertEquals(all, drain(kv.scan(Space.ITEMS, b("k"), b("l"), false, hint)), "hint " + hint);
      List<String> rev = new ArrayList<>(all);
      java.util.Collections.reverse(rev);
      assertEquals(rev, drain(kv.scan(Space.ITEMS, b("k"), b("l"), true, hint)), "reverse, hint " + hint);
    }
  }

  static Stream<Arguments> directionsAndHints() {
    List<Arguments> out = new ArrayList<>();
    for (boolean reverse : new boolean[] {false, true}) {
      for (int hint : new int[] {0, 1, 3, 5}) {
        out.add(Arguments.of(reverse, hint));
      }
    }
    return out.stream();
  }

  /**
   * Read part of a scan, commit changes all over its range (ahead of the cursor and behind it,
   * by batch and by transaction), read on: the cursor returns exactly the range as it was.
   */
  @ParameterizedTest(name = "reverse={0}, limitHint={1}")
  @MethodSource("directionsAndHints")
  void aScanIsOneSnapshotWhateverCommitsWhileItIsRead(boolean reverse, int hint) {
    KvStore kv = open();
    List<KvOp> ops = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 40; i += 2) {
      String k = String.format("k%02d", i);
      ops.add(KvOp.put(Space.ITEMS, b(k), b("old" + i)));
      expected.add(k + "=old" + i);
    }
    kv.write(ops);
    if (reverse) {
      java.util.Collections.reverse(expected);
    }
    KvCursor c = kv.scan(Space.ITEMS, b("k"), b("l"), reverse, hint);
    List<String> got = new ArrayList<>(read(c, 3));
    // Ahead of the cursor in either direction: delete, rewrite, insert. Behind it: the same.
    String ahead1 = reverse ? "k10" : "k30";
    String ahead2 = reverse ? "k12" : "k28";
    String aheadNew = reverse ? "k11" : "k29";
    String behind = reverse ? "k38" : "k00";
    kv.write(List.of(
        KvOp.delete(Space.ITEMS, b(ahead1)),
        KvOp.put(Space.ITEMS, b(ahead2), b("new")),
        KvOp.put(Space.ITEMS, b(aheadNew), b("new")),
        KvOp.delete(Space.ITEMS, b(behind))));
    kv.transact(t -> {
      t.delete(Space.ITEMS, b(reverse ? "k00" : "k38"));
      t.put(Space.ITEMS, b(reverse ? "k01" : "k37"), b("new"));
      t.put(Space.ITEMS, b(reverse ? "k02" : "k36"), b("new"));
      return null;
    });
    got.addAll(read(c, 2));
    for (int i = 0; i < 20; i++) { // delete everything, twice rewritten, while reading on
      String k = String.format("k%02d", 2 * i);
      kv.write(List.of(KvOp.put(Space.ITEMS, b(k), b("newer"))));
      kv.write(List.of(KvOp.delete(Space.ITEMS, b(k))));
    }
    got.addAll(drain(c));
    assertEquals(expected, got);
    List<String> now = drain(kv.scan(Space.ITEMS, b("k"), b("l"), reverse, hint));
    assertEquals(reverse ? List.of("k11=new", "k01=new") : List.of("k29=new", "k37=new"), now,
        "a new scan sees the new state");
  }

  /** Whole batches, and whole snapshots: a reader never sees part of a batch in one scan. */
  @Test
  void concurrentBatchesAreSeenWholeByEveryScanAndMultiGet() throws Exception {
    KvStore kv = open();
    int keys = 50;
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    writeGeneration(kv, keys, 0);
    CompletableFuture<Void> writer = async(() -> {
      try {
        for (int g = 1; !stop.get() && g < 100_000; g++) {
          writeGeneration(kv, keys, g);
        }
      } catch (Throwable t) {
        failed.set(t);
      }
    });
    try {
      List<byte[]> all = new ArrayList<>();
      for (int i = 0; i < keys; i++) {
        all.add(b(String.format("g%03d", i)));
      }
      for (int round = 0; round < 200; round++) {
        boolean reverse = round % 2 == 1;
        String first = null;
        int n = 0;
        try (KvCursor c = kv.scan(Space.QUEUE, b("g"), b("h"), reverse, round % 3)) {
          while (c.next()) {
            String v = s(c.value());
            first = first == null ? v : first;
            assertEquals(first, v, "one scan saw two generations, round " + round);
            n++;
          }
        }
        assertEquals(keys, n);
        List<byte[]> vs = kv.multiGet(Space.QUEUE, all);
        for (byte[] v : vs) {
          assertEquals(s(vs.get(0)), s(v), "one multiGet saw two generations, round " + round);
        }
      }
    } finally {
      stop.set(true);
      writer.get(60, TimeUnit.SECONDS);
    }
    assertNull(failed.get());
  }

  private static void writeGeneration(KvStore kv, int keys, int g) {
    List<KvOp> ops = new ArrayList<>();
    for (int i = 0; i < keys; i++) {
      ops.add(KvOp.put(Space.QUEUE, b(String.format("g%03d", i)), b("gen" + g)));
    }
    kv.write(ops);
  }

  // ------------------------------------------------------------------ write batches

  @Test
  void aBatchAppliesItsOpsInOrderAcrossSpaces() {
    KvStore kv = open();
    put(kv, Space.ITEMS, "gone", "x");
    kv.write(List.of(
        KvOp.put(Space.ITEMS, b("a"), b("1")),
        KvOp.put(Space.LOCKS, b("a"), b("lock")),
        KvOp.delete(Space.ITEMS, b("gone")),
        KvOp.delete(Space.ITEMS, b("never there")),
        KvOp.put(Space.QINDEX, b("twice"), b("first")),
        KvOp.put(Space.QINDEX, b("twice"), b("second")),
        KvOp.put(Space.QUEUE, b("put then delete"), b("x")),
        KvOp.delete(Space.QUEUE, b("put then delete"))));
    assertEquals("1", s(kv.get(Space.ITEMS, b("a"))));
    assertEquals("lock", s(kv.get(Space.LOCKS, b("a"))));
    assertNull(kv.get(Space.ITEMS, b("gone")));
    assertEquals("second", s(kv.get(Space.QINDEX, b("twice"))), "the later op on a key wins");
    assertNull(kv.get(Space.QUEUE, b("put then delete")));
    kv.write(List.of()); // an empty batch is fine
  }

  @Test
  void aBatchWithANullKeyWritesNothing() {
    KvStore kv = open();
    List<KvOp> ops = new ArrayList<>();
    ops.add(KvOp.put(Space.ITEMS, b("a"), b("1")));
    ops.add(new KvOp(Space.ITEMS, null, b("2")));
    assertThrows(NullPointerException.class, () -> kv.write(ops));
    assertNull(kv.get(Space.ITEMS, b("a")));
  }

  // ------------------------------------------------------------------ transactions

  @Test
  void aTransactionCommitsEveryWriteAndReturnsTheBodysResult() {
    KvStore kv = open();
    put(kv, Space.LOCKS, "l", "v1");
    String r = kv.transact(t -> {
      assertEquals("v1", s(t.getForUpdate(Space.LOCKS, b("l"))));
      t.put(Space.ITEMS, b("i"), b("item"));
      t.put(Space.LOCKS, b("l"), b("v2"));
      t.delete(Space.QUEUE, b("absent"));
      return "done";
    });
    assertEquals("done", r);
    assertEquals("item", s(kv.get(Space.ITEMS, b("i"))));
    assertEquals("v2", s(kv.get(Space.LOCKS, b("l"))));
  }

  @Test
  void getForUpdateSeesOwnWritesButScanReadsTheStartingState() {
    KvStore kv = open();
    put(kv, Space.QINDEX, "k1", "old");
    List<String> seen = kv.transact(t -> {
      t.put(Space.QINDEX, b("k1"), b("new"));
      t.put(Space.QINDEX, b("k2"), b("added"));
      t.delete(Space.QINDEX, b("k1"));
      List<String> out = new ArrayList<>();
      out.add(String.valueOf(s(t.getForUpdate(Space.QINDEX, b("k1")))));
      out.add(s(t.getForUpdate(Space.QINDEX, b("k2"))));
      out.addAll(List.of(t.getForUpdate(Space.QINDEX, List.of(b("k2"), b("k1"), b("k3")))
          .stream().map(KvStoreContract::s).map(String::valueOf).toArray(String[]::new)));
      out.addAll(drain(t.scan(Space.QINDEX, b("k"), b("l"), false)));
      out.addAll(drain(t.scan(Space.QINDEX, b("k"), null, true)));
      return out;
    });
    assertEquals(List.of("null", "added", "added", "null", "null", "k1=old", "k1=old"), seen);
    assertNull(kv.get(Space.QINDEX, b("k1")));
    assertEquals("added", s(kv.get(Space.QINDEX, b("k2"))));
  }

  @Test
  void aThrowingBodyWritesNothingAndItsExceptionPassesThrough() {
    KvStore kv = open();
    put(kv, Space.LOCKS, "l", "v1");
    IllegalStateException boom = new IllegalStateException("boom");
    IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> kv.transact(t -> {
      t.getForUpdate(Space.LOCKS, b("l"));
      t.put(Space.ITEMS, b("k"), b("v"));
      t.put(Space.LOCKS, b("l"), b("v2"));
      throw boom;
    }));
    assertSame(boom, thrown);
    assertNull(kv.get(Space.ITEMS, b("k")));
    assertEquals("v1", s(kv.get(Space.LOCKS, b("l"))));
    assertEquals("ok", kv.transact(t -> "ok"), "the store goes on");
  }

  @Test
  void aKeyReadForUpdateAndCommittedByAnotherWriterMeanwhileFailsTheCommitWholly() throws Exception {
    KvStore kv = open();
    put(kv, Space.LOCKS, "lock", "v1");
    if (transactionsExcludeOtherCommits()) {
      // No other commit can land while a body runs: the other writer waits for the commit.
      CompletableFuture<?>[] other = new CompletableFuture<?>[1];
      kv.transact(t -> {
        assertEquals("v1", s(t.getForUpdate(Space.LOCKS, b("lock"))));
        t.put(Space.ITEMS, b("item"), b("written under v1"));
        other[0] = async(() -> put(kv, Space.LOCKS, "lock", "v2"));
        assertThrows(TimeoutException.class, () -> other[0].get(200, TimeUnit.MILLISECONDS),
            "another commit landed while a transaction body ran");
        assertEquals("v1", s(t.getForUpdate(Space.LOCKS, b("lock"))));
        return null;
      });
      other[0].get(30, TimeUnit.SECONDS);
      assertEquals("written under v1", s(kv.get(Space.ITEMS, b("item"))));
      assertEquals("v2", s(kv.get(Space.LOCKS, b("lock"))));
      return;
    }
    for (boolean byTransaction : new boolean[] {false, true}) {
      put(kv, Space.LOCKS, "lock", "v1");
      assertThrows(KvConflictException.class, () -> kv.transact(t -> {
        assertEquals("v1", s(t.getForUpdate(Space.LOCKS, b("lock"))));
        t.put(Space.ITEMS, b("item"), b("written under v1"));
        t.put(Space.LOCKS, b("lock"), b("mine"));
        join(async(() -> {
          if (byTransaction) {
            kv.transact(o -> {
              o.put(Space.LOCKS, b("lock"), b("v2"));
              return null;
            });
          } else {
            put(kv, Space.LOCKS, "lock", "v2");
          }
        }));
        return null;
      }));
      assertNull(kv.get(Space.ITEMS, b("item")), "nothing of the failed commit was written");
      assertEquals("v2", s(kv.get(Space.LOCKS, b("lock"))));
    }
  }

  @Test
  void rewritingTheSameValueStillConflicts() throws Exception {
    if (transactionsExcludeOtherCommits()) {
      return; // no conflict can happen
    }
    KvStore kv = open();
    put(kv, Space.LOCKS, "lock", "v1");
    assertThrows(KvConflictException.class, () -> kv.transact(t -> {
      t.getForUpdate(Space.LOCKS, b("lock"));
      t.put(Space.ITEMS, b("item"), b("x"));
      join(async(() -> put(kv, Space.LOCKS, "lock", "v1")));
      return null;
    }));
    assertNull(kv.get(Space.ITEMS, b("item")));
  }

  @Test
  void writesOfKeysNotReadForUpdateDoNotConflict() throws Exception {
    KvStore kv = open();
    CompletableFuture<?>[] other = new CompletableFuture<?>[1];
    String r = kv.transact(t -> {
      t.getForUpdate(Space.LOCKS, b("lock"));
      t.put(Space.ITEMS, b("item"), b("mine"));
      other[0] = async(() -> put(kv, Space.ITEMS, "item", "theirs"));
      if (!transactionsExcludeOtherCommits()) {
        join(other[0]);
      }
      return "committed";
    });
    other[0].get(30, TimeUnit.SECONDS);
    assertEquals("committed", r);
    assertEquals(transactionsExcludeOtherCommits() ? "theirs" : "mine", s(kv.get(Space.ITEMS, b("item"))),
        "the later commit wins");
  }

  @Test
  void aTransactionReadsItsStartingStateEvenAfterOthersCommit() throws Exception {
    if (transactionsExcludeOtherCommits()) {
      return; // nobody else commits while a body runs
    }
    KvStore kv = open();
    put(kv, Space.QUEUE, "a", "1");
    List<String> seen = new ArrayList<>();
    assertThrows(KvConflictException.class, () -> kv.transact(t -> {
      join(async(() -> kv.write(List.of(
          KvOp.put(Space.QUEUE, b("b"), b("2")), KvOp.put(Space.QUEUE, b("a"), b("changed"))))));
      seen.addAll(drain(t.scan(Space.QUEUE, b("a"), b("z"), false)));
      seen.add(s(t.getForUpdate(Space.QUEUE, b("a"))));
      return null;
    }), "it read 'a' for update, and 'a' changed after the transaction began");
    assertEquals(List.of("a=1", "1"), seen, "scan and getForUpdate both read the starting state");
  }

  // ------------------------------------------------------------------ transactOnLatest

  @Test
  void onLatestAKeyCommittedByAnotherWriterAfterItWasReadFailsTheCommitWholly() throws Exception {
    KvStore kv = open();
    put(kv, Space.LOCKS, "lock", "v1");
    if (transactionsExcludeOtherCommits()) {
      CompletableFuture<?>[] other = new CompletableFuture<?>[1];
      kv.transactOnLatest(t -> {
        assertEquals("v1", s(t.getForUpdate(Space.LOCKS, b("lock"))));
        t.put(Space.ITEMS, b("item"), b("written under v1"));
        other[0] = async(() -> put(kv, Space.LOCKS, "lock", "v2"));
        assertThrows(TimeoutException.class, () -> other[0].get(200, TimeUnit.MILLISECONDS),
            "another commit landed while a transaction body ran");
        return null;
      });
      other[0].get(30, TimeUnit.SECONDS);
      assertEquals("written under v1", s(kv.get(Space.ITEMS, b("item"))));
      assertEquals("v2", s(kv.get(Space.LOCKS, b("lock"))));
      return;
    }
    assertThrows(KvConflictException.class, () -> kv.transactOnLatest(t -> {
      assertEquals("v1", s(t.getForUpdate(Space.LOCKS, b("lock"))));
      t.put(Space.ITEMS, b("item"), b("written under v1"));
      t.put(Space.LOCKS, b("lock"), b("mine"));
      join(async(() -> put(kv, Space.LOCKS, "lock", "v2")));
      return null;
    }));
    assertNull(kv.get(Space.ITEMS, b("item")), "nothing of the failed commit was written");
    assertEquals("v2", s(kv.get(Space.LOCKS, b("lock"))));
  }

  /**
   * A commit that lands after the transaction began but before its read: the body may read it
   * (and commit) or read the value before it (and then must not commit), never commit on a value
   * that is no longer stored.
   */
  @Test
  void onLatestNeverCommitsOnAValueReadForUpdateThatWasReplaced() throws Exception {
    KvStore kv = open();
    put(kv, Space.LOCKS, "lock", "v1");
    String[] read = new String[1];
    CompletableFuture<?>[] other = new CompletableFuture<?>[1];
    boolean committed;
    try {
      kv.transactOnLatest(t -> {
        other[0] = async(() -> put(kv, Space.LOCKS, "lock", "v2"));
        if (!transactionsExcludeOtherCommits()) {
          join(other[0]);
        }
        read[0] = s(t.getForUpdate(Space.LOCKS, b("lock")));
        t.put(Space.ITEMS, b("item"), b("written under " + read[0]));
        return null;
      });
      committed = true;
    } catch (KvConflictException e) {
      committed = false;
    }
    other[0].get(30, TimeUnit.SECONDS);
    if (transactionsExcludeOtherCommits()) {
      assertTrue(committed);
      assertEquals("v1", read[0], "the other commit waited for this one");
      assertEquals("written under v1", s(kv.get(Space.ITEMS, b("item"))));
    } else if (committed) {
      assertEquals("v2", read[0], "committed on a replaced value");
      assertEquals("written under v2", s(kv.get(Space.ITEMS, b("item"))));
    } else {
      assertEquals("v1", read[0], "a conflict although the value read was the stored one");
      assertNull(kv.get(Space.ITEMS, b("item")));
    }
    assertEquals("v2", s(kv.get(Space.LOCKS, b("lock"))));
  }

  @Test
  void onLatestValidatesOnlyKeysReadForUpdateAndSeesItsOwnWrites() throws Exception {
    KvStore kv = open();
    put(kv, Space.LOCKS, "lock", "v1");
    CompletableFuture<?>[] other = new CompletableFuture<?>[1];
    String r = kv.transactOnLatest(t -> {
      t.getForUpdate(Space.LOCKS, b("lock"));
      t.put(Space.LOCKS, b("lock"), b("mine"));
      assertEquals("mine", s(t.getForUpdate(Space.LOCKS, b("lock"))));
      t.put(Space.ITEMS, b("item"), b("mine"));
      other[0] = async(() -> put(kv, Space.ITEMS, "item", "theirs"));
      if (!transactionsExcludeOtherCommits()) {
        join(other[0]);
      }
      return "committed";
    });
    other[0].get(30, TimeUnit.SECONDS);
    assertEquals("committed", r);
    assertEquals("mine", s(kv.get(Space.LOCKS, b("lock"))));
  }

  /** Several threads increment one counter through read-for-update and retry: none is lost. */
  @Test
  void onLatestConcurrentIncrementsEndExact() throws Exception {
    KvStore kv = open();
    put(kv, Space.LOCKS, "n", "0");
    int threads = 4;
    int each = 100;
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      all.add(async(() -> {
        for (int j = 0; j < each; j++) {
          while (true) {
            try {
              kv.transactOnLatest(t -> {
                int n = Integer.parseInt(s(t.getForUpdate(Space.LOCKS, b("n"))));
                t.put(Space.LOCKS, b("n"), b(Integer.toString(n + 1)));
                return null;
              });
              break;
            } catch (KvConflictException lost) {
              // another thread committed first: read again
            }
          }
        }
      }));
    }
    for (CompletableFuture<Void> f : all) {
      join(f);
    }
    assertEquals(Integer.toString(threads * each), s(kv.get(Space.LOCKS, b("n"))));
  }

  private static void join(CompletableFuture<?> f) {
    try {
      f.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError(e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Of transact and transactOnLatest alike, whether the body returned or threw. */
  @Test
  void anEndedTransactionRefusesUse() {
    KvStore kv = open();
    put(kv, Space.ITEMS, "k", "v");
    for (int run = 0; run < 4; run++) {
      boolean bodyThrows = run % 2 == 1;
      boolean onLatest = run >= 2;
      KvTxn[] kept = new KvTxn[1];
      KvCursor[] left = new KvCursor[2];
      Function<Function<KvTxn, Object>, Object> txn =
          onLatest ? kv::transactOnLatest : kv::transact;
      try {
        txn.apply(t -> {
          t.put(Space.ITEMS, b("k"), b("the body's"));
          kept[0] = t;
          left[0] = t.scan(Space.ITEMS, b("k"), b("l"), false);
          left[1] = t.scan(Space.ITEMS, b("k"), b("l"), false);
          assertTrue(left[1].next());
          if (bodyThrows) {
            throw new IllegalArgumentException("body failed");
          }
          return null;
        });
      } catch (IllegalArgumentException expected) {
        assertTrue(bodyThrows);
      }
      if (bodyThrows) {
        assertEquals("v", s(kv.get(Space.ITEMS, b("k"))), "nothing of a failed body was written");
      } else {
        assertEquals("the body's", s(kv.get(Space.ITEMS, b("k"))), "the body committed");
        put(kv, Space.ITEMS, "k", "v");
      }
      KvTxn t = kept[0];
      assertThrows(IllegalStateException.class, () -> t.getForUpdate(Space.ITEMS, b("k")));
      assertThrows(IllegalStateException.class, () -> t.getForUpdate(Space.ITEMS, List.of(b("k"))));
      assertThrows(IllegalStateException.class, () -> t.put(Space.ITEMS, b("k"), b("late")));
      assertThrows(IllegalStateException.class, () -> t.delete(Space.ITEMS, b("k")));
      assertThrows(IllegalStateException.class, () -> t.scan(Space.ITEMS, b("k"), b("l"), false));
      assertThrows(IllegalStateException.class, left[0]::next, "a cursor the body left open");
      assertThrows(IllegalStateException.class, left[1]::next, "a cursor the body left open");
      left[0].close();
      left[1].close();
      assertEquals("v", s(kv.get(Space.ITEMS, b("k"))), "nothing written through the ended view");
    }
  }

  // ------------------------------------------------------------------ cursors and lifecycle

  @Test
  void aClosedOrExhaustedCursorReturnsFalseAndHasNoCurrentEntry() {
    KvStore kv = open();
    put(kv, Space.ITEMS, "k1", "v");
    put(kv, Space.ITEMS, "k2", "v");
    KvCursor c = kv.scan(Space.ITEMS, b("k"), b("l"), false, 0);
    assertThrows(IllegalStateException.class, c::key, "before next()");
    assertTrue(c.next());
    assertEquals("k1", s(c.key()));
    c.close();
    c.close();
    assertFalse(c.next());
    assertThrows(IllegalStateException.class, c::value);
    KvCursor e = kv.scan(Space.ITEMS, b("k"), b("l"), true, 1);
    assertTrue(e.next());
    assertTrue(e.next());
    assertFalse(e.next());
    assertFalse(e.next());
    assertThrows(IllegalStateException.class, e::key, "after the end");
    e.close();
    kv.transact(t -> {
      KvCursor tc = t.scan(Space.ITEMS, b("k"), b("l"), false);
      assertTrue(tc.next());
      tc.close();
      assertFalse(tc.next());
      assertThrows(IllegalStateException.class, tc::key);
      return null;
    });
  }

  @Test
  void aClosedStoreRefusesEveryCallAndCloseIsIdempotent() {
    KvStore kv = open();
    put(kv, Space.ITEMS, "k1", "v");
    put(kv, Space.ITEMS, "k2", "v");
    KvCursor open = kv.scan(Space.ITEMS, b("k"), b("l"), false, 0);
    assertTrue(open.next());
    KvCursor closedFirst = kv.scan(Space.ITEMS, b("k"), b("l"), false, 0);
    closedFirst.close();
    kv.close();
    kv.close();
    assertThrows(IllegalStateException.class, () -> kv.get(Space.ITEMS, b("k1")));
    assertThrows(IllegalStateException.class, () -> kv.multiGet(Space.ITEMS, List.of(b("k1"))));
    assertThrows(IllegalStateException.class, () -> kv.write(List.of()));
    assertThrows(IllegalStateException.class, () -> kv.transact(t -> null));
    assertThrows(IllegalStateException.class, () -> kv.scan(Space.ITEMS, b("a"), b("b"), false, 0));
    assertThrows(IllegalStateException.class, open::next, "a cursor open at close");
    open.close();
    assertFalse(closedFirst.next(), "a cursor closed before stays closed");
  }

  @Test
  void closeFromInsideATransactionBodyIsRefused() {
    KvStore kv = open();
    assertThrows(IllegalStateException.class, () -> kv.transact(t -> {
      t.put(Space.ITEMS, b("k"), b("v"));
      kv.close();
      return null;
    }));
    assertNull(kv.get(Space.ITEMS, b("k")), "the store is still open and the body wrote nothing");
  }

  // ------------------------------------------------------------------ change notification

  /**
   * A store with a watch notifies every put under the prefix, by this handle and by another
   * writer, from when watch() returns; not deletes, not other prefixes or spaces; nothing after
   * the watch is closed. A store without one says so (empty) and is not tested further.
   */
  @Test
  void aWatchNotifiesPutsUnderItsPrefixByAnyWriterUntilClosed() throws Exception {
    KvStore kv = open();
    LinkedBlockingQueue<String> seen = new LinkedBlockingQueue<>();
    AtomicBoolean lost = new AtomicBoolean();
    Optional<KvWatch> w = kv.watch(Space.QINDEX, b("w/"), new KvWatch.Listener() {
      @Override
      public void put(byte[] key) {
        seen.add(s(key));
      }

      @Override
      public void lost() {
        lost.set(true);
      }
    });
    if (w.isEmpty()) {
      return;
    }
    KvStore other = kv.singleWriter() ? kv : openSecondWriter(kv);
    if (other != kv) {
      opened.add(other);
    }
    put(kv, Space.QINDEX, "w/1", "a");
    put(kv, Space.QINDEX, "x/1", "other prefix");
    put(kv, Space.QUEUE, "w/2", "other space");
    kv.write(List.of(KvOp.delete(Space.QINDEX, b("w/1"))));
    other.transact(t -> {
      t.put(Space.QINDEX, b("w/3"), b("b"));
      return null;
    });
    assertEquals("w/1", seen.poll(30, TimeUnit.SECONDS));
    assertEquals("w/3", seen.poll(30, TimeUnit.SECONDS));
    w.get().close();
    w.get().close();
    put(other, Space.QINDEX, "w/4", "after close");
    put(kv, Space.QINDEX, "w/5", "after close too");
    assertNull(seen.poll(300, TimeUnit.MILLISECONDS), "no put after close, and none of the others");
    assertFalse(lost.get(), "a watch closed by its owner is not lost");
  }

  // ------------------------------------------------------------------ capabilities

  @Test
  void commitsUpToTheDeclaredLimitsSucceed() {
    KvStore kv = open();
    assertTrue(kv.maxOpsPerCommit() >= 1, "maxOpsPerCommit " + kv.maxOpsPerCommit());
    assertTrue(kv.maxBytesPerCommit() >= 1, "maxBytesPerCommit " + kv.maxBytesPerCommit());
    int n = (int) Math.min(Math.min(kv.maxOpsPerCommit(), 512), kv.maxBytesPerCommit() / 16);
    List<KvOp> ops = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ops.add(KvOp.put(Space.ITEMS, b(String.format("w%05d", i)), b("v")));
    }
    kv.write(ops);
    kv.transact(t -> {
      for (int i = 0; i < n; i++) {
        t.put(Space.LOCKS, b(String.format("t%05d", i)), b("v"));
      }
      return null;
    });
    assertEquals(n, drain(kv.scan(Space.ITEMS, b("w"), b("x"), false, 0)).size());
    assertEquals(n, drain(kv.scan(Space.LOCKS, b("t"), b("u"), false, 0)).size());
  }

  @Test
  void aSingleWriterRefusesASecondWriterAndASharedStoreSharesItsData() {
    KvStore kv = open();
    boolean single = kv.singleWriter();
    assertEquals(single, kv.singleWriter(), "a property of the store, stable");
    put(kv, Space.ITEMS, "k", "first");
    if (single) {
      assertThrows(RuntimeException.class, () -> {
        KvStore second = openSecondWriter(kv);
        opened.add(second);
      });
      assertEquals("first", s(kv.get(Space.ITEMS, b("k"))), "the refused writer changed nothing");
    } else {
      KvStore second = openSecondWriter(kv);
      opened.add(second);
      assertEquals("first", s(second.get(Space.ITEMS, b("k"))));
      put(second, Space.ITEMS, "k", "second");
      assertEquals("second", s(kv.get(Space.ITEMS, b("k"))));
    }
  }
}
