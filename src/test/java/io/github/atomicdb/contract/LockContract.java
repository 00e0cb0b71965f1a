package io.github.atomicdb.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.ItemLock;
import io.github.atomicdb.Query;
import io.github.atomicdb.RaceConditionException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Optimistic locking: getLock create/refresh, setAtomic all-or-nothing, races. */
public interface LockContract extends ContractFixture {

  private static ItemKey k(String pk, String sk) {
    return ItemKey.of(pk, sk);
  }

  @Test
  default void seedFlowReadLockWrite() {
    ItemKey key = k("account#1", "balance");
    db().set(Item.of("account#1", "balance", 100));
    ItemLock lock = db().getLock(key);
    int balance = db().get(key).orElseThrow().data(Integer.class);
    db().setAtomic(Item.of("account#1", "balance", balance - 30), lock);
    assertEquals(70, db().get(key).orElseThrow().data());
    // the old lock is now stale
    assertThrows(RaceConditionException.class,
        () -> db().setAtomic(Item.of("account#1", "balance", 0), lock));
    assertEquals(70, db().get(key).orElseThrow().data());
  }

  @Test
  default void getLockCreatesWith24hTtlAndReturnsSameVersion() {
    ItemKey key = k("l", "1");
    ItemLock a = db().getLock(key);
    assertEquals("l", a.pk());
    assertEquals("1", a.sk());
    assertEquals(key, a.key());
    assertEquals(clock().seconds() + 24 * 3600, a.ttl());
    clock().advanceSeconds(3600);
    ItemLock b = db().getLock(key);
    assertEquals(a, b, "an unexpired lock with more than 1 h left is returned as is");
  }

  @Test
  default void getLockRefreshesWhenLessThanOneHourLeft() {
    ItemKey key = k("l", "refresh");
    ItemLock a = db().getLock(key);
    clock().advanceSeconds(23 * 3600); // exactly 1 h left: kept
    assertEquals(a, db().getLock(key));
    clock().advanceSeconds(1); // 1 h - 1 s left: refreshed
    ItemLock b = db().getLock(key);
    assertNotEquals(a.version(), b.version());
    assertEquals(clock().seconds() + 24 * 3600, b.ttl());
    assertThrows(RaceConditionException.class, () -> db().setAtomic(Item.of("l", "refresh", 1), a));
    db().setAtomic(Item.of("l", "refresh", 1), b);
  }

  @Test
  default void expiredLockIsReplacedAndRefused() {
    ItemKey key = k("l", "exp");
    ItemLock a = db().getLock(key);
    clock().advanceSeconds(24 * 3600 + 1);
    assertThrows(RaceConditionException.class, () -> db().setAtomic(Item.of("l", "exp", 1), a));
    assertTrue(db().get(key).isEmpty());
    ItemLock b = db().getLock(key);
    assertNotEquals(a.version(), b.version());
  }

  @Test
  default void setAtomicGivesEveryLockANewVersion() {
    ItemLock a = db().getLock(k("t", "a"));
    ItemLock b = db().getLock(k("t", "b"));
    db().setAtomic(List.of(Item.of("t", "a", 1), Item.of("t", "b", 2)), List.of(a, b));
    ItemLock a2 = db().getLock(k("t", "a"));
    ItemLock b2 = db().getLock(k("t", "b"));
    assertNotEquals(a.version(), a2.version());
    assertNotEquals(b.version(), b2.version());
    assertEquals(2, db().query(Query.of("t")).size());
  }

  @Test
  default void setAtomicIsAllOrNothing() {
    db().set(List.of(Item.of("t", "a", 1), Item.of("t", "b", 1)));
    ItemLock a = db().getLock(k("t", "a"));
    ItemLock b = db().getLock(k("t", "b"));
    db().setAtomic(Item.of("t", "b", 2), b); // b is now stale
    RaceConditionException e = assertThrows(RaceConditionException.class,
        () -> db().setAtomic(List.of(Item.of("t", "a", 10), Item.of("t", "b", 10)), List.of(a, b)));
    assertTrue(e.getMessage().contains("'b'"), e.getMessage());
    assertEquals(1, db().get(k("t", "a")).orElseThrow().data(), "a not written");
    assertEquals(2, db().get(k("t", "b")).orElseThrow().data());
    assertEquals(a, db().getLock(k("t", "a")), "a's lock untouched");
  }

  @Test
  default void setAtomicLocksMayGuardOtherKeys() {
    // A transfer guarded by the locks of both accounts, writing both plus a log item.
    db().set(List.of(Item.of("acct", "x", 100), Item.of("acct", "y", 0)));
    ItemLock lx = db().getLock(k("acct", "x"));
    ItemLock ly = db().getLock(k("acct", "y"));
    db().setAtomic(List.of(Item.of("acct", "x", 60), Item.of("acct", "y", 40)), List.of(lx, ly));
    assertEquals(List.of(60, 40), db().query(Query.of("acct")).stream().map(Item::data).toList());
  }

  @Test
  default void setAtomicRefusesBadArguments() {
    ItemLock a = db().getLock(k("t", "a"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> db().setAtomic(List.of(Item.of("t", "a", 1), Item.of("t", "b", 1)), List.of(a)));
    assertTrue(e.getMessage().contains("same length"), e.getMessage());
    IllegalArgumentException dupItem = assertThrows(IllegalArgumentException.class,
        () -> db().setAtomic(List.of(Item.of("t", "a", 1), Item.of("t", "a", 2)), List.of(a, db().getLock(k("t", "b")))));
    assertTrue(dupItem.getMessage().contains("twice"), dupItem.getMessage());
    IllegalArgumentException dupLock = assertThrows(IllegalArgumentException.class,
        () -> db().setAtomic(List.of(Item.of("t", "a", 1), Item.of("t", "b", 2)), List.of(a, a)));
    assertTrue(dupLock.getMessage().contains("twice"), dupLock.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> db().setAtomic(Item.of("t", "a", new ContractTypes.Unregistered("x")), a));
    assertTrue(db().query(Query.of("t")).isEmpty(), "nothing written by refused calls");
    assertEquals(a, db().getLock(k("t", "a")), "lock untouched by refused calls");
    assertThrows(NullPointerException.class, () -> db().setAtomic(Item.of("t", "a", 1), null));
  }

  @Test
  default void setAtomicWithoutLockTakenIsARace() {
    ItemLock forged = new ItemLock("t", "never", "01ARZ3NDEKTSV4RRFFQ69G5FAV", clock().seconds() + 100);
    assertThrows(RaceConditionException.class, () -> db().setAtomic(Item.of("t", "never", 1), forged));
    assertTrue(db().get(k("t", "never")).isEmpty());
  }

  @Test
  default void deleteRemovesItemAndLock() {
    db().set(Item.of("t", "d", 1));
    ItemLock a = db().getLock(k("t", "d"));
    db().delete(k("t", "d"));
    assertTrue(db().get(k("t", "d")).isEmpty());
    assertThrows(RaceConditionException.class, () -> db().setAtomic(Item.of("t", "d", 2), a));
    ItemLock b = db().getLock(k("t", "d"));
    assertNotEquals(a.version(), b.version());
  }

  @Test
  default void locksAreApartFromItems() {
    db().getLock(k("sep", "x"));
    assertTrue(db().get(k("sep", "x")).isEmpty());
    assertTrue(db().query(Query.of("sep")).isEmpty());
    db().set(Item.of("sep", "x", "item"));
    ItemLock l = db().getLock(k("sep", "x"));
    assertEquals("item", db().get(k("sep", "x")).orElseThrow().data());
    db().setAtomic(Item.of("sep", "x", "item2"), l);
    assertEquals(List.of("item2"), db().query(Query.of("sep")).stream().map(Item::data).toList());
    assertThrows(IllegalArgumentException.class, () -> db().getLock(k("__LOCK__sep", "x")));
  }

  @Test
  default void exactlyOneOfConcurrentHoldersOfOneVersionSucceeds() throws Exception {
    ItemKey key = k("race", "one");
    db().set(Item.of("race", "one", 0));
    int threads = 8;
    for (int round = 0; round < 20; round++) {
      ItemLock lock = db().getLock(key);
      CountDownLatch go = new CountDownLatch(1);
      AtomicInteger wins = new AtomicInteger();
      AtomicInteger races = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int id = t;
          fs.add(pool.submit(() -> {
            go.await();
            try {
              db().setAtomic(Item.of("race", "one", id), lock);
              wins.incrementAndGet();
            } catch (RaceConditionException e) {
              races.incrementAndGet();
            }
            return null;
          }));
        }
        go.countDown();
        for (Future<?> f : fs) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertEquals(1, wins.get(), "round " + round);
      assertEquals(threads - 1, races.get());
    }
  }

  @Test
  default void racingFirstGetLockCallsAgreeOnOneVersion() throws Exception {
    int threads = 8;
    for (int round = 0; round < 20; round++) {
      ItemKey key = k("first", "r" + round);
      CountDownLatch go = new CountDownLatch(1);
      Set<String> versions = ConcurrentHashMap.newKeySet();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          fs.add(pool.submit(() -> {
            go.await();
            versions.add(db().getLock(key).version());
            return null;
          }));
        }
        go.countDown();
        for (Future<?> f : fs) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertEquals(1, versions.size(), "round " + round + ": " + versions);
    }
  }

  @Test
  default void concurrentIncrementsThroughRetryLoopsEndExact() throws Exception {
    ItemKey key = k("counter", "hits");
    db().set(Item.of("counter", "hits", 0L));
    int threads = 4;
    int increments = 250;
    AtomicInteger conflicts = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        fs.add(pool.submit(() -> {
          for (int i = 0; i < increments; i++) {
            while (true) {
              ItemLock lock = db().getLock(key);
              long v = db().get(key).orElseThrow().data(Long.class);
              try {
                db().setAtomic(Item.of("counter", "hits", v + 1), lock);
                break;
              } catch (RaceConditionException e) {
                conflicts.incrementAndGet();
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals((long) threads * increments, db().get(key).orElseThrow().data());
  }

  @Test
  default void lockVersionsAreUnique() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      ItemLock l = db().getLock(k("u", "k" + i));
      assertTrue(seen.add(l.version()), "duplicate version " + l.version());
    }
  }
}
