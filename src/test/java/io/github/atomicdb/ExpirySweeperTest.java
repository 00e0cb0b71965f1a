package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.contract.ContractTypes;
import io.github.atomicdb.contract.TestClock;
import io.github.atomicdb.internal.MemoryKv;
import io.github.atomicdb.spi.Engines;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.KvTxn;
import io.github.atomicdb.spi.Space;
import io.github.atomicdb.spi.TypeRegistry;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Engines.sweepExpired over a memory store: bounded rounds that go on where the last stopped,
 * expired items and locks deleted, live ones kept, and a key written again between a round's
 * read and its delete kept too.
 */
class ExpirySweeperTest {
  /** A memory store that runs {@code beforeCommit} once, just before the next transaction. */
  static final class Racing extends ForwardingKv {
    Runnable beforeCommit;

    Racing() {
      super(new MemoryKv());
    }

    @Override
    public <T> T transact(Function<KvTxn, T> body) {
      Runnable r = beforeCommit;
      beforeCommit = null;
      if (r != null) {
        r.run();
      }
      return inner.transact(body);
    }
  }

  private static long count(KvStore kv, Space space) {
    long n = 0;
    try (KvCursor c = kv.scan(space, new byte[0], null, false, 0)) {
      while (c.next()) {
        n++;
      }
    }
    return n;
  }

  @Test
  void roundsAreBoundedAndRemoveExactlyTheExpiredItemsAndLocks() {
    TestClock clock = new TestClock();
    Racing kv = new Racing();
    TypeRegistry types = new TypeRegistry();
    ContractTypes.registerAll(types::register);
    try (AtomicDb db = Engines.open("sweep", kv, clock, types)) {
      for (int i = 0; i < 20; i++) {
        db.set(new Item("p", String.format("k%02d", i), i, i % 4 == 0 ? null : clock.seconds() + 10));
      }
      db.getLock(ItemKey.of("p", "k00"));
      clock.advance(Duration.ofSeconds(11));
      assertEquals(0, Engines.sweepExpired(db, 2), "round 1 reads k00 (no ttl) and the lock (live)");
      assertEquals(1, Engines.sweepExpired(db, 2), "round 2 reads k01");
      assertEquals(19, count(kv, Space.ITEMS));
      int removed = 1;
      for (int round = 0; round < 20; round++) {
        removed += Engines.sweepExpired(db, 2);
      }
      assertEquals(15, removed, "every expired item once");
      assertEquals(5, count(kv, Space.ITEMS));
      assertEquals(1, count(kv, Space.LOCKS));
      clock.advance(Duration.ofHours(25));
      assertEquals(1, Engines.sweepExpired(db, 100), "the lock, now past its 24 h");
      assertEquals(0, count(kv, Space.LOCKS));
      assertEquals(5, count(kv, Space.ITEMS));
      assertThrows(IllegalArgumentException.class, () -> Engines.sweepExpired(db, 1));
    }
  }

  @Test
  void aKeyWrittenAgainBetweenTheReadAndTheDeleteStays() {
    TestClock clock = new TestClock();
    Racing kv = new Racing();
    TypeRegistry types = new TypeRegistry();
    ContractTypes.registerAll(types::register);
    try (AtomicDb db = Engines.open("sweep", kv, clock, types)) {
      db.set(new Item("p", "a", "old", clock.seconds() + 1));
      db.set(new Item("p", "b", "old", clock.seconds() + 1));
      clock.advance(Duration.ofSeconds(5));
      kv.beforeCommit = () -> db.set(new Item("p", "a", "new", clock.seconds() + 3600));
      assertEquals(1, Engines.sweepExpired(db, 100), "only b: a was set again after the round read it");
      assertEquals("new", db.get(ItemKey.of("p", "a")).orElseThrow().data());
      assertTrue(db.get(ItemKey.of("p", "b")).isEmpty());
      assertEquals(1, count(kv, Space.ITEMS));
    }
  }

  @Test
  void onlyStoresOpenedByEnginesCanBeSweptAndNotAfterClose() {
    AtomicDb memory = AtomicMemoryDb.builder().build();
    assertThrows(IllegalArgumentException.class, () -> Engines.sweepExpired(memory, 10));
    memory.close();
    AtomicDb db = Engines.open("sweep", new MemoryKv(), new TestClock(), new TypeRegistry());
    db.close();
    assertThrows(IllegalStateException.class, () -> Engines.sweepExpired(db, 10));
  }
}
