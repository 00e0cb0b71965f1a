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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Pull + ack + push from a backlog of 100,000 entries, with {@code inFlight} of them pulled (for an
 * hour) and never acknowledged. The score with 1,000 in flight over the score with 0 shows what
 * in-flight entries cost a pull: nothing, if the timed index does its job.
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar QueueBacklogBench -p impl=rawQueue,rocks -wi 2 -i 3 -f 1
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class QueueBacklogBench {
  static final String QUEUE = "backlog";
  static final int BACKLOG = 100_000;

  @Param({"rawQueue", "memory", "rocks", "cacheOverRocks"})
  public String impl;

  @Param({"0", "1000"})
  public int inFlight;

  QueuePath queue;
  final String payload = Keys.payload(9);

  @Setup(Level.Trial)
  public void open() {
    queue = QueuePath.open(impl, false);
    try {
      queue.pushMany(QUEUE, BACKLOG, i -> payload);
      for (int i = 0; i < inFlight; i++) {
        if (queue.pull(QUEUE, 3600) == null) {
          throw new IllegalStateException("backlog ran dry during setup");
        }
      }
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
  public void pullAckPush(CpuMeter cpu, Blackhole bh) {
    Object d = queue.pull(QUEUE, 300);
    if (d == null) {
      throw new IllegalStateException("backlog ran dry");
    }
    bh.consume(d);
    queue.ack(d);
    queue.push(QUEUE, payload);
  }
}
