package io.github.atomicdb.torture;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicMemoryDb;
import io.github.atomicdb.ForwardingKv;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.ItemLock;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import io.github.atomicdb.QueueStats;
import io.github.atomicdb.RaceConditionException;
import io.github.atomicdb.internal.MemoryKv;
import io.github.atomicdb.spi.Engines;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.TypeRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jetbrains.lincheck.datastructures.CTestConfiguration;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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
 * <p>Two modes: stress (real threads, many invocations) and model checking (Lincheck controls the
 * interleaving at every shared-memory access and lock, exploring switch points systematically).
 * In CI both run a small budget on the memory store, each under a time limit ({@link
 * #CI_LIMIT}) so that a hung run fails instead of stalling the build. The nightly run ({@code mvn
 * -pl src test -Pnightly -Dtest=EngineLincheckTest}, which sets {@code atomicdb.nightly}) runs
 * stress on the memory and the RocksDB store and model checking on the memory store, each with at
 * least Lincheck's default budget (100 iterations of 10,000 invocations, 5 actors per thread, 5
 * before and 5 after), under {@link #NIGHTLY_LIMIT}. Model checking runs on the memory store only:
 * it needs a fresh store per scenario (it aborts executions it judges hung), and opening and
 * closing a RocksDB store per scenario is the test's whole cost without exploring anything more
 * of the engine, whose code is the same over both backends. CI scale: {@code
 * -Datomicdb.lincheck.scale=10}.
 */
@Param(name = "key", gen = IntGen.class, conf = "0:1")
@Param(name = "v", gen = IntGen.class, conf = "1:3")
public class EngineLincheckTest {
  static final int SCALE = Integer.getInteger("atomicdb.lincheck.scale", 1);
  static final Clock FIXED = Clock.fixed(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC);
  private static final AtomicInteger INSTANCES = new AtomicInteger();
  /**
   * Longest a CI run of one mode may take (one takes 30 s to 2 min on a 2-core machine, up to 8
   * min when other builds load it).
   */
  static final Duration CI_LIMIT = Duration.ofMinutes(15);
  /**
   * Longest one invocation may take before Lincheck reports it hung (its default is 30 s). The
   * first invocations of model checking instrument the engine's classes, which on a loaded machine
   * has taken longer than 30 s without any hang in the code under test.
   */
  static final Duration INVOCATION_LIMIT = Duration.ofMinutes(2);
  /** Longest a nightly run of one mode on one store may take. */
  static final Duration NIGHTLY_LIMIT = Duration.ofHours(3);

  /**
   * One store for every scenario, each instance with its own keys and queue, so that no scenario
   * pays for (or, in model checking, explores) building a store and its Kryo instances. Warmed
   * by several threads so that its Kryo pool already holds an instance per thread.
   */
  private static AtomicDb shared;
  /** The store kind stress mode shares (MEMORY or ROCKS); set before each run. */
  private static volatile Stores.Kind sharedKind = Stores.Kind.MEMORY;
  private static Path rocksDir;
  /**
   * Stress mode shares one warmed store; model checking needs a fresh one per scenario, because
   * it aborts executions it judges hung, which may leave a shared store's commit lock held.
   */
  private static volatile boolean shareStore;

  /**
   * Model checking only: each scenario's store is a memory store that says it syncs its writes
   * ({@link KvStore#syncsWrites()}), so that queue commits also take that store's way of waiting
   * in a group commit (park until served or handed the lead; never queue for the lock).
   */
  private static volatile boolean syncingStore;

  private final AtomicDb db = shareStore ? shared()
      : syncingStore ? Engines.open("syncing memory", new ForwardingKv(new MemoryKv()) {
          @Override
          public boolean syncsWrites() {
            return true;
          }
        }, FIXED, new TypeRegistry())
      : AtomicMemoryDb.builder().clock(FIXED).build();
  private final String id = "i" + INSTANCES.incrementAndGet();
  private final String q = "q-" + id;

  /** Lazily, not in a static initializer: the warm-up threads run code of this class. */
  private static synchronized AtomicDb shared() {
    if (shared == null) {
      shared = warmed();
    }
    return shared;
  }

  /** Closes the shared store (and deletes a RocksDB store's directory). */
  private static synchronized void closeShared() throws IOException {
    if (shared != null) {
      shared.close();
      shared = null;
    }
    if (rocksDir != null) {
      try (Stream<Path> files = Files.walk(rocksDir)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(f);
        }
      }
      rocksDir = null;
    }
  }

  private static AtomicDb warmed() {
    AtomicDb db;
    if (sharedKind == Stores.Kind.ROCKS) {
      try {
        rocksDir = Files.createTempDirectory("lincheck-rocks");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      db = Stores.open(Stores.Kind.ROCKS, rocksDir, FIXED);
    } else {
      db = AtomicMemoryDb.builder().clock(FIXED).build();
    }
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
  void stress() throws IOException {
    stress(Stores.Kind.MEMORY, new StressOptions()
        .iterations(20 * SCALE)
        .invocationsPerIteration(150)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(2)
        .actorsAfter(2), CI_LIMIT);
  }

  @Test
  void modelChecking() {
    modelChecking(smallModelCheck(), CI_LIMIT);
  }

  /** {@link #modelChecking()} over a store that syncs its writes (see {@link #syncingStore}). */
  @Test
  void modelCheckingSyncing() {
    syncingStore = true;
    try {
      modelChecking(smallModelCheck(), CI_LIMIT);
    } finally {
      syncingStore = false;
    }
  }

  /** The scenarios of {@link #modelChecking()}: 2 threads of 3 operations, 1 before and after. */
  private static ModelCheckingOptions smallModelCheck() {
    return modelCheckingOptions()
        .iterations(4 * SCALE)
        .invocationsPerIteration(25)
        .threads(2)
        .actorsPerThread(3)
        .actorsBefore(1)
        .actorsAfter(1);
  }

  @ParameterizedTest
  @EnumSource(value = Stores.Kind.class, names = {"MEMORY", "ROCKS"})
  @EnabledIfSystemProperty(named = "atomicdb.nightly", matches = "true")
  void stressNightly(Stores.Kind kind) throws IOException {
    stress(kind, new StressOptions()
        .iterations(CTestConfiguration.DEFAULT_ITERATIONS)
        .invocationsPerIteration(CTestConfiguration.DEFAULT_INVOCATIONS)
        .threads(3)
        .actorsPerThread(CTestConfiguration.DEFAULT_ACTORS_PER_THREAD)
        .actorsBefore(CTestConfiguration.DEFAULT_ACTORS_BEFORE)
        .actorsAfter(CTestConfiguration.DEFAULT_ACTORS_AFTER), NIGHTLY_LIMIT);
  }

  @Test
  @EnabledIfSystemProperty(named = "atomicdb.nightly", matches = "true")
  void modelCheckingNightly() {
    modelChecking(modelCheckingOptions()
        .iterations(CTestConfiguration.DEFAULT_ITERATIONS)
        .invocationsPerIteration(CTestConfiguration.DEFAULT_INVOCATIONS)
        .threads(2)
        .actorsPerThread(CTestConfiguration.DEFAULT_ACTORS_PER_THREAD)
        .actorsBefore(CTestConfiguration.DEFAULT_ACTORS_BEFORE)
        .actorsAfter(CTestConfiguration.DEFAULT_ACTORS_AFTER), NIGHTLY_LIMIT);
  }

  /** Stress on one store shared by every scenario, failing if it takes longer than {@code limit}. */
  private void stress(Stores.Kind kind, StressOptions options, Duration limit) throws IOException {
    invocationLimit(options);
    closeShared();
    sharedKind = kind;
    shareStore = true;
    try {
      assertTimeoutPreemptively(limit, () -> options.check(this.getClass()),
          "Lincheck stress on " + kind + " ran longer than " + limit + " (hung?)");
    } finally {
      closeShared();
    }
  }

  private void modelChecking(ModelCheckingOptions options, Duration limit) {
    invocationLimit(options);
    shareStore = false;
    assertTimeoutPreemptively(limit, () -> options.check(this.getClass()),
        "Lincheck model checking ran longer than " + limit + " (hung?)");
  }

  /** Sets {@link #INVOCATION_LIMIT} (Lincheck 3.7 has no public setter for it). */
  private static void invocationLimit(Object options) {
    try {
      java.lang.reflect.Method m = org.jetbrains.lincheck.datastructures.Options.class
          .getDeclaredMethod("setTimeoutMs", long.class);
      m.setAccessible(true);
      m.invoke(options, INVOCATION_LIMIT.toMillis());
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("cannot set Lincheck's invocation timeout", e);
    }
  }

  private static ModelCheckingOptions modelCheckingOptions() {
    return new ModelCheckingOptions()
        // Serialization, key encoding, record formats and ULIDs are pure or internally
        // synchronized: no thread switch inside them (they are not what this test checks).
        .addGuarantee(ManagedStrategyGuaranteeKt.forClasses(
                (String c) -> c.startsWith("io.github.atomicdb.internal.ValueCodec")
                    || c.startsWith("io.github.atomicdb.internal.KeyCodec")
                    || c.startsWith("io.github.atomicdb.internal.Records")
                    || c.startsWith("io.github.atomicdb.internal.QueueLayout")
                    || c.startsWith("com.github.f4b6a3.ulid.")
                    || c.startsWith("com.esotericsoftware."))
            .allMethods().treatAsAtomic());
  }
}
