package io.github.atomicdb.jmh;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
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
 * The queue path on one queue that starts with 1,000 waiting entries: push alone, and the full
 * cycle (push, pull, acknowledge) with 1, 2 and 4 consumer threads, each of which pushes the
 * entry it will replace so the backlog stays put. Baseline: {@code rawQueue} (see {@link
 * QueuePath.RawQueue}); {@code rawIndexed} (not run unless named) is that queue with a second, small
 * key per entry written in the entry's batch, the floor of a queue that indexes its entries as the
 * library does. Competitors: {@code sqlite} ({@link SqlitePaths.Queue}), {@code lmdb}
 * ({@link LmdbPaths.Queue}) and {@code tape} ({@link TapeQueue}: no visibility timeout, a cycle is
 * add + peek + remove with consumers taking turns, and every write synchronous).
 *
 * <p>Checks, the same for every store: each entry is 100 ASCII bytes naming its producer and its
 * number ({@link #entry}). A consumer fails the benchmark if it pulls an entry of some producer
 * that is not newer than the last one it pulled of that producer; with one thread, which pushes
 * every entry it pulls, the pulled entry must be exactly the oldest (the backlog 1 to 1,000, then
 * its own in order). An ack the store refuses fails too. At the end one thread drains the queue:
 * entries in order per producer with no gaps, and after the cycles exactly the 1,000 of the
 * backlog, then nothing (after push: the first 2,000 are checked).
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar QueueBench -p impl=rawQueue,rocks,sqlite,lmdb,tape -wi 2 -i 3 -w 1s -r 2s -f 1
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
public class QueueBench {
  static final String QUEUE = "jobs";
  static final int BACKLOG = 1000;
  /** Padding of the entries: the rest of a 100-byte payload. */
  static final String PAYLOAD = Keys.payload(7);

  @Param({"rawQueue", "memory", "rocks", "cacheOverRocks", "sqlite", "lmdb", "tape"})
  public String impl;

  QueuePath queue;

  @Setup(Level.Trial)
  public void open() {
    queue = QueuePath.open(impl, false);
    try {
      queue.pushMany(QUEUE, BACKLOG, i -> entry(0, i + 1));
    } catch (RuntimeException e) {
      queue.close();
      throw e;
    }
  }

  /** Drains and checks the queue (see the class comment), then closes it. */
  @TearDown(Level.Trial)
  public void close(BenchmarkParams params) {
    try {
      boolean cycles = !params.getBenchmark().endsWith(".push");
      long[] last = new long[2 + params.getThreads()];
      int limit = cycles ? BACKLOG + 1 : 2 * BACKLOG;
      int drained = 0;
      boolean pushedSeen = false;
      for (; drained < limit; drained++) {
        Object d = queue.pull(QUEUE, 300);
        if (d == null) {
          break;
        }
        String s = queue.data(d);
        queue.ack(d);
        int p = producer(s);
        long n = number(s);
        // In order with no gaps, the backlog first; the first entry of a producer may have any
        // number after cycles (the queue holds the newest entries), but must be 1 after pushes.
        boolean first = p >= 0 && p < last.length && last[p] == 0;
        if (p < 0 || p >= last.length || (p == 0 && pushedSeen)
            || ((!first || !cycles) && n != last[p] + 1)) {
          throw new IllegalStateException("drain after " + params.getBenchmark() + ": entry " + p
              + ":" + n + " came after " + p + ":" + (p >= 0 && p < last.length ? last[p] : -1)
              + (pushedSeen ? " and entries of the benchmark threads" : ""));
        }
        pushedSeen |= p > 0;
        last[p] = n;
      }
      if (cycles && drained != BACKLOG) {
        throw new IllegalStateException(
            "the queue held " + drained + " entries after the cycles, not " + BACKLOG);
      }
      if (!cycles && drained < Math.min(limit, BACKLOG + 1)) {
        throw new IllegalStateException("the queue held " + drained + " entries after the pushes");
      }
      System.out.println();
      System.out.println("queue checked: FIFO held, " + drained + " entries drained in order");
    } finally {
      queue.close();
    }
  }

  /**
   * The data of entry {@code n} of {@code producer} (0: the backlog pushed at setup; 1 + thread
   * index: a benchmark thread): {@code e1:42:} and padding, 100 ASCII chars.
   */
  static String entry(int producer, long n) {
    String head = "e" + producer + ":" + n + ":";
    return head.concat(PAYLOAD.substring(head.length()));
  }

  static int producer(String entry) {
    int i = entry.indexOf(':');
    if (entry.length() != 100 || entry.charAt(0) != 'e' || i < 2) {
      throw new IllegalStateException("not an entry of this benchmark: " + entry);
    }
    return Integer.parseInt(entry, 1, i, 10);
  }

  static long number(String entry) {
    int i = entry.indexOf(':');
    return Long.parseLong(entry, i + 1, entry.indexOf(':', i + 1), 10);
  }

  /** A benchmark thread as producer (its entries, numbered from 1) and consumer (what it saw). */
  @State(Scope.Thread)
  public static class Client {
    int producer;
    long pushed;
    /** Per producer: the number of the last entry this thread pulled. */
    long[] last;
    /** Alone, this thread knows exactly which entry is the oldest. */
    boolean alone;

    @Setup(Level.Trial)
    public void setup(ThreadParams t) {
      producer = 1 + t.getThreadIndex();
      last = new long[1 + t.getThreadCount()];
      alone = t.getThreadCount() == 1;
    }

    String next() {
      return entry(producer, ++pushed);
    }

    /** Fails unless {@code entry} may be the oldest entry, given what this thread saw. */
    void pulled(String entry) {
      int p = producer(entry);
      long n = number(entry);
      boolean ok;
      if (p < 0 || p >= last.length) {
        ok = false;
      } else if (alone) {
        ok = last[0] < BACKLOG ? p == 0 && n == last[0] + 1 : p == producer && n == last[p] + 1;
      } else {
        ok = n > last[p];
      }
      if (!ok) {
        throw new IllegalStateException("FIFO broken: thread " + producer + " pulled entry " + p + ":"
            + n + " after " + Arrays.toString(last) + " (last number pulled per producer)");
      }
      last[p] = n;
    }
  }

  @Benchmark
  public void push(CpuMeter cpu, Client c) {
    queue.push(QUEUE, c.next());
  }

  /** push + pull + ack, one consumer. */
  @Benchmark
  public void cycle(CpuMeter cpu, Client c, Blackhole bh) {
    cycleOnce(c, bh);
  }

  @Benchmark
  @Threads(2)
  public void cycle2Consumers(CpuMeter cpu, Client c, Blackhole bh) {
    cycleOnce(c, bh);
  }

  @Benchmark
  @Threads(4)
  public void cycle4Consumers(CpuMeter cpu, Client c, Blackhole bh) {
    cycleOnce(c, bh);
  }

  private void cycleOnce(Client c, Blackhole bh) {
    queue.push(QUEUE, c.next());
    Object d = queue.pull(QUEUE, 300);
    if (d == null) {
      throw new IllegalStateException("pull found the queue empty (backlog 1000)");
    }
    bh.consume(d);
    String data = queue.data(d);
    queue.ack(d);
    // Checked after the ack: Tape's consumer holds the file's lock until then.
    c.pulled(data);
  }
}
