package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.contract.TestClock;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.Space;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * AtomicMemoryDb removes expired items and lock records as it is written (the memory store's
 * counterpart of RocksDB's compaction filter, see LockRemovalTest): locks taken and never used
 * and items that expired are gone after enough writes; live ones stay and still lock.
 */
class MemoryExpiryTest {
  private static long raw(AtomicMemoryDb db, Space space) {
    long n = 0;
    try (KvCursor c = db.kv.scan(space, new byte[0], null, false, Integer.MAX_VALUE)) {
      while (c.next()) {
        n++;
      }
    }
    return n;
  }

  @Test
  void writesSweepExpiredItemsAndLocksAndKeepLiveOnes() {
    TestClock clock = new TestClock(1_800_000_000_000L);
    AtomicMemoryDb db = AtomicMemoryDb.builder().clock(clock).build();
    for (int i = 0; i < 5000; i++) {
      db.getLock(ItemKey.of("unused", "k" + i));
    }
    for (int i = 0; i < 1000; i++) {
      ItemKey k = ItemKey.of("expiring", "k" + i);
      db.setAtomic(Item.of(k.pk(), k.sk(), i).withTtl(clock.seconds() + 3600), db.getLock(k));
    }
    assertEquals(6000, raw(db, Space.LOCKS));
    assertEquals(1000, raw(db, Space.ITEMS));

    clock.advanceSeconds(3 * 24 * 3600); // three days: every lock and item above has expired
    List<ItemLock> live = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      live.add(db.getLock(ItemKey.of("live", "k" + i)));
      db.set(Item.of("kept", "k" + i, i));
    }
    // A round per 64 writes reads 64 locks: 6,010 lock records need about 6,010 writes.
    for (int i = 0; i < 7000; i++) {
      db.set(Item.of("busy", "one", i));
    }
    assertEquals(11, raw(db, Space.ITEMS), "expired items removed; 'kept' and 'busy' stay");
    assertEquals(10, raw(db, Space.LOCKS), "expired locks removed, live ones kept");
    for (ItemLock l : live) {
      db.setAtomic(Item.of(l.pk(), l.sk(), "ok"), l); // still valid after the sweep
    }
    assertEquals("ok", db.get(ItemKey.of("live", "k3")).orElseThrow().data());
    db.close();
  }

  @Test
  void aSweepRoundNeverRemovesWhatIsLive() {
    TestClock clock = new TestClock(1_800_000_000_000L);
    AtomicMemoryDb db = AtomicMemoryDb.builder().clock(clock).build();
    for (int i = 0; i < 300; i++) {
      db.set(Item.of("p", "k" + i, i).withTtl(clock.seconds() + 10 + i));
    }
    clock.advanceSeconds(160); // k0..k149 expired (ttl < now), k150.. live
    int removed = 0;
    for (int round = 0; round < 10; round++) {
      removed += db.sweepRound();
    }
    assertEquals(150, removed);
    assertEquals(150, raw(db, Space.ITEMS));
    assertTrue(db.get(ItemKey.of("p", "k150")).isPresent());
    db.close();
  }
}
