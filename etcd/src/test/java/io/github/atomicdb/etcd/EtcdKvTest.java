package io.github.atomicdb.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.github.atomicdb.AtomicDbException;
import io.github.atomicdb.spi.KvConflictException;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.KvOutcomeUnknownException;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.Space;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * EtcdKv against a real 1-member etcd, beyond the SPI contract (EtcdKvContractTest): conflicts
 * on absent keys, snapshots pinned after the first read, concurrent writers of one key, batched
 * validated reads past one etcd txn, then what is etcd's own: namespaces, paging, commit limits,
 * compaction, and failures (unreachable, frozen member).
 */
class EtcdKvTest {
  @RegisterExtension static final EtcdClusterExtension etcd = new EtcdClusterExtension(1);
  private static final AtomicInteger NS = new AtomicInteger();
  private final List<KvStore> opened = new ArrayList<>();

  private static String freshNamespace() {
    return "kvtest-" + NS.incrementAndGet();
  }

  private EtcdKv etcd(String namespace, EtcdKv.Settings settings) {
    EtcdKv kv = EtcdKv.open(etcd.cluster().endpoints(), namespace, settings);
    opened.add(kv);
    return kv;
  }

  private EtcdKv etcd() {
    return etcd(freshNamespace(), EtcdKv.Settings.defaults());
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

  // ------------------------------------------------------------------ transactions

  @Test
  void anAbsentKeyReadForUpdateConflictsWithItsCreation() {
    KvStore kv = etcd();
    assertThrows(KvConflictException.class, () -> kv.transact(t -> {
      assertNull(t.getForUpdate(Space.LOCKS, b("new")));
      t.put(Space.LOCKS, b("new"), b("mine"));
      kv.write(List.of(KvOp.put(Space.LOCKS, b("new"), b("theirs"))));
      return null;
    }));
    assertEquals("theirs", s(kv.get(Space.LOCKS, b("new"))));
    kv.transact(t -> {
      assertEquals("theirs", s(t.getForUpdate(Space.LOCKS, b("new"))));
      t.delete(Space.LOCKS, b("new"));
      return null;
    });
    assertNull(kv.get(Space.LOCKS, b("new")));
  }

  @Test
  void transactionReadsItsSnapshotEvenAfterOthersCommit() {
    KvStore kv = etcd();
    kv.write(List.of(KvOp.put(Space.QUEUE, b("a"), b("1"))));
    List<String> seen = new ArrayList<>();
    assertThrows(KvConflictException.class, () -> kv.transact(t -> {
      seen.add(s(t.getForUpdate(Space.QUEUE, b("zz")))); // fixes the snapshot
      kv.write(List.of(KvOp.put(Space.QUEUE, b("b"), b("2")), KvOp.put(Space.QUEUE, b("a"), b("changed"))));
      seen.addAll(keys(t.scan(Space.QUEUE, b("a"), b("z"), false)));
      seen.add(s(t.getForUpdate(Space.QUEUE, b("a"))));
      t.put(Space.QUEUE, b("c"), b("3"));
      return null;
    }), "it read 'a' for update, and 'a' changed after its snapshot");
    assertEquals(Arrays.asList(null, "a=1", "1"), seen, "scan and getForUpdate both read the snapshot");
    assertNull(kv.get(Space.QUEUE, b("c")));
  }

  @Test
  void concurrentTransactionsOnOneKeyHaveExactlyOneWinnerPerRound() throws Exception {
    KvStore kv = etcd();
    kv.write(List.of(KvOp.put(Space.ITEMS, b("counter"), b("0"))));
    int threads = 4;
    int perThread = 10;
    List<CompletableFuture<Integer>> all = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      all.add(CompletableFuture.supplyAsync(() -> {
        int conflicts = 0;
        for (int done = 0; done < perThread; ) {
          try {
            kv.transact(t -> {
              int v = Integer.parseInt(s(t.getForUpdate(Space.ITEMS, b("counter"))));
              t.put(Space.ITEMS, b("counter"), b(Integer.toString(v + 1)));
              return null;
            });
            done++;
          } catch (KvConflictException e) {
            conflicts++;
          }
        }
        return conflicts;
      }));
    }
    for (CompletableFuture<Integer> f : all) {
      f.get(60, TimeUnit.SECONDS);
    }
    assertEquals(Integer.toString(threads * perThread), s(kv.get(Space.ITEMS, b("counter"))));
  }

  @Test
  void batchedGetForUpdateReadsManyKeysAtTheSnapshotAndValidatesEachOfThem() {
    EtcdKv kv = etcd();
    List<KvOp> ops = new ArrayList<>();
    List<byte[]> keys = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      if (i % 2 == 0 && ops.size() < 100) {
        ops.add(KvOp.put(Space.LOCKS, b("k" + i), b("v" + i)));
      }
      keys.add(b("k" + i));
    }
    kv.write(ops);
    List<String> got = kv.transact(t -> { // reads only: nothing to commit, no limit on reads
      t.getForUpdate(Space.LOCKS, b("k2"));
      return t.getForUpdate(Space.LOCKS, keys).stream().map(EtcdKvTest::s).toList();
    });
    assertEquals(200, got.size());
    for (int i = 0; i < 200; i++) {
      assertEquals(i % 2 == 0 ? "v" + i : null, got.get(i), "k" + i);
    }
    assertEquals(Arrays.asList("own", "v2"), kv.transact(t -> {
      t.put(Space.LOCKS, b("k1"), b("own"));
      return t.getForUpdate(Space.LOCKS, List.of(b("k1"), b("k2"))).stream().map(EtcdKvTest::s).toList();
    }));
    IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class, () -> kv.transact(t -> {
      t.getForUpdate(Space.LOCKS, keys);
      t.put(Space.ITEMS, b("x"), b("y"));
      return null;
    }));
    assertTrue(tooMany.getMessage().contains("200 keys checked"), tooMany.getMessage());
    assertEquals(List.of(), kv.transact(t -> t.getForUpdate(Space.LOCKS, List.of())));
    // Every key of the batch is validated: a change to the last one (absent when read) conflicts.
    assertThrows(KvConflictException.class, () -> kv.transact(t -> {
      t.getForUpdate(Space.LOCKS, keys.subList(0, 120));
      t.put(Space.ITEMS, b("x"), b("y"));
      kv.write(List.of(KvOp.put(Space.LOCKS, b("k119"), b("created"))));
      return null;
    }));
    assertNull(kv.get(Space.ITEMS, b("x")));
  }

  // ------------------------------------------------------------------ etcd's own

  @Test
  void namespacesDoNotSeeEachOtherEvenWhenOneNameIsAPrefixOfTheOther() {
    EtcdKv a = etcd("ns-a", EtcdKv.Settings.defaults());
    EtcdKv ab = etcd("ns-ab", EtcdKv.Settings.defaults());
    a.write(List.of(KvOp.put(Space.ITEMS, b("k"), b("in a"))));
    ab.write(List.of(KvOp.put(Space.ITEMS, b("k"), b("in ab")), KvOp.put(Space.LOCKS, b(""), b("lock"))));
    assertEquals("in a", s(a.get(Space.ITEMS, b("k"))));
    assertEquals("in ab", s(ab.get(Space.ITEMS, b("k"))));
    assertEquals(List.of("k=in a"), keys(a.scan(Space.ITEMS, b(""), b("\u00ff"), false, 0)));
    assertEquals(List.of("k=in a"), keys(a.scan(Space.ITEMS, b(""), null, true, 0)));
    assertEquals(List.of(), keys(a.scan(Space.LOCKS, b(""), null, false, 0)));
    assertEquals(List.of("=lock"), keys(ab.scan(Space.LOCKS, b(""), null, false, 0)));
  }

  @Test
  void badNamespacesAndEndpointsAreRefusedByName() {
    for (String bad : List.of("", "a/b", "a b", "ü", "x".repeat(129))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> EtcdKv.open(etcd.cluster().endpoints(), bad, EtcdKv.Settings.defaults()), bad);
      assertTrue(e.getMessage().startsWith("namespace"), e.getMessage());
    }
    assertThrows(NullPointerException.class, () -> EtcdKv.open(etcd.cluster().endpoints(), null, EtcdKv.Settings.defaults()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EtcdKv.open(List.of("127.0.0.1:2379"), "x", EtcdKv.Settings.defaults()));
    assertTrue(e.getMessage().contains("http://host:port"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> EtcdKv.open(List.of(), "x", EtcdKv.Settings.defaults()));
  }

  @Test
  void scansAndMultiGetsPageThroughMoreThanOneResponseAtOneRevision() {
    EtcdKv kv = etcd();
    int n = 2 * EtcdKv.PAGE + 44; // more than two pages
    List<String> expected = new ArrayList<>();
    for (int start = 0; start < n; start += 100) {
      List<KvOp> ops = new ArrayList<>();
      for (int i = start; i < Math.min(n, start + 100); i++) {
        String k = String.format("k%05d", i);
        ops.add(KvOp.put(Space.QUEUE, b(k), b("v" + i)));
        expected.add(k + "=v" + i);
      }
      kv.write(ops);
    }
    KvCursor c = kv.scan(Space.QUEUE, b("k"), b("l"), false, 5);
    assertTrue(c.next());
    kv.write(List.of(KvOp.put(Space.QUEUE, b("k00400"), b("later")), KvOp.delete(Space.QUEUE, b("k00500"))));
    List<String> asc = new ArrayList<>();
    asc.add(s(c.key()) + "=" + s(c.value()));
    asc.addAll(keys(c));
    assertEquals(expected, asc, "later pages read the first page's revision");

    List<String> desc = keys(kv.scan(Space.QUEUE, b("k"), b("l"), true, 0));
    assertEquals(n - 1, desc.size());
    assertEquals(String.format("k%05d=v%d", n - 1, n - 1), desc.get(0));
    assertEquals("k00000=v0", desc.get(desc.size() - 1));
    assertTrue(desc.contains("k00400=later"));

    List<byte[]> keys = new ArrayList<>();
    for (int i = 0; i < 270; i++) { // three read-only txns of at most 128 gets
      keys.add(b(String.format("k%05d", i * 2)));
    }
    List<byte[]> got = kv.multiGet(Space.QUEUE, keys);
    assertEquals(270, got.size());
    for (int i = 0; i < 270; i++) {
      assertEquals(i * 2 == 500 ? null : i * 2 == 400 ? "later" : "v" + (i * 2), s(got.get(i)), "key " + i * 2);
    }
  }

  @Test
  void commitsBeyondEtcdsLimitsAreRefusedBeforeWritingAndDuplicateKeysCollapse() {
    EtcdKv kv = etcd();
    assertEquals(new EtcdKv.Limits(128, 1536 * 1024 - 1024), kv.limits());
    List<KvOp> many = new ArrayList<>();
    for (int i = 0; i < 129; i++) {
      many.add(KvOp.put(Space.ITEMS, b("k" + i), b("v")));
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kv.write(many));
    assertTrue(e.getMessage().contains("129 keys written") && e.getMessage().contains("--max-txn-ops"), e.getMessage());
    assertNull(kv.get(Space.ITEMS, b("k0")));

    List<KvOp> same = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      same.add(KvOp.put(Space.ITEMS, b("same"), b("v" + i)));
    }
    same.add(KvOp.delete(Space.ITEMS, b("gone")));
    kv.write(same);
    assertEquals("v299", s(kv.get(Space.ITEMS, b("same"))), "last write wins");

    byte[] big = new byte[1536 * 1024];
    e = assertThrows(IllegalArgumentException.class,
        () -> kv.transact(t -> {
          t.getForUpdate(Space.ITEMS, b("same"));
          t.put(Space.ITEMS, b("big"), big);
          return null;
        }));
    assertTrue(e.getMessage().contains("--max-request-bytes"), e.getMessage());
    assertNull(kv.get(Space.ITEMS, b("big")));

    byte[] fits = new byte[1400 * 1024];
    kv.write(List.of(KvOp.put(Space.ITEMS, b("fits"), fits)));
    assertEquals(fits.length, kv.get(Space.ITEMS, b("fits")).length);
  }

  @Test
  void aTransactionWhoseSnapshotWasCompactedIsAConflict() throws Exception {
    String ns = freshNamespace();
    // Written by another client: kv has not cached "a", so its first getForUpdate reads etcd and
    // fixes the snapshot that the compaction below removes.
    etcd(ns, EtcdKv.Settings.defaults()).write(List.of(KvOp.put(Space.LOCKS, b("a"), b("1"))));
    EtcdKv kv = etcd(ns, EtcdKv.Settings.defaults());
    try (Client raw = Client.builder().endpoints(etcd.cluster().endpoints().toArray(String[]::new)).build()) {
      KvConflictException e = assertThrows(KvConflictException.class, () -> kv.transact(t -> {
        t.getForUpdate(Space.LOCKS, b("a"));
        try {
          long rev = raw.getKVClient().put(ByteSequence.from(b("unrelated")), ByteSequence.from(b("x")))
              .get(10, TimeUnit.SECONDS).getHeader().getRevision();
          raw.getKVClient().compact(rev).get(10, TimeUnit.SECONDS);
        } catch (Exception ex) {
          throw new AssertionError(ex);
        }
        t.getForUpdate(Space.LOCKS, b("b"));
        return null;
      }));
      assertTrue(e.getMessage().contains("compacted"), e.getMessage());
    }
  }

  @Test
  void anUnreachableClusterIsAClearErrorWithinTheDeadline() {
    EtcdKv.Settings quick = new EtcdKv.Settings(Duration.ofMillis(500), Duration.ofSeconds(2), 128, 1536 * 1024);
    long t0 = System.nanoTime();
    AtomicDbException e = assertThrows(AtomicDbException.class,
        () -> EtcdKv.open(List.of("http://127.0.0.1:1"), "x", quick));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertTrue(e.getMessage().contains("cannot open etcd namespace \"x\"")
        && e.getMessage().contains("within 2000 ms"), e.getMessage());
    assertTrue(ms < 5000, "gave up after " + ms + " ms");
  }

  @Test
  void aFrozenClusterGivesOutcomeUnknownForWritesAndATimeoutForReads() {
    EtcdKv.Settings quick = new EtcdKv.Settings(Duration.ofMillis(500), Duration.ofSeconds(2), 128, 1536 * 1024);
    EtcdKv kv = etcd(freshNamespace(), quick);
    kv.write(List.of(KvOp.put(Space.ITEMS, b("k"), b("before"))));
    etcd.cluster().pause(0);
    try {
      KvOutcomeUnknownException w = assertThrows(KvOutcomeUnknownException.class,
          () -> kv.write(List.of(KvOp.put(Space.ITEMS, b("k"), b("during")))));
      assertTrue(w.getMessage().contains("outcome unknown"), w.getMessage());
      assertThrows(KvOutcomeUnknownException.class, () -> kv.transact(t -> {
        t.put(Space.ITEMS, b("k2"), b("during"));
        return null;
      }));
      AtomicDbException r = assertThrows(AtomicDbException.class, () -> kv.get(Space.ITEMS, b("k")));
      assertTrue(r.getMessage().contains("did not complete get within 2000 ms"), r.getMessage());
    } finally {
      etcd.cluster().resume(0);
    }
    etcd.cluster().awaitHealthy(0);
    kv.write(List.of(KvOp.put(Space.ITEMS, b("k"), b("after"))));
    assertEquals("after", s(kv.get(Space.ITEMS, b("k"))));
  }

  @Test
  void aNamespaceOfANewerFormatIsRefused() throws Exception {
    String ns = freshNamespace();
    try (Client raw = Client.builder().endpoints(etcd.cluster().endpoints().toArray(String[]::new)).build()) {
      raw.getKVClient().put(ByteSequence.from(b("atomicdb/" + ns + "/mformat")), ByteSequence.from(b("2")))
          .get(10, TimeUnit.SECONDS);
    }
    AtomicDbException e = assertThrows(AtomicDbException.class,
        () -> EtcdKv.open(etcd.cluster().endpoints(), ns, EtcdKv.Settings.defaults()));
    assertTrue(e.getMessage().contains("holds format 2"), e.getMessage());
    etcd(freshNamespace(), EtcdKv.Settings.defaults()).close(); // a fresh one opens
  }
}
