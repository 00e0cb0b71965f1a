package io.github.atomicdb.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.contract.ContractTypes;
import io.github.atomicdb.contract.TestClock;
import io.github.atomicdb.spi.Engines;
import io.github.atomicdb.spi.TypeRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Expired items and lock records leave etcd: counted with raw range reads of the namespace's
 * item and lock keys, next to live records that must stay.
 */
class EtcdExpirySweepTest {
  @RegisterExtension static final EtcdClusterExtension etcd = new EtcdClusterExtension(1);
  private static Client raw;
  private static int namespaces;

  @BeforeAll
  static void startCluster() {
    raw = Client.builder().endpoints(etcd.cluster().endpoints().toArray(String[]::new)).build();
  }

  @AfterAll
  static void stopCluster() {
    raw.close();
  }

  /** How many keys of {@code space} ('i' items, 'l' locks) the namespace holds in etcd. */
  private static long count(String namespace, char space) throws Exception {
    ByteSequence prefix = ByteSequence.from("atomicdb/" + namespace + "/" + space, StandardCharsets.US_ASCII);
    return raw.getKVClient().get(prefix, GetOption.builder().isPrefix(true).withCountOnly(true).build())
        .get(10, TimeUnit.SECONDS).getCount();
  }

  @Test
  void theBackgroundSweepRemovesExpiredItemsAndLocksAndKeepsLiveOnes() throws Exception {
    String ns = "sweep-" + namespaces++;
    TestClock clock = new TestClock();
    AtomicEtcdDb.Builder b = AtomicEtcdDb.builder(etcd.cluster().endpoints().toArray(String[]::new))
        .namespace(ns)
        .clock(clock)
        .expirySweep(Duration.ofMillis(50), 40);
    ContractTypes.registerAll(b::register);
    try (AtomicDb db = b.open()) {
      long now = clock.seconds();
      for (int i = 0; i < 30; i++) {
        db.set(new Item("p", "short" + i, "x", now + 60));
      }
      db.set(new Item("p", "forever", "x", null));
      db.set(new Item("p", "later", "x", now + 3 * 24 * 3600));
      db.getLock(new ItemKey("p", "short0"));
      db.getLock(new ItemKey("p", "forever"));
      assertEquals(32, count(ns, 'i'));
      assertEquals(2, count(ns, 'l'));
      clock.advance(Duration.ofHours(25)); // past the items' ttl and the locks' 24 h
      assertTrue(db.get(new ItemKey("p", "short1")).isEmpty(), "invisible at once");
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (count(ns, 'i') > 2 || count(ns, 'l') > 0) {
        assertTrue(System.nanoTime() < until, "still " + count(ns, 'i') + " items and " + count(ns, 'l')
            + " locks in etcd after 30 s");
        Thread.sleep(20);
      }
      assertEquals("x", db.get(new ItemKey("p", "forever")).orElseThrow().data());
      assertEquals("x", db.get(new ItemKey("p", "later")).orElseThrow().data());
    }
  }

  @Test
  void aRoundIsBoundedAndTwoProcessesSweepingAtOnceLeaveExactlyTheLiveRecords() throws Exception {
    String ns = "sweep-" + namespaces++;
    TestClock clock = new TestClock();
    AtomicDb a = engine(ns, clock);
    AtomicDb b = engine(ns, clock);
    try {
      long now = clock.seconds();
      List<Item> batch = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        batch.add(new Item("q", String.format("k%04d", i), i, i % 10 == 0 ? null : now + 1));
        if (batch.size() == 100) {
          a.set(batch);
          batch.clear();
        }
      }
      clock.advance(Duration.ofSeconds(5));
      int first = Engines.sweepExpired(a, 100);
      assertTrue(first > 0 && first <= 50, "one round of 100 records (50 items) removed " + first);
      assertEquals(300 - first, count(ns, 'i'));
      List<CompletableFuture<Integer>> sweeps = new ArrayList<>();
      for (AtomicDb db : List.of(a, b)) {
        sweeps.add(CompletableFuture.supplyAsync(() -> {
          int removed = 0;
          for (int round = 0; round < 20; round++) {
            removed += Engines.sweepExpired(db, 60);
          }
          return removed;
        }));
      }
      int more = 0;
      for (CompletableFuture<Integer> f : sweeps) {
        more += f.get(120, TimeUnit.SECONDS);
      }
      assertEquals(30, count(ns, 'i'), "the 30 items without ttl stay, every expired one is gone");
      assertEquals(270, first + more, "each expired record deleted once, whichever process did it");
      for (int i = 0; i < 300; i += 10) {
        assertEquals(i, a.get(new ItemKey("q", String.format("k%04d", i))).orElseThrow().data());
      }
      assertThrows(IllegalArgumentException.class, () -> Engines.sweepExpired(a, 1));
    } finally {
      a.close();
      b.close();
    }
    assertThrows(IllegalStateException.class, () -> Engines.sweepExpired(a, 10));
  }

  private static AtomicDb engine(String ns, TestClock clock) {
    TypeRegistry types = new TypeRegistry();
    ContractTypes.registerAll(types::register);
    return Engines.open("sweep " + ns, EtcdKv.open(etcd.cluster().endpoints(), ns, EtcdKv.Settings.defaults()), clock, types);
  }
}
