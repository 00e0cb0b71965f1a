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
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The cost of durability: the queue cycle (push, pull, ack) with every commit synced to disk
 * ({@code syncWrites(true)}; raw: {@code WriteOptions.setSync(true)}), by 1 and by 4 producer
 * threads that each run the whole cycle. {@code queues=perThread}: each thread has a queue of its
 * own, so their commits can share an fsync (group commit); {@code queues=shared}: all on one queue,
 * whose operations the library serializes. Run it on a real disk (see {@link TempDir}).
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar DurabilityBench -f 1
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class DurabilityBench {
  @Param({"rawQueue", "rocks"})
  public String impl;

  @Param({"perThread", "shared"})
  public String queues;

  QueuePath queue;
  final String payload = Keys.payload(3);

  @Setup(Level.Trial)
  public void open() {
    queue = QueuePath.open(impl, true);
  }

  @TearDown(Level.Trial)
  public void close() {
    try {
      // Every cycle pulled and acknowledged as many entries as it pushed.
      for (String name : new String[] {"durable", "durable-0", "durable-1", "durable-2", "durable-3"}) {
        if (queue.pull(name, 300) != null) {
          throw new IllegalStateException("queue " + name + " still holds an entry after the cycles");
        }
      }
    } finally {
      queue.close();
    }
  }

  @State(Scope.Thread)
  public static class ThreadQueue {
    String name;

    @Setup(Level.Trial)
    public void setup(ThreadParams t, DurabilityBench b) {
      name = b.queues.equals("shared") ? "durable" : "durable-" + t.getThreadIndex();
    }
  }

  @Benchmark
  public void cycle1Producer(CpuMeter cpu, ThreadQueue q, Blackhole bh) {
    cycleOnce(q, bh);
  }

  @Benchmark
  @Threads(4)
  public void cycle4Producers(CpuMeter cpu, ThreadQueue q, Blackhole bh) {
    cycleOnce(q, bh);
  }

  private void cycleOnce(ThreadQueue q, Blackhole bh) {
    queue.push(q.name, payload);
    // On a shared queue another thread may have taken this entry, but then at least one pushed
    // entry is left for this thread (every thread pushes before it pulls): it pulls until it gets
    // one, so each operation counted is a whole cycle. A queue that loses an entry fails here.
    Object d = queue.pull(q.name, 300);
    for (long deadline = 0; d == null; d = queue.pull(q.name, 300)) {
      long now = System.nanoTime();
      if (deadline == 0) {
        deadline = now + TimeUnit.SECONDS.toNanos(10);
      } else if (now - deadline > 0) {
        throw new IllegalStateException("queue " + q.name + " stayed empty for 10 s after a push: an entry was lost");
      }
      Thread.onSpinWait();
    }
    bh.consume(d);
    queue.ack(d);
  }
}
