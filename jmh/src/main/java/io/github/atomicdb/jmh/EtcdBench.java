package io.github.atomicdb.jmh;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.ItemLock;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import io.github.atomicdb.QueueStats;
import io.github.atomicdb.RaceConditionException;
import io.github.atomicdb.etcd.AtomicEtcdDb;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * AtomicEtcdDb ({@code etcd}) against the same etcd transactions written by hand with jetcd
 * ({@code rawEtcd}), on a fresh local cluster of 1 or 3 members started for the trial (the real
 * etcd binary, fsync on, loopback). One thread; scores are operations per second, so compare the
 * two impls of one member count (a ratio), never across machines.
 *
 * <ul>
 *   <li>{@code lockPath}: an optimistic read-check-write of one of 1,000 items (uniform): the
 *       library does getLock + get + setAtomic; by hand it is get lock, get item, and a txn that
 *       puts the item and a new lock version if the lock's mod_revision is unchanged.
 *   <li>{@code queueCycle}: push, pull, acknowledge on one queue holding a backlog of 100. By hand:
 *       push = a txn putting the entry and its ready key; pull = a range read of the first ready
 *       key, then a txn (if that key is unchanged) deleting it and putting the entry in flight
 *       and its deadline key; ack = a txn (if the entry is as the pull left it) deleting both.
 * </ul>
 *
 * Checks: every committed update is in the stored counters at the end and none was refused (one
 * thread); every pull gets the oldest entry and every acknowledgement succeeds, and the backlog is
 * intact at the end; otherwise the benchmark fails.
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar EtcdBench -wi 2 -i 3 -w 2s -r 3s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"})
public class EtcdBench {
  static final int KEYS = 1000;
  static final int BACKLOG = 100;
  static final String QUEUE = "jobs";

  @Param({"1", "3"})
  public int members;

  @Param({"rawEtcd", "etcd"})
  public String impl;

  EtcdLocal cluster;
  Lock lock;
  Queue queue;
  AtomicLongArray committed;
  long refused;
  final SplittableRandom rnd = new SplittableRandom(42);
  long pushed;
  long lastPulled;

  @Setup(Level.Trial)
  public void open() {
    cluster = new EtcdLocal(members);
    try {
      if (impl.equals("rawEtcd")) {
        Raw raw = new Raw(cluster.endpoints());
        lock = raw;
        queue = raw;
      } else {
        Library lib = new Library(cluster.endpoints());
        lock = lib;
        queue = lib;
      }
      lock.load(KEYS);
      committed = new AtomicLongArray(KEYS);
      for (; pushed < BACKLOG; ) {
        queue.push(entry(++pushed));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    try {
      if (lock != null && committed != null) {
        for (int i = 0; i < KEYS; i++) {
          long stored = lock.storedCounter(i);
          if (stored != committed.get(i)) {
            throw new IllegalStateException("item " + i + " holds counter " + stored + " after "
                + committed.get(i) + " committed updates");
          }
        }
        if (refused > 0) {
          throw new IllegalStateException(refused + " updates refused with one thread");
        }
        long left = queue.backlog();
        if (left != BACKLOG) {
          throw new IllegalStateException("the queue holds " + left + " entries, not " + BACKLOG);
        }
        System.out.println();
        System.out.println("etcd bench checked: counters match, FIFO held, backlog " + left);
      }
    } finally {
      if (lock != null) {
        lock.close();
      }
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  static String entry(long n) {
    return String.format("e%012d-", n) + "x".repeat(86);
  }

  @Benchmark
  public boolean lockPath() {
    int i = rnd.nextInt(KEYS);
    if (lock.update(i)) {
      committed.incrementAndGet(i);
      return true;
    }
    refused++;
    return false;
  }

  @Benchmark
  public String queueCycle() {
    queue.push(entry(++pushed));
    String got = queue.pullAndAck();
    long n = Long.parseLong(got, 1, 13, 10);
    if (n <= lastPulled) {
      throw new IllegalStateException("pulled entry " + n + " after " + lastPulled);
    }
    lastPulled = n;
    return got;
  }

  interface Lock extends AutoCloseable {
    void load(int n);

    boolean update(int i);

    long storedCounter(int i);

    @Override
    void close();
  }

  interface Queue {
    void push(String data);

    /** Pulls the oldest entry, acknowledges it (failing if refused), returns its data. */
    String pullAndAck();

    long backlog();
  }

  /** The library: AtomicEtcdDb. */
  static final class Library implements Lock, Queue {
    private final AtomicDb db;

    Library(List<String> endpoints) {
      db = AtomicEtcdDb.builder(endpoints.toArray(String[]::new)).namespace("bench").open();
    }

    private static ItemKey key(int i) {
      return new ItemKey("lockbench", "k" + i);
    }

    @Override
    public void load(int n) {
      List<Item> batch = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        batch.add(Item.of("lockbench", "k" + i, LockPath.data(0)));
        if (batch.size() == 100 || i == n - 1) {
          db.set(batch);
          batch.clear();
        }
      }
      for (int i = 0; i < n; i++) {
        db.getLock(key(i)); // as the raw store starts with every lock: no update creates one
      }
    }

    @Override
    public boolean update(int i) {
      ItemKey k = key(i);
      ItemLock l = db.getLock(k);
      long c = LockPath.counter((String) db.get(k).orElseThrow().data());
      try {
        db.setAtomic(Item.of(k.pk(), k.sk(), LockPath.data(c + 1)), l);
        return true;
      } catch (RaceConditionException e) {
        return false;
      }
    }

    @Override
    public long storedCounter(int i) {
      return LockPath.counter((String) db.get(key(i)).orElseThrow().data());
    }

    @Override
    public void push(String data) {
      db.queuePush(QueueItemInput.of(QUEUE, data));
    }

    @Override
    public String pullAndAck() {
      Optional<QueueItem> d = db.queuePull(QueuePullOptions.of(QUEUE));
      QueueItem q = d.orElseThrow(() -> new IllegalStateException("the queue was empty"));
      if (!db.queueAcknowledge(q)) {
        throw new IllegalStateException("acknowledgement refused");
      }
      return (String) q.data();
    }

    @Override
    public long backlog() {
      QueueStats s = db.queueStats(QUEUE);
      return s.available() + s.inFlight() + s.delayed();
    }

    @Override
    public void close() {
      db.close();
    }
  }

  /** The same etcd transactions by hand. */
  static final class Raw implements Lock, Queue {
    private final Client client;
    private final KV kv;
    private long seq;

    Raw(List<String> endpoints) {
      client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build();
      kv = client.getKVClient();
    }

    private static ByteSequence b(String s) {
      return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) {
      try {
        return f.get(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void load(int n) {
      for (int i = 0; i < n; i += 50) {
        List<Op> ops = new ArrayList<>();
        for (int j = i; j < Math.min(n, i + 50); j++) {
          ops.add(Op.put(b("raw/i/k" + j), b(LockPath.data(0)), PutOption.DEFAULT));
          ops.add(Op.put(b("raw/l/k" + j), b("1"), PutOption.DEFAULT));
        }
        await(kv.txn().Then(ops.toArray(Op[]::new)).commit());
      }
    }

    @Override
    public boolean update(int i) {
      ByteSequence lk = b("raw/l/k" + i);
      ByteSequence ik = b("raw/i/k" + i);
      KeyValue l = await(kv.get(lk)).getKvs().get(0);
      long version = Long.parseLong(l.getValue().toString(StandardCharsets.UTF_8));
      long c = LockPath.counter(await(kv.get(ik)).getKvs().get(0).getValue().toString(StandardCharsets.UTF_8));
      TxnResponse r = await(kv.txn()
          .If(new Cmp(lk, Cmp.Op.EQUAL, CmpTarget.modRevision(l.getModRevision())))
          .Then(Op.put(ik, b(LockPath.data(c + 1)), PutOption.DEFAULT),
              Op.put(lk, b(Long.toString(version + 1)), PutOption.DEFAULT))
          .commit());
      return r.isSucceeded();
    }

    @Override
    public long storedCounter(int i) {
      return LockPath.counter(await(kv.get(b("raw/i/k" + i))).getKvs().get(0).getValue().toString(StandardCharsets.UTF_8));
    }

    @Override
    public void push(String data) {
      String s = String.format("%016d", ++seq);
      await(kv.txn()
          .Then(Op.put(b("raw/q/e/" + s), b("R" + data), PutOption.DEFAULT),
              Op.put(b("raw/q/r/" + s), b(data), PutOption.DEFAULT))
          .commit());
    }

    @Override
    public String pullAndAck() {
      while (true) {
        List<KeyValue> first = await(kv.get(b("raw/q/r/"),
            GetOption.builder().isPrefix(true).withLimit(1).build())).getKvs();
        if (first.isEmpty()) {
          throw new IllegalStateException("the queue was empty");
        }
        KeyValue r = first.get(0);
        String s = r.getKey().toString(StandardCharsets.UTF_8).substring("raw/q/r/".length());
        String data = r.getValue().toString(StandardCharsets.UTF_8);
        long deadline = System.currentTimeMillis() + 300_000;
        ByteSequence e = b("raw/q/e/" + s);
        ByteSequence t = b("raw/q/t/" + String.format("%016d", deadline) + s);
        TxnResponse pulled = await(kv.txn()
            .If(new Cmp(r.getKey(), Cmp.Op.EQUAL, CmpTarget.modRevision(r.getModRevision())))
            .Then(Op.delete(r.getKey(), DeleteOption.DEFAULT),
                Op.put(e, b("F" + deadline + ":" + data), PutOption.DEFAULT),
                Op.put(t, b(s), PutOption.DEFAULT))
            .commit());
        if (!pulled.isSucceeded()) {
          continue; // another consumer took it
        }
        TxnResponse acked = await(kv.txn()
            .If(new Cmp(e, Cmp.Op.EQUAL, CmpTarget.modRevision(pulled.getHeader().getRevision())))
            .Then(Op.delete(e, DeleteOption.DEFAULT), Op.delete(t, DeleteOption.DEFAULT))
            .commit());
        if (!acked.isSucceeded()) {
          throw new IllegalStateException("acknowledgement refused");
        }
        return data;
      }
    }

    @Override
    public long backlog() {
      return await(kv.get(b("raw/q/e/"), GetOption.builder().isPrefix(true).withCountOnly(true).build())).getCount();
    }

    @Override
    public void close() {
      client.close();
    }
  }
}
