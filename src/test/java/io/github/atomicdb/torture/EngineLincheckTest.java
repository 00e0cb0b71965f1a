package io.github.atomicdb.torture;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicMemoryDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.ItemLock;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import io.github.atomicdb.QueueStats;
import io.github.atomicdb.RaceConditionException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of the engine's lock and queue operations (Lincheck 3.7), on the memory
 * backend, after Caffeine's {@code AbstractLincheckCacheTest}. Lincheck runs random small
 * concurrent scenarios of the {@link Operation}s below, many times, and checks that every
 * outcome equals the outcome of some sequential order of the same operations run on a fresh
 * instance (the sequential specification is this class itself).
 *
 * <p>Operations are whole client protocols with comparable results: an increment is
 * getLock/get/setAtomic retried on {@link RaceConditionException} (a linearizable
 * fetch-and-add), a transfer moves one unit between two keys in one setAtomic, a sum reads both
 * keys with getMany; the queue side pushes to explicit sort keys, pulls, acknowledges, releases
 * and reads stats. The clock is fixed, so no timeout fires during a scenario.
 *
 * <p>Two modes, both bounded for CI: stress (real threads, many invocations) and model checking
 * (Lincheck controls the interleaving at every shared-memory access and lock, exploring
 * switch points systematically). Longer: {@code -Datomicdb.lincheck.scale=10}.
 */
@Param(name = "key", gen = IntGen.class, conf = "0:1")
@Param(name = "v", gen = IntGen.class, conf = "1:3")
public class EngineLincheckTest {
  static final int SCALE = Integer.getInteger("atomicdb.lincheck.scale", 1);
  static final Clock FIXED = Clock.fixed(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC);
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /**
   * One store for every scenario, each instance with its own keys and queue, so that no scenario
   * pays for (or, in model checking, explores) building a store and its Kryo instances. Warmed
   * by several threads so that its Kryo pool already holds an instance per thread.
   */
  private static AtomicDb shared;
  /**
   * Stress mode shares one warmed store; model checking needs a fresh one per scenario, because
   * it aborts executions it judges hung, which may leave a shared store's commit lock held.
   */
  private static volatile boolean shareStore;

  private final AtomicDb db = shareStore ? shared() : AtomicMemoryDb.builder().clock(FIXED).build();
  private final String id = "i" + INSTANCES.incrementAndGet();
  private final String q = "q-" + id;

  /** Lazily, not in a static initializer: the warm-up threads run code of this class. */
  private static synchronized AtomicDb shared() {
    if (shared == null) {
      shared = warmed();
    }
    return shared;
  }

  private static AtomicDb warmed() {
    AtomicDb db = AtomicMemoryDb.builder().clock(FIXED).build();
    Thread[] ts = new Thread[6];
    for (int t = 0; t < ts.length; t++) {
      int n = t;
      ts[t] = new Thread(() -> {
        for (int i = 0; i < 2000; i++) {
          db.set(Item.of("warm", "k" + n, i));
          db.get(ItemKey.of("warm", "k" + n));
        }
      });
      ts[t].start();
    }
    for (Thread t : ts) {
      try {
        t.join();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    return db;
  }

  private ItemKey key(int k) {
    return ItemKey.of("lin-" + id, "k" + k);
  }

  private int value(ItemKey k) {
    return db.get(k).map(i -> (Integer) i.data()).orElse(0);
  }

  // ------------------------------------------------------------------ locks

  /** getLock, get, setAtomic(value + 1), retried on a lost race; returns the value written. */
  @Operation
  public int increment(@Param(name = "key") int k) {
    ItemKey key = key(k);
    while (true) {
      ItemLock lock = db.getLock(key);
      int v = value(key) + 1;
      try {
        db.setAtomic(Item.of(key.pk(), key.sk(), v), lock);
        return v;
      } catch (RaceConditionException lost) {
        // someone else wrote first: read again
      }
    }
  }

  /** Moves one unit from key 0 to key 1 in one setAtomic over both locks; returns key 0's new value. */
  @Operation
  public int transfer() {
    ItemKey a = key(0);
    ItemKey b = key(1);
    while (true) {
      List<ItemLock> locks = List.of(db.getLock(a), db.getLock(b));
      List<Optional<Item>> both = db.getMany(List.of(a, b));
      int va = both.get(0).map(i -> (Integer) i.data()).orElse(0) - 1;
      int vb = both.get(1).map(i -> (Integer) i.data()).orElse(0) + 1;
      try {
        db.setAtomic(List.of(Item.of(a.pk(), a.sk(), va), Item.of(b.pk(), b.sk(), vb)), locks);
        return va;
      } catch (RaceConditionException lost) {
        // retry
      }
    }
  }

  /** Both values, read at one moment. */
  @Operation
  public String both() {
    List<Optional<Item>> both = db.getMany(List.of(key(0), key(1)));
    return both.get(0).map(Item::data).orElse(null) + "/" + both.get(1).map(Item::data).orElse(null);
  }

  @Operation
  public Integer get(@Param(name = "key") int k) {
    return db.get(key(k)).map(i -> (Integer) i.data()).orElse(null);
  }

  /** Removes the item and its lock: a racing increment must retry, never resurrect. */
  @Operation
  public void delete(@Param(name = "key") int k) {
    db.delete(key(k));
  }

  // ------------------------------------------------------------------ queue

  @Operation
  public void push(@Param(name = "v") int v) {
    db.queuePush(QueueItemInput.of(q, "s" + v, v * 10));
  }

  /** sk:data:attempts of the delivery, or null. */
  @Operation
  public String pull() {
    return db.queuePull(QueuePullOptions.of(q)).map(this::show).orElse(null);
  }

  @Operation
  public String pullBatch() {
    List<QueueItem> got = db.queuePullBatch(QueuePullOptions.of(q), 2);
    return got.stream().map(this::show).toList().toString();
  }

  @Operation
  public void ack(@Param(name = "v") int v) {
    db.queueAcknowledge(ItemKey.of(q, "s" + v));
  }

  @Operation
  public String release(@Param(name = "v") int v) {
    try {
      db.queueRelease(ItemKey.of(q, "s" + v));
      return "released";
    } catch (IllegalArgumentException absent) {
      return "absent";
    }
  }

  @Operation
  public String stats() {
    QueueStats s = db.queueStats(q);
    return s.available() + "/" + s.inFlight() + "/" + s.delayed();
  }

  private String show(QueueItem d) {
    return d.sk() + ":" + d.data() + ":" + d.attempts() + (d.pk().equals(q) ? "" : ":WRONG-QUEUE");
  }

  // ------------------------------------------------------------------ runs

  @Test
  void stress() {
    shareStore = true;
    new StressOptions()
        .iterations(20 * SCALE)
        .invocationsPerIteration(150)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(2)
        .actorsAfter(2)
        .check(this.getClass());
  }

  @Test
  void modelChecking() {
    shareStore = false;
    new ModelCheckingOptions()
        // Serialization, key encoding, record formats and ULIDs are pure or internally
        // synchronized: no thread switch inside them (they are not what this test checks).
        .addGuarantee(ManagedStrategyGuaranteeKt.forClasses(
                (String c) -> c.startsWith("io.github.atomicdb.internal.ValueCodec")
                    || c.startsWith("io.github.atomicdb.internal.KeyCodec")
                    || c.startsWith("io.github.atomicdb.internal.Records")
                    || c.startsWith("io.github.atomicdb.internal.QueueLayout")
                    || c.startsWith("com.github.f4b6a3.ulid.")
                    || c.startsWith("com.esotericsoftware."))
            .allMethods().treatAsAtomic())
        .iterations(4 * SCALE)
        .invocationsPerIteration(25)
        .threads(2)
        .actorsPerThread(3)
        .actorsBefore(1)
        .actorsAfter(1)
        .check(this.getClass());
  }
}
