package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.atomicdb.contract.TestClock;
import io.github.atomicdb.internal.RocksKv;
import io.github.atomicdb.spi.Space;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lock records do not outlive their expiry on disk: compaction removes expired locks (locks
 * taken and never used, and locks of items that expired) as it removes expired items, and keeps
 * live ones. Compaction reads the wall clock, so the store's clock is set three days back.
 */
class LockRemovalTest {
  @TempDir Path dir;

  @Test
  void compactionRemovesExpiredLocksAndKeepsLiveOnes() {
    long threeDaysAgo = System.currentTimeMillis() - 3 * 24 * 3600_000L;
    TestClock past = new TestClock(threeDaysAgo);
    try (AtomicRocksDb db = AtomicRocksDb.builder(dir).clock(past).open()) {
      for (int i = 0; i < 5000; i++) {
        db.getLock(ItemKey.of("unused", "k" + i));
      }
      for (int i = 0; i < 1000; i++) {
        ItemKey k = ItemKey.of("expiring", "k" + i);
        db.setAtomic(Item.of(k.pk(), k.sk(), i).withTtl(past.seconds() + 3600), db.getLock(k));
      }
      assertEquals(6000, db.rawCount(Space.LOCKS));
    }
    List<ItemLock> live = new ArrayList<>();
    try (AtomicRocksDb db = AtomicRocksDb.open(dir)) { // the wall clock
      for (int i = 0; i < 10; i++) {
        live.add(db.getLock(ItemKey.of("live", "k" + i)));
      }
      RocksKv kv = (RocksKv) db.kv;
      kv.flushAndCompact(Space.ITEMS);
      kv.flushAndCompact(Space.LOCKS);
      assertEquals(0, db.rawCount(Space.ITEMS), "expired items removed");
      assertEquals(10, db.rawCount(Space.LOCKS), "expired locks removed, live ones kept");
      for (ItemLock l : live) {
        db.setAtomic(Item.of(l.pk(), l.sk(), "ok"), l); // still valid after compaction
      }
    }
  }
}
