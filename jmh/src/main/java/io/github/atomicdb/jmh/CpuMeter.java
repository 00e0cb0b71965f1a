package io.github.atomicdb.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Secondary result {@code cpuNanos}: CPU time (user + system) of the benchmark threads per second
 * of the iteration. Divided by the primary score (jmh/table.py does) it gives CPU ns per
 * operation, which other processes on a shared machine disturb far less than throughput: they take
 * cores away, so throughput drops, but the work one operation needs stays the same. Background
 * RocksDB threads (flush, compaction) are not counted.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class CpuMeter {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  public long cpuNanos;
  private long start;

  @Setup(Level.Iteration)
  public void start() {
    start = THREADS.getCurrentThreadCpuTime();
  }

  @TearDown(Level.Iteration)
  public void stop() {
    cpuNanos = THREADS.getCurrentThreadCpuTime() - start;
  }
}
