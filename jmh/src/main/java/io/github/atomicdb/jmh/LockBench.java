package io.github.atomicdb.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The lock path: getLock + get + setAtomic of one ~100-byte item, against the same reads and
 * writes on raw RocksDB ({@code rawTxn}: OptimisticTransactionDB getForUpdate + 2 puts + commit;
 * {@code rawBatch}: one WriteBatch, no conflict check), and on the stores a user would pick
 * instead: {@code sqlite} (a versioned row, SELECT then UPDATE ... WHERE version = ?, see {@link
 * SqlitePaths.Lock}) and {@code lmdb} (lock and item read and written in one write transaction,
 * see {@link LmdbPaths.Lock}). Scores are updates per second; the single-threaded and
 * distinct-key benchmarks fail at the end if more than 1% of them were refused, the contended ones
 * retry until their update commits. At the end every key's stored counter and lock version must
 * match its count of committed updates ({@link LockPath.Checked}), or the benchmark fails.
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar LockBench -p impl=rawTxn,rocks,sqlite,lmdb -wi 2 -i 3 -w 1s -r 2s -f 1
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// lmdbjava needs both add-opens to reach the address of a direct ByteBuffer (fails without either).
@Fork(
    value = 1,
    jvmArgsAppend = {
      // Heap touched at start, as in a JVM that has run a while: without it the first ~15 s ran
      // at half speed on first-touch page faults, longer for stores that allocate more per op.
      "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch",
      "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"
    })
public class LockBench {
  static final int KEYS = 10_000;

  /** Consecutive refusals after which a contended update gives up (and fails the benchmark). */
  static final int MAX_TRIES = 100_000;

  @Param({"rawBatch", "rawTxn", "memory", "rocks", "cacheOverRocks", "sqlite", "lmdb"})
  public String impl;

  LockPath.Checked path;

  @Setup(Level.Trial)
  public void open() {
    path = LockPath.open(impl, KEYS);
  }

  /** Checks the stored counters and versions against the committed updates, then closes. */
  @TearDown(Level.Trial)
  public void close(BenchmarkParams params) {
    try {
      // Threads share keys unless each has its own (distinctKeys2) or there is only one.
      boolean shared = params.getThreads() > 1 && !params.getBenchmark().endsWith(".distinctKeys2");
      String checked = path.verify(shared);
      System.out.println();
      System.out.println("lock path checked: " + checked);
    } finally {
      path.close();
    }
  }

  /** Per-thread key sequences, and a key of the thread's own. */
  @State(Scope.Thread)
  public static class ThreadKeys {
    Keys uniform;
    Keys zipf;
    int own;

    @Setup(Level.Trial)
    public void setup(ThreadParams t) {
      uniform = Keys.uniform(KEYS, 42 + t.getThreadIndex());
      zipf = Keys.zipf(KEYS, 0.99, 4242 + t.getThreadIndex());
      own = 1 + t.getThreadIndex();
    }
  }

  /** Secondary results of the contended benchmarks: commits and lost races, per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Outcomes {
    public long successes;
    public long conflicts;

    @Setup(Level.Iteration)
    public void reset() {
      successes = 0;
      conflicts = 0;
    }
  }

  /** One thread, always the same key. */
  @Benchmark
  public boolean hotKey(CpuMeter cpu, Blackhole bh) {
    return path.update(0, bh);
  }

  /** One thread, keys uniform over 10,000. */
  @Benchmark
  public boolean uniform10k(CpuMeter cpu, ThreadKeys k, Blackhole bh) {
    return path.update(k.uniform.next(), bh);
  }

  /** One thread, keys Zipfian (0.99) over 10,000. */
  @Benchmark
  public boolean zipf10k(CpuMeter cpu, ThreadKeys k, Blackhole bh) {
    return path.update(k.zipf.next(), bh);
  }

  /** Two threads, each on a key of its own: no conflicts, shows how commits scale. */
  @Benchmark
  @Threads(2)
  public boolean distinctKeys2(CpuMeter cpu, ThreadKeys k, Blackhole bh) {
    return path.update(k.own, bh);
  }

  /** Two threads on one key, each retrying until its update commits. */
  @Benchmark
  @Threads(2)
  public void contended2(CpuMeter cpu, Outcomes o, Blackhole bh) {
    retry(o, bh);
  }

  /** Four threads on one key, each retrying until its update commits. */
  @Benchmark
  @Threads(4)
  public void contended4(CpuMeter cpu, Outcomes o, Blackhole bh) {
    retry(o, bh);
  }

  private void retry(Outcomes o, Blackhole bh) {
    int tries = 0;
    while (!path.update(0, bh)) {
      o.conflicts++;
      if (++tries == MAX_TRIES) {
        throw new IllegalStateException(MAX_TRIES + " updates of one key refused in a row");
      }
    }
    o.successes++;
  }
}
