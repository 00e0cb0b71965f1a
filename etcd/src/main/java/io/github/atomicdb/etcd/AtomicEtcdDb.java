package io.github.atomicdb.etcd;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.ItemLock;
import io.github.atomicdb.Query;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import io.github.atomicdb.QueueStats;
import io.github.atomicdb.spi.Engines;
import io.github.atomicdb.spi.KvOutcomeUnknownException;
import io.github.atomicdb.spi.TypeRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * An {@link AtomicDb} kept in an etcd cluster (v3 API, etcd 3.4 or later), shared by every
 * process that opens the same namespace on it: the same contract as the embedded stores (items,
 * optimistic locks, TTL, FIFO queues with visibility timeouts), for applications that outgrow one
 * JVM.
 *
 * <pre>{@code
 * AtomicDb db = AtomicEtcdDb.builder("http://10.0.0.1:2379", "http://10.0.0.2:2379", "http://10.0.0.3:2379")
 *     .namespace("orders-app")
 *     .register(MyRecord.class, 100)
 *     .open();
 * }</pre>
 *
 * <h2>Guarantees</h2>
 *
 * Every call that returned was committed by a quorum of the cluster (etcd fsyncs its log on each
 * member) and survives the loss of a minority of members. Reads are linearizable: they see every
 * write that returned before they started, from any process. {@code setAtomic} and every queue
 * operation are etcd transactions that compare the revision of each key they depend on, so they
 * are correct across processes: two processes never hold the same queue entry during its
 * visibility timeout, and concurrent {@code setAtomic} calls holding one lock version have one
 * winner.
 *
 * <h2>Threading</h2>
 *
 * Thread-safe; one instance per process is enough (it holds one gRPC connection pool).
 *
 * <h2>Failures</h2>
 *
 * Every call has a deadline ({@link Builder#operationTimeout}): while the cluster has no quorum,
 * calls fail with an {@link io.github.atomicdb.AtomicDbException} saying so once it passes. A
 * write whose answer was lost after it was sent (timeout, leader change, connection lost) throws
 * {@link io.github.atomicdb.CommitOutcomeUnknownException}: it may or may not have been applied. Unlike the embedded
 * stores, then, "a call that throws wrote nothing" holds for every error except that one. Retry
 * only what is safe to apply twice: {@code set}, {@code delete}, pushes with an explicit sk,
 * acknowledgements by receipt; read before retrying the others.
 *
 * <h2>Expiry</h2>
 *
 * Expired items and lock records are invisible at once; a background thread of each process
 * ({@link Builder#expirySweep}) deletes them from etcd a bounded number of records at a time.
 * Not etcd leases: a lease expires by the etcd server's clock, where every other expiry decision
 * reads {@link Builder#clock}; items of one ttl would share a lease per distinct ttl second; and
 * the lease would have to be attached to every put of the engine's transactions.
 *
 * <h2>Caveats</h2>
 *
 * Expiry decisions (item ttl, lock ttl, visibility timeouts, delays) read each process's own
 * {@link Builder#clock clock}: keep the processes' clocks in sync (NTP); a skew of s seconds
 * moves those deadlines by up to s seconds between processes. One etcd transaction holds at most
 * {@code --max-txn-ops} keys (128 by default) and about 1.5 MiB: a batch larger than that is
 * refused with {@link IllegalArgumentException} before anything is written.
 */
public final class AtomicEtcdDb implements AtomicDb {
  private static final System.Logger LOG = System.getLogger(AtomicEtcdDb.class.getName());

  private final AtomicDb engine;
  private final String description;
  /** Runs the expiry sweep, or null when it is off. */
  private final ScheduledExecutorService sweeper;
  /** Whether the last sweep round failed (only the first failure of a streak is logged). */
  private volatile boolean sweepFailing;

  private AtomicEtcdDb(AtomicDb engine, String description, Duration sweepInterval, int sweepKeys) {
    this.engine = engine;
    this.description = description;
    if (sweepInterval.isZero()) {
      this.sweeper = null;
      return;
    }
    this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "atomicdb-etcd-sweep " + description);
      t.setDaemon(true);
      return t;
    });
    long ms = sweepInterval.toMillis();
    sweeper.scheduleWithFixedDelay(() -> sweepRound(sweepKeys), ms, ms, TimeUnit.MILLISECONDS);
  }

  /** The engine store this one wraps (for tests of this package that damage its records). */
  AtomicDb engine() {
    return engine;
  }

  private void sweepRound(int keys) {
    try {
      Engines.sweepExpired(engine, keys);
      sweepFailing = false;
    } catch (RuntimeException e) {
      if (!sweepFailing) {
        sweepFailing = true;
        LOG.log(System.Logger.Level.WARNING, description + ": expiry sweep failed, trying again next round", e);
      }
    }
  }

  /**
   * A builder for a store on the cluster whose members answer at {@code endpoints} (client URLs,
   * e.g. {@code http://127.0.0.1:2379}, or {@code https://...} with {@link Builder#tls}); give
   * several so that the client fails over.
   *
   * @throws NullPointerException if {@code endpoints} or one of them is null
   * @throws IllegalArgumentException if there is none, or one is not {@code http://host:port} or
   *     {@code https://host:port}
   */
  public static Builder builder(String... endpoints) {
    Objects.requireNonNull(endpoints, "endpoints must not be null");
    if (endpoints.length == 0) {
      throw new IllegalArgumentException("endpoints must name at least one etcd member");
    }
    List<String> list = new ArrayList<>(endpoints.length);
    for (int i = 0; i < endpoints.length; i++) {
      list.add(EtcdKv.checkEndpoint(endpoints[i], "endpoints[" + i + "]"));
    }
    return new Builder(List.copyOf(list));
  }

  /** Builds {@link AtomicEtcdDb}s. Not thread-safe; reusable. */
  public static final class Builder {
    private final List<String> endpoints;
    private String namespace;
    private Clock clock = Clock.systemUTC();
    private final TypeRegistry types = new TypeRegistry();
    private Duration requestTimeout = EtcdKv.Settings.defaults().requestTimeout();
    private Duration operationTimeout = EtcdKv.Settings.defaults().operationTimeout();
    private int maxTxnOps = EtcdKv.Settings.defaults().maxTxnOps();
    private int maxRequestBytes = EtcdKv.Settings.defaults().maxRequestBytes();
    private Duration sweepInterval = Duration.ofSeconds(10);
    private int sweepKeys = 1000;
    private EtcdKv.Tls tls;

    private Builder(List<String> endpoints) {
      this.endpoints = endpoints;
    }

    /**
     * The key prefix of this store: every key is written under {@code atomicdb/<namespace>/}, so
     * several applications (or tests) share one cluster without seeing each other. Required.
     *
     * @throws NullPointerException if {@code namespace} is null
     * @throws IllegalArgumentException unless it is 1 to 128 characters of A-Z a-z 0-9 . _ -
     */
    public Builder namespace(String namespace) {
      EtcdKv.prefixOf(namespace);
      this.namespace = namespace;
      return this;
    }

    /**
     * The clock every expiry decision reads (item ttl, lock ttl, visibility timeouts, delays).
     *
     * @throws NullPointerException if {@code clock} is null
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock must not be null");
      return this;
    }

    /**
     * Gives {@code type} the stable serialization id {@code id} (100 or more), as the embedded
     * stores' builders do; every process sharing the namespace must register the same ids.
     *
     * @throws IllegalArgumentException if the id is below 100, or the id or the class is already
     *     registered to another
     */
    public Builder register(Class<?> type, int id) {
      types.register(type, id);
      return this;
    }

    /**
     * The deadline of each call to etcd (default 5 s).
     *
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /**
     * The deadline of one store call including its retries (default 15 s): how long a call
     * waits for a cluster without quorum before it fails. At least the request timeout.
     *
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder operationTimeout(Duration timeout) {
      this.operationTimeout = positive(timeout, "operationTimeout");
      return this;
    }

    /**
     * The cluster's {@code --max-txn-ops} (default 128, etcd's default).
     *
     * @throws IllegalArgumentException if below 2
     */
    public Builder maxTxnOps(int ops) {
      if (ops < 2) {
        throw new IllegalArgumentException("maxTxnOps must be at least 2, was " + ops);
      }
      this.maxTxnOps = ops;
      return this;
    }

    /**
     * Connects over TLS, trusting the CA certificates in the PEM file {@code trustedCa} (null:
     * the JVM's default trust store). Every endpoint must then be {@code https://}.
     *
     * @throws IllegalArgumentException if the file is not readable
     */
    public Builder tls(Path trustedCa) {
      this.tls = new EtcdKv.Tls(trustedCa, null, null);
      return this;
    }

    /**
     * {@link #tls(Path)} with a client certificate, for a cluster that authenticates clients by
     * certificate ({@code --client-cert-auth}): {@code clientCert} is a PEM certificate chain,
     * {@code clientKey} its private key as PEM PKCS#8 ({@code BEGIN PRIVATE KEY}).
     *
     * @throws IllegalArgumentException if a file is not readable or only one of the pair is given
     */
    public Builder tls(Path trustedCa, Path clientCert, Path clientKey) {
      Objects.requireNonNull(clientCert, "clientCert must not be null");
      Objects.requireNonNull(clientKey, "clientKey must not be null");
      this.tls = new EtcdKv.Tls(trustedCa, clientCert, clientKey);
      return this;
    }

    /**
     * How often this process removes expired items and lock records from etcd, and how many
     * records one round reads at most (default every 10 s, 1000 records). Reads hide expired
     * records at once; the sweep frees their space. A round goes on from where the previous one
     * stopped, so it takes {@code records in the namespace / keysPerRound} rounds to visit
     * everything once. Every process sweeps; deletes are validated, so sweeping in several
     * processes at once is safe. {@link Duration#ZERO} turns it off in this process.
     *
     * @throws IllegalArgumentException if {@code interval} is negative or {@code keysPerRound} is
     *     below 2
     */
    public Builder expirySweep(Duration interval, int keysPerRound) {
      Objects.requireNonNull(interval, "interval must not be null");
      if (interval.isNegative()) {
        throw new IllegalArgumentException("interval must not be negative, was " + interval);
      }
      if (!interval.isZero() && interval.toMillis() < 1) {
        throw new IllegalArgumentException("interval must be zero (off) or at least 1 ms, was " + interval);
      }
      if (keysPerRound < 2) {
        throw new IllegalArgumentException("keysPerRound must be at least 2, was " + keysPerRound);
      }
      this.sweepInterval = interval;
      this.sweepKeys = keysPerRound;
      return this;
    }

    /**
     * The cluster's {@code --max-request-bytes} (default 1.5 MiB, etcd's default).
     *
     * @throws IllegalArgumentException if below 64 KiB
     */
    public Builder maxRequestBytes(int bytes) {
      if (bytes < 64 * 1024) {
        throw new IllegalArgumentException("maxRequestBytes must be at least 65536, was " + bytes);
      }
      this.maxRequestBytes = bytes;
      return this;
    }

    private static Duration positive(Duration d, String field) {
      Objects.requireNonNull(d, field + " must not be null");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(field + " must be positive, was " + d);
      }
      return d;
    }

    /**
     * Connects and returns the store.
     *
     * @throws IllegalStateException if no namespace was set
     * @throws IllegalArgumentException if operationTimeout is shorter than requestTimeout
     * @throws io.github.atomicdb.AtomicDbException if the cluster does not answer within the
     *     operation timeout, or the namespace holds data of a newer format
     */
    public AtomicEtcdDb open() {
      if (namespace == null) {
        throw new IllegalStateException("namespace is not set: call namespace(\"my-app\") before open()");
      }
      EtcdKv.Settings settings = new EtcdKv.Settings(requestTimeout, operationTimeout, maxTxnOps, maxRequestBytes);
      EtcdKv kv = EtcdKv.open(endpoints, namespace, settings, tls);
      try {
        AtomicDb engine = Engines.open("AtomicEtcdDb(" + namespace + ")", kv, clock, types);
        return new AtomicEtcdDb(engine, "AtomicEtcdDb(" + namespace + " at " + String.join(",", endpoints) + ")",
            sweepInterval, sweepKeys);
      } catch (RuntimeException e) {
        kv.close();
        throw e;
      }
    }
  }

  // ------------------------------------------------------------------ delegation

  /**
   * Runs {@code call}, giving an unknown commit outcome its public type (the etcd subclass of it,
   * which code written against earlier versions catches).
   */
  @SuppressWarnings("deprecation")
  private static <T> T run(Supplier<T> call) {
    try {
      return call.get();
    } catch (KvOutcomeUnknownException e) {
      throw new CommitOutcomeUnknownException(e.getMessage(), e);
    }
  }

  @SuppressWarnings("deprecation")
  private static void run(Runnable call) {
    try {
      call.run();
    } catch (KvOutcomeUnknownException e) {
      throw new CommitOutcomeUnknownException(e.getMessage(), e);
    }
  }

  @Override
  public Optional<Item> get(ItemKey key) {
    return engine.get(key);
  }

  @Override
  public List<Optional<Item>> getMany(List<ItemKey> keys) {
    return engine.getMany(keys);
  }

  @Override
  public ItemLock getLock(ItemKey key) {
    return run(() -> engine.getLock(key));
  }

  @Override
  public void set(Item item) {
    run(() -> engine.set(item));
  }

  @Override
  public void set(List<Item> items) {
    run(() -> engine.set(items));
  }

  @Override
  public void setAtomic(Item item, ItemLock lock) {
    run(() -> engine.setAtomic(item, lock));
  }

  @Override
  public void setAtomic(List<Item> items, List<ItemLock> locks) {
    run(() -> engine.setAtomic(items, locks));
  }

  @Override
  public void delete(ItemKey key) {
    run(() -> engine.delete(key));
  }

  @Override
  public void delete(List<ItemKey> keys) {
    run(() -> engine.delete(keys));
  }

  @Override
  public List<Item> query(Query query) {
    return engine.query(query);
  }

  /** As {@link AtomicDb#stream}; the stream pages through the range at one etcd revision. */
  @Override
  public Stream<Item> stream(Query query) {
    return engine.stream(query);
  }

  @Override
  public void queuePush(QueueItemInput item) {
    run(() -> engine.queuePush(item));
  }

  @Override
  public void queuePush(List<QueueItemInput> items) {
    run(() -> engine.queuePush(items));
  }

  @Override
  public Optional<QueueItem> queuePull(QueuePullOptions options) {
    return run(() -> engine.queuePull(options));
  }

  @Override
  public List<QueueItem> queuePullBatch(QueuePullOptions options, int max) {
    return run(() -> engine.queuePullBatch(options, max));
  }

  @Override
  public void queueAcknowledge(ItemKey key) {
    run(() -> engine.queueAcknowledge(key));
  }

  @Override
  public boolean queueAcknowledge(QueueItem delivered) {
    return run(() -> engine.queueAcknowledge(delivered));
  }

  @Override
  public void queueRelease(ItemKey key) {
    run(() -> engine.queueRelease(key));
  }

  @Override
  public boolean queueRelease(QueueItem delivered) {
    return run(() -> engine.queueRelease(delivered));
  }

  @Override
  public boolean queueExtend(QueueItem delivered, long ttlSeconds) {
    return run(() -> engine.queueExtend(delivered, ttlSeconds));
  }

  @Override
  public QueueStats queueStats(String pk) {
    return engine.queueStats(pk);
  }

  @Override
  public long queueRedrive(String fromPk, String toPk) {
    return run(() -> engine.queueRedrive(fromPk, toPk));
  }

  /** Closes the etcd client. Idempotent; every call afterwards throws IllegalStateException. */
  /** Stops the expiry sweep (interrupting a round in progress), then closes the store. */
  @Override
  public void close() {
    if (sweeper != null) {
      sweeper.shutdownNow();
      try {
        sweeper.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    engine.close();
  }

  @Override
  public String toString() {
    return description;
  }
}
