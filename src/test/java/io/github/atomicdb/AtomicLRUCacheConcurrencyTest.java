package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.contract.TestClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cache never holds older data than the store once racing reads and writes have returned:
 * deterministic interleavings of the classic races, then a seeded stress run checked against the
 * store.
 */
class AtomicLRUCacheConcurrencyTest {
  private static final ItemKey K = ItemKey.of("p", "k");
  private final TestClock clock = new TestClock();
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stop() throws InterruptedException {
    pool.shutdownNow();
    assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
  }

  private CountingDb store() {
    return new CountingDb(AtomicMemoryDb.builder().clock(clock).build());
  }

  private static void await(CountDownLatch l) {
    try {
      if (!l.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("timed out waiting for the other thread");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * A reader misses and reads v1 from the store; before it can cache v1, {@code write} completes
   * through the cache. Afterwards the cache must answer what the store holds.
   */
  private void readerStalledAcrossAWrite(
      Function<AtomicLRUCache, Optional<Item>> read, String readPoint, Consumer<AtomicLRUCache> write)
      throws Exception {
    CountingDb store = store();
    AtomicLRUCache cache = new AtomicLRUCache(store, 100, clock);
    try {
      store.inner.set(Item.of("p", "k", "v1"));
      CountDownLatch readDone = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      store.hook =
          (point, arg) -> {
            if (point.equals(readPoint) && Thread.currentThread().getName().startsWith("stalled")) {
              readDone.countDown();
              await(release);
            }
          };
      Future<Optional<Item>> reader =
          pool.submit(
              () -> {
                Thread.currentThread().setName("stalled-reader");
                try {
                  return read.apply(cache);
                } finally {
                  Thread.currentThread().setName("pool");
                }
              });
      await(readDone);
      write.accept(cache);
      release.countDown();
      assertEquals(Optional.of(Item.of("p", "k", "v1")), reader.get(10, TimeUnit.SECONDS));
      assertEquals(store.inner.get(K), cache.get(K), "the cache kept the value the reader saw");
      assertEquals(store.inner.get(K), cache.get(K));
    } finally {
      cache.close();
    }
  }

  private static final List<Consumer<AtomicLRUCache>> WRITES =
      List.of(
          c -> c.set(Item.of("p", "k", "v2")),
          c -> c.set(List.of(Item.of("p", "k", "v2"), Item.of("p", "other", "v2"))),
          c -> c.setAtomic(Item.of("p", "k", "v2"), c.getLock(K)),
          c -> c.setAtomic(List.of(Item.of("p", "k", "v2")), List.of(c.getLock(K))),
          c -> c.delete(K),
          c -> c.delete(List.of(ItemKey.of("p", "other"), K)));

  @Test
  void getThatMissedBeforeAWriteNeverCachesTheOldValue() throws Exception {
    for (Consumer<AtomicLRUCache> w : WRITES) {
      readerStalledAcrossAWrite(c -> c.get(K), "get:after-read", w);
    }
  }

  @Test
  void getManyThatMissedBeforeAWriteNeverCachesTheOldValue() throws Exception {
    for (Consumer<AtomicLRUCache> w : WRITES) {
      readerStalledAcrossAWrite(c -> c.getMany(List.of(K)).get(0), "getMany:after-read", w);
    }
  }

  /**
   * Writer 1 has written v1 to the store but not yet updated the cache when writer 2 writes v2
   * (store order: v1, v2). Writer 1 must not then cache v1.
   */
  @Test
  void overlappingWritersNeverLeaveTheOlderValue() throws Exception {
    for (Consumer<AtomicLRUCache> second : WRITES) {
      CountingDb store = store();
      AtomicLRUCache cache = new AtomicLRUCache(store, 100, clock);
      try {
        CountDownLatch wrote = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        store.hook =
            (point, arg) -> {
              if (point.equals("write:after-write")
                  && Thread.currentThread().getName().startsWith("stalled")) {
                wrote.countDown();
                await(release);
              }
            };
        Future<?> first =
            pool.submit(
                () -> {
                  Thread.currentThread().setName("stalled-writer");
                  try {
                    cache.set(Item.of("p", "k", "v1"));
                  } finally {
                    Thread.currentThread().setName("pool");
                  }
                });
        await(wrote);
        second.accept(cache);
        release.countDown();
        first.get(10, TimeUnit.SECONDS);
        assertEquals(store.inner.get(K), cache.get(K));
        assertEquals(List.of(store.inner.get(K)), cache.getMany(List.of(K)));
      } finally {
        cache.close();
      }
    }
  }

  /**
   * Several threads set/get/getMany/delete/setAtomic a few hot keys in short bursts that start
   * together (the store yields or pauses at random inside each call to widen every race window);
   * after each burst, once all threads stopped, every key reads the same through the cache as
   * from the store. Rerun a failure with -Dcache.stress.seed=SEED.
   */
  @Test
  void stressOnHotKeysEndsWithTheCacheEqualToTheStore() throws Exception {
    long seed = Long.getLong("cache.stress.seed", System.nanoTime());
    int threads = 4;
    int bursts = 600;
    int opsPerBurst = 6;
    List<ItemKey> keys = List.of(ItemKey.of("p", "a"), ItemKey.of("p", "b"), ItemKey.of("q", "c"));
    for (int variant = 0; variant < 2; variant++) {
      CountingDb store = store();
      store.hook =
          (point, arg) -> {
            // Widen the window between the store call and the cache update.
            int r = ThreadLocalRandom.current().nextInt(4);
            if (r == 0) {
              Thread.yield();
            } else if (r == 1) {
              LockSupport.parkNanos(ThreadLocalRandom.current().nextInt(50_000));
            }
          };
      // Variant 1: a cache smaller than the key set, so evictions race too.
      AtomicLRUCache cache = new AtomicLRUCache(store, variant == 0 ? 1000 : 2, clock);
      CyclicBarrier start = new CyclicBarrier(threads + 1);
      CyclicBarrier end = new CyclicBarrier(threads + 1);
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          Random rnd = new Random(seed + 1000L * variant + t);
          int thread = t;
          futures.add(
              pool.submit(
                  () -> {
                    for (int b = 0; b < bursts; b++) {
                      start.await(60, TimeUnit.SECONDS);
                      for (int i = 0; i < opsPerBurst; i++) {
                        step(cache, keys, rnd, "t" + thread + "-" + b + "-" + i);
                      }
                      end.await(60, TimeUnit.SECONDS);
                    }
                    return null;
                  }));
        }
        for (int b = 0; b < bursts; b++) {
          start.await(60, TimeUnit.SECONDS);
          end.await(60, TimeUnit.SECONDS);
          for (ItemKey k : keys) {
            assertEquals(store.inner.get(k), cache.get(k),
                "seed " + seed + " variant " + variant + " burst " + b + " key " + k
                    + " (rerun with -Dcache.stress.seed=" + seed + ")");
          }
          if (b % 50 == 0) {
            assertEquals(store.inner.getMany(keys), cache.getMany(keys), "seed " + seed);
          }
        }
        for (Future<?> f : futures) {
          f.get(60, TimeUnit.SECONDS);
        }
        assertTrue(cache.stats().hits() > 0, "the run must exercise hits");
      } finally {
        cache.close();
      }
    }
  }

  /**
   * Two keys are only ever written together (one value for both, or both deleted); a getMany of
   * both, racing those writes, must never see them differ: it reads one moment, mixing cache
   * hits and store reads only when no write raced it.
   */
  @Test
  void getManyNeverMixesMomentsUnderConcurrentWrites() throws Exception {
    long seed = Long.getLong("cache.stress.seed", System.nanoTime());
    CountingDb store = store();
    store.hook =
        (point, arg) -> {
          if (ThreadLocalRandom.current().nextInt(4) == 0) {
            LockSupport.parkNanos(ThreadLocalRandom.current().nextInt(20_000));
          }
        };
    ItemKey a = ItemKey.of("p", "a");
    ItemKey b = ItemKey.of("p", "b");
    AtomicLRUCache cache = new AtomicLRUCache(store, 1000, clock);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        Random rnd = new Random(seed + t);
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 1500; i++) {
                    String v = "w" + thread + "-" + i;
                    switch (rnd.nextInt(4)) {
                      case 0 -> cache.delete(List.of(a, b));
                      case 1 -> {
                        try {
                          cache.setAtomic(
                              List.of(Item.of("p", "a", v), Item.of("p", "b", v)),
                              List.of(cache.getLock(a), cache.getLock(b)));
                        } catch (RaceConditionException lost) {
                          // the other writer's setAtomic or delete got there first
                        }
                      }
                      default -> cache.set(List.of(Item.of("p", "a", v), Item.of("p", "b", v)));
                    }
                  }
                  return null;
                }));
      }
      for (int t = 0; t < 2; t++) {
        Random rnd = new Random(seed + 10 + t);
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 3000; i++) {
                    // Single gets keep one of the two keys cached, so getMany mixes hits and misses.
                    if (rnd.nextBoolean()) {
                      cache.get(rnd.nextBoolean() ? a : b);
                    }
                    List<Optional<Item>> got = cache.getMany(List.of(a, b));
                    Object da = got.get(0).map(Item::data).orElse(null);
                    Object db = got.get(1).map(Item::data).orElse(null);
                    assertEquals(da, db, "getMany mixed two moments; seed " + seed);
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get(120, TimeUnit.SECONDS);
      }
      assertTrue(cache.stats().hits() > 0);
    } finally {
      cache.close();
    }
  }

  private static void step(AtomicLRUCache cache, List<ItemKey> keys, Random rnd, String value) {
    ItemKey k = keys.get(rnd.nextInt(keys.size()));
    ItemKey other = keys.get((keys.indexOf(k) + 1 + rnd.nextInt(keys.size() - 1)) % keys.size());
    // Half the values are immutable (shared by the cache), half mutable (cached as bytes).
    Object data = rnd.nextBoolean() ? value : new ArrayList<>(List.of(value));
    try {
      switch (rnd.nextInt(10)) {
        case 0, 1 -> cache.set(Item.of(k.pk(), k.sk(), data));
        case 2, 3 -> cache.get(k);
        case 4 -> cache.getMany(List.of(k, other));
        case 5 -> cache.delete(k);
        case 6 -> cache.setAtomic(Item.of(k.pk(), k.sk(), data), cache.getLock(k));
        case 7 -> cache.set(List.of(Item.of(k.pk(), k.sk(), data), Item.of(other.pk(), other.sk(), value)));
        case 8 -> cache.delete(List.of(k, other));
        default ->
            cache.setAtomic(
                List.of(Item.of(k.pk(), k.sk(), data), Item.of(other.pk(), other.sk(), value)),
                List.of(cache.getLock(k), cache.getLock(other)));
      }
    } catch (RaceConditionException expected) {
      // another thread's setAtomic or delete got there first
    }
  }
}
