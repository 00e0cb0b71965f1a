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
 * Reads: get (hit, uniform over 10,000 items; miss), a query returning 100 items, streaming 10,000
 * items. Baseline {@code raw}: the same keys and values on rocksdbjni, decoded to Strings.
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar ReadBench -p impl=raw,rocks,cacheOverRocks -f 1
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class ReadBench {
  @Param({"raw", "memory", "rocks", "cacheOverRocks"})
  public String impl;

  ReadPath reads;

  @Setup(Level.Trial)
  public void open() {
    reads = ReadPath.open(impl);
  }

  @TearDown(Level.Trial)
  public void close() {
    reads.close();
  }

  @State(Scope.Thread)
  public static class ThreadKeys {
    Keys keys;

    @Setup(Level.Trial)
    public void setup() {
      keys = Keys.uniform(ReadPath.ITEMS, 99);
    }
  }

  @Benchmark
  public Object getHit(CpuMeter cpu, ThreadKeys k) {
    return reads.getHit(k.keys.next());
  }

  @Benchmark
  public Object getMiss(CpuMeter cpu, ThreadKeys k) {
    return reads.getMiss(k.keys.next());
  }

  @Benchmark
  public int query100(CpuMeter cpu, Blackhole bh) {
    return reads.query100(bh);
  }

  @Benchmark
  public long stream10k(CpuMeter cpu, Blackhole bh) {
    return reads.stream10k(bh);
  }
}
