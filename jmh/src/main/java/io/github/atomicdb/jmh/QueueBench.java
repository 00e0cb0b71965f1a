package io.github.atomicdb.jmh;

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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The queue path on one queue that starts with 1,000 waiting entries: push alone, and the full
 * cycle (push, pull, acknowledge) with 1, 2 and 4 consumer threads, each of which pushes the
 * entry it will replace so the backlog stays put. Baseline: {@code rawQueue} (see {@link
 * QueuePath.RawQueue}).
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar QueueBench -p impl=rawQueue,rocks -wi 2 -i 3 -w 1s -r 2s -f 1
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class QueueBench {
  static final String QUEUE = "jobs";

  @Param({"rawQueue", "memory", "rocks", "cacheOverRocks"})
  public String impl;

  QueuePath queue;
  final String payload = Keys.payload(7);

  @Setup(Level.Trial)
  public void open() {
    queue = QueuePath.open(impl, false);
    try {
      queue.pushMany(QUEUE, 1000, payload);
    } catch (RuntimeException e) {
      queue.close();
      throw e;
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    queue.close();
  }

  @Benchmark
  public void push(CpuMeter cpu) {
    queue.push(QUEUE, payload);
  }

  /** push + pull + ack, one consumer. */
  @Benchmark
  public void cycle(CpuMeter cpu, Blackhole bh) {
    cycleOnce(bh);
  }

  @Benchmark
  @Threads(2)
  public void cycle2Consumers(CpuMeter cpu, Blackhole bh) {
    cycleOnce(bh);
  }

  @Benchmark
  @Threads(4)
  public void cycle4Consumers(CpuMeter cpu, Blackhole bh) {
    cycleOnce(bh);
  }

  private void cycleOnce(Blackhole bh) {
    queue.push(QUEUE, payload);
    Object d = queue.pull(QUEUE, 300);
    if (d == null) {
      throw new IllegalStateException("pull found the queue empty (backlog 1000)");
    }
    bh.consume(d);
    queue.ack(d);
  }
}
