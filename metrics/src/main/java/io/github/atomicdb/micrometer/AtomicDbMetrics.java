package io.github.atomicdb.micrometer;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicLRUCache;
import io.github.atomicdb.AtomicMemoryDb;
import io.github.atomicdb.AtomicRocksDb;
import io.github.atomicdb.QueueStats;
import io.github.atomicdb.StoreListener.Operation;
import io.github.atomicdb.StoreListener.QueueEvent;
import io.github.atomicdb.StoreListener;
import io.github.atomicdb.tools.StorageStats;
import io.github.atomicdb.tools.StoreTools;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * Micrometer metrics of an atomic-db store: its queues, call latencies, optimistic-lock
 * conflicts, an {@link AtomicLRUCache} in front of it, and RocksDB's own figures.
 *
 * <pre>{@code
 * AtomicRocksDb db = AtomicRocksDb.open(Path.of("data"));
 * AtomicDbMetrics metrics = AtomicDbMetrics.builder(db).tags(Tags.of("store", "orders")).build();
 * metrics.bindTo(registry); // any MeterRegistry: Prometheus, OTLP, JMX, a Spring Boot app's
 * }</pre>
 *
 * <p><b>Meters</b> (every one also carries the tags given to the builder):
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@code atomicdb.queue.available}</td><td>gauge (entries)</td><td>queue</td>
 *       <td>entries a pull could take now</td></tr>
 *   <tr><td>{@code atomicdb.queue.in.flight}</td><td>gauge (entries)</td><td>queue</td>
 *       <td>deliveries within their visibility timeout</td></tr>
 *   <tr><td>{@code atomicdb.queue.delayed}</td><td>gauge (entries)</td><td>queue</td>
 *       <td>entries pushed with a delay not yet passed</td></tr>
 *   <tr><td>{@code atomicdb.queue.oldest.age}</td><td>time gauge (seconds)</td><td>queue</td>
 *       <td>age of the oldest available entry, 0 when none</td></tr>
 *   <tr><td>{@code atomicdb.queue.dead.letter.depth}</td><td>gauge (entries)</td><td>queue</td>
 *       <td>entries in the queue's dead-letter queue ({@code queue + "-dlq"} unless set with
 *       {@link Builder#deadLetterQueue}); not registered for a queue whose name ends in
 *       {@code -dlq}</td></tr>
 *   <tr><td>{@code atomicdb.queue.pushes}</td><td>counter (entries)</td><td>queue</td>
 *       <td>entries put into the queue: pushes, dead-lettering into it, redrive, import</td></tr>
 *   <tr><td>{@code atomicdb.queue.pulls}</td><td>counter (entries)</td><td>queue</td>
 *       <td>deliveries</td></tr>
 *   <tr><td>{@code atomicdb.queue.acks}</td><td>counter (entries)</td><td>queue</td>
 *       <td>acknowledged deliveries</td></tr>
 *   <tr><td>{@code atomicdb.queue.timeouts}</td><td>counter (entries)</td><td>queue</td>
 *       <td>deliveries whose visibility timeout passed without acknowledgement</td></tr>
 *   <tr><td>{@code atomicdb.queue.dead.letters}</td><td>counter (entries)</td><td>queue</td>
 *       <td>entries moved from the queue to its dead-letter queue</td></tr>
 *   <tr><td>{@code atomicdb.operation}</td><td>timer</td><td>operation: get, set, setAtomic,
 *       pull</td><td>latency of those calls (a pull's includes its wait)</td></tr>
 *   <tr><td>{@code atomicdb.conflicts}</td><td>counter</td><td></td>
 *       <td>{@code RaceConditionException}s thrown by setAtomic</td></tr>
 *   <tr><td>{@code atomicdb.cache.hits}, {@code atomicdb.cache.misses}, {@code
 *       atomicdb.cache.evictions}</td><td>function counters</td><td></td>
 *       <td>of the {@link Builder#cache cache}, if one is given</td></tr>
 *   <tr><td>{@code atomicdb.cache.hit.ratio}</td><td>gauge</td><td></td>
 *       <td>hits / lookups, 0 before the first</td></tr>
 *   <tr><td>{@code atomicdb.rocksdb.live.data.size}, {@code
 *       atomicdb.rocksdb.pending.compaction.size}, {@code atomicdb.rocksdb.memtable.size},
 *       {@code atomicdb.rocksdb.block.cache.usage}</td><td>gauges (bytes)</td><td></td>
 *       <td>RocksDB's estimates ({@link AtomicRocksDb#storageStats()}); RocksDB stores only</td></tr>
 * </table>
 *
 * <p><b>Queues.</b> A queue gets its meters when it is named to {@link Builder#queues}, when it
 * exists at {@link #bindTo} (every queue of an {@link AtomicRocksDb} or {@link AtomicMemoryDb}),
 * or at its first event afterwards. Counters count from {@link Builder#build()}. Queue gauges
 * read {@link AtomicDb#queueStats} (which scans nothing) when the registry reads them.
 *
 * <p><b>Threading and lifecycle.</b> Thread-safe. {@link #bindTo} may be called for several
 * registries. {@link #close()} stops listening to the store and removes every meter it
 * registered; a gauge read after the store closed reports NaN.
 */
public final class AtomicDbMetrics implements MeterBinder, AutoCloseable {
  private static final String DLQ_SUFFIX = "-dlq";

  private final AtomicDb store;
  private final AtomicRocksDb rocks;
  private final AtomicLRUCache cache;
  private final Tags tags;
  private final Map<String, String> deadLetterQueues;
  private final Set<String> namedQueues;
  private final Consumer<StoreListener> unlisten;
  private final Listener listener = new Listener();
  private final Map<String, LongAdder[]> queueCounts = new ConcurrentHashMap<>();
  private final LongAdder conflicts = new LongAdder();
  private final List<Bound> bound = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private AtomicDbMetrics(Builder b) {
    this.store = b.store;
    this.rocks = b.store instanceof AtomicRocksDb r ? r : null;
    this.cache = b.cache;
    this.tags = b.tags;
    this.deadLetterQueues = Map.copyOf(b.deadLetterQueues);
    this.namedQueues = Collections.unmodifiableSet(new LinkedHashSet<>(b.queues));
    if (b.store instanceof AtomicRocksDb r) {
      r.addListener(listener);
      unlisten = r::removeListener;
    } else {
      AtomicMemoryDb m = (AtomicMemoryDb) b.store;
      m.addListener(listener);
      unlisten = m::removeListener;
    }
  }

  /**
   * A builder of the metrics of {@code store}.
   *
   * @throws NullPointerException if {@code store} is null
   * @throws IllegalArgumentException if {@code store} is not an {@link AtomicRocksDb} or {@link
   *     AtomicMemoryDb} (for a cache in front of one, pass the store here and the cache to {@link
   *     Builder#cache})
   */
  public static Builder builder(AtomicDb store) {
    Objects.requireNonNull(store, "store must not be null");
    if (!(store instanceof AtomicRocksDb) && !(store instanceof AtomicMemoryDb)) {
      throw new IllegalArgumentException("store must be an AtomicRocksDb or AtomicMemoryDb, not "
          + store.getClass().getName() + (store instanceof AtomicLRUCache
              ? "; for a cache, pass the store it wraps here and the cache to .cache(cache)" : ""));
    }
    return new Builder(store);
  }

  /** Builds {@link AtomicDbMetrics}. Not thread-safe. */
  public static final class Builder {
    private final AtomicDb store;
    private AtomicLRUCache cache;
    private Tags tags = Tags.empty();
    private final Map<String, String> deadLetterQueues = new LinkedHashMap<>();
    private final List<String> queues = new ArrayList<>();

    private Builder(AtomicDb store) {
      this.store = store;
    }

    /** Also reports the hits, misses, evictions and hit ratio of {@code cache}. */
    public Builder cache(AtomicLRUCache cache) {
      this.cache = Objects.requireNonNull(cache, "cache must not be null");
      return this;
    }

    /** Tags every meter carries, e.g. {@code Tags.of("store", "orders")}. */
    public Builder tags(Iterable<Tag> tags) {
      this.tags = Tags.of(Objects.requireNonNull(tags, "tags must not be null"));
      return this;
    }

    /** Queues to report from the start, even before they exist or have any event. */
    public Builder queues(String... pks) {
      for (String pk : pks) {
        queues.add(Objects.requireNonNull(pk, "queue names must not be null"));
      }
      return this;
    }

    /**
     * The dead-letter queue whose depth {@code atomicdb.queue.dead.letter.depth} of {@code queue}
     * reports, when its pulls name one ({@code QueuePullOptions.withDeadLetterQueue}); default
     * {@code queue + "-dlq"}.
     */
    public Builder deadLetterQueue(String queue, String deadLetterQueue) {
      deadLetterQueues.put(Objects.requireNonNull(queue, "queue must not be null"),
          Objects.requireNonNull(deadLetterQueue, "deadLetterQueue must not be null"));
      return this;
    }

    /** The metrics; they start counting the store's events now. */
    public AtomicDbMetrics build() {
      return new AtomicDbMetrics(this);
    }
  }

  // ------------------------------------------------------------------ binding

  /** The meters one registry got. */
  private static final class Bound {
    final MeterRegistry registry;
    final Map<Operation, Timer> timers = new EnumMap<>(Operation.class);
    final List<Meter> meters = new CopyOnWriteArrayList<>();
    final Set<String> queues = ConcurrentHashMap.newKeySet();

    Bound(MeterRegistry registry) {
      this.registry = registry;
    }
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry must not be null");
    if (closed) {
      throw new IllegalStateException("these AtomicDbMetrics are closed");
    }
    Bound b = new Bound(registry);
    for (Operation op : Operation.values()) {
      Timer t = Timer.builder("atomicdb.operation")
          .description("Latency of atomic-db calls")
          .tags(tags).tag("operation", opName(op))
          .register(registry);
      b.timers.put(op, t);
      b.meters.add(t);
    }
    b.meters.add(FunctionCounter.builder("atomicdb.conflicts", conflicts, LongAdder::sum)
        .description("RaceConditionExceptions thrown by setAtomic")
        .tags(tags).register(registry));
    if (cache != null) {
      bindCache(b);
    }
    if (rocks != null) {
      bindRocks(b);
    }
    bound.add(b);
    Set<String> queues = new LinkedHashSet<>(namedQueues);
    queues.addAll(StoreTools.of(store).queueNames());
    queues.addAll(queueCounts.keySet());
    for (String q : queues) {
      bindQueue(b, q);
    }
  }

  private static String opName(Operation op) {
    return switch (op) {
      case GET -> "get";
      case SET -> "set";
      case SET_ATOMIC -> "setAtomic";
      case PULL -> "pull";
    };
  }

  private void bindCache(Bound b) {
    AtomicLRUCache c = cache;
    b.meters.add(FunctionCounter.builder("atomicdb.cache.hits", c, x -> x.stats().hits())
        .description("Lookups the cache answered").tags(tags).register(b.registry));
    b.meters.add(FunctionCounter.builder("atomicdb.cache.misses", c, x -> x.stats().misses())
        .description("Lookups the cache passed to the store").tags(tags).register(b.registry));
    b.meters.add(FunctionCounter.builder("atomicdb.cache.evictions", c, x -> x.stats().evictions())
        .description("Entries evicted to stay within maxItems").tags(tags).register(b.registry));
    b.meters.add(Gauge.builder("atomicdb.cache.hit.ratio", c, x -> x.stats().hitRate())
        .description("Hits / lookups, 0 before the first").tags(tags).strongReference(true)
        .register(b.registry));
  }

  private void bindRocks(Bound b) {
    rocksGauge(b, "atomicdb.rocksdb.live.data.size", StorageStats::liveDataBytes,
        "RocksDB's estimate of live data in its files");
    rocksGauge(b, "atomicdb.rocksdb.pending.compaction.size", StorageStats::pendingCompactionBytes,
        "RocksDB's estimate of bytes compaction still has to rewrite");
    rocksGauge(b, "atomicdb.rocksdb.memtable.size", StorageStats::memtableBytes,
        "Memory of RocksDB's write buffers");
    rocksGauge(b, "atomicdb.rocksdb.block.cache.usage", StorageStats::blockCacheBytes,
        "Memory held by RocksDB's block cache");
  }

  private void rocksGauge(Bound b, String name, ToLongFunction<StorageStats> f, String what) {
    AtomicRocksDb r = rocks;
    b.meters.add(Gauge.builder(name, r, x -> read(() -> f.applyAsLong(x.storageStats())))
        .description(what).baseUnit(BaseUnits.BYTES).tags(tags).strongReference(true)
        .register(b.registry));
  }

  /** Registers the meters of queue {@code pk} in {@code b}, once. */
  private void bindQueue(Bound b, String pk) {
    if (!b.queues.add(pk)) {
      return;
    }
    LongAdder[] counts = counts(pk);
    Tags t = tags.and("queue", pk);
    MeterRegistry r = b.registry;
    b.meters.add(queueGauge(r, "atomicdb.queue.available", pk, t, QueueStats::available,
        "Entries a pull could take now"));
    b.meters.add(queueGauge(r, "atomicdb.queue.in.flight", pk, t, QueueStats::inFlight,
        "Deliveries within their visibility timeout"));
    b.meters.add(queueGauge(r, "atomicdb.queue.delayed", pk, t, QueueStats::delayed,
        "Entries pushed with a delay that has not passed"));
    b.meters.add(TimeGauge.builder("atomicdb.queue.oldest.age", this, TimeUnit.SECONDS,
            m -> m.read(() -> store.queueStats(pk).oldestAvailableAgeSeconds()))
        .description("Age of the oldest available entry, 0 when none")
        .tags(t).strongReference(true).register(r));
    if (!pk.endsWith(DLQ_SUFFIX) || deadLetterQueues.containsKey(pk)) {
      String dlq = deadLetterQueues.getOrDefault(pk, pk + DLQ_SUFFIX);
      b.meters.add(queueGauge(r, "atomicdb.queue.dead.letter.depth", dlq, t,
          s -> s.available() + s.inFlight() + s.delayed(),
          "Entries in the queue's dead-letter queue (" + dlq + ")"));
    }
    String[][] counters = {
      {"atomicdb.queue.pushes", "Entries put into the queue"},
      {"atomicdb.queue.pulls", "Deliveries of the queue's entries"},
      {"atomicdb.queue.acks", "Acknowledged deliveries"},
      {"atomicdb.queue.timeouts", "Deliveries whose visibility timeout passed unacknowledged"},
      {"atomicdb.queue.dead.letters", "Entries moved to the dead-letter queue"}};
    QueueEvent[] events = {QueueEvent.PUSHED, QueueEvent.PULLED, QueueEvent.ACKNOWLEDGED,
        QueueEvent.TIMED_OUT, QueueEvent.DEAD_LETTERED};
    for (int i = 0; i < events.length; i++) {
      b.meters.add(FunctionCounter.builder(counters[i][0], counts[events[i].ordinal()], LongAdder::sum)
          .description(counters[i][1]).baseUnit("entries").tags(t).register(r));
    }
  }

  private Gauge queueGauge(MeterRegistry r, String name, String statsOf, Tags t,
      ToLongFunction<QueueStats> f, String what) {
    return Gauge.builder(name, this, m -> m.read(() -> f.applyAsLong(store.queueStats(statsOf))))
        .description(what).baseUnit("entries").tags(t).strongReference(true).register(r);
  }

  private interface LongRead {
    long get();
  }

  /** A gauge's value; NaN once the store or these metrics are closed. */
  private double read(LongRead f) {
    if (closed) {
      return Double.NaN;
    }
    try {
      return f.get();
    } catch (IllegalStateException e) {
      return Double.NaN; // the store is closed
    }
  }

  private LongAdder[] counts(String pk) {
    return queueCounts.computeIfAbsent(pk, k -> {
      LongAdder[] a = new LongAdder[QueueEvent.values().length];
      for (int i = 0; i < a.length; i++) {
        a[i] = new LongAdder();
      }
      return a;
    });
  }

  /**
   * Stops listening to the store and removes every meter these metrics registered. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    unlisten.accept(listener);
    for (Bound b : bound) {
      for (Meter m : b.meters) {
        b.registry.remove(m);
      }
    }
    bound.clear();
  }

  // ------------------------------------------------------------------ the store's events

  private final class Listener implements StoreListener {
    @Override
    public void operation(Operation op, long nanos) {
      for (Bound b : bound) {
        b.timers.get(op).record(nanos, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public void conflict() {
      conflicts.increment();
    }

    @Override
    public void queueEvents(String queue, QueueEvent event, int count) {
      LongAdder[] c = queueCounts.get(queue);
      if (c == null) {
        c = counts(queue);
        for (Bound b : bound) {
          bindQueue(b, queue);
        }
      }
      c[event.ordinal()].add(count);
    }
  }
}
