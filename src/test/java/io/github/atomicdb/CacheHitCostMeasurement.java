package io.github.atomicdb;

import io.github.atomicdb.contract.ContractTypes;
import io.github.atomicdb.internal.ValueCodec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A quick, JMH-free measurement behind two AtomicLRUCache design decisions (not a test, no
 * assertions; the project's real benchmarks live in jmh/). Per value shape it times one cache
 * hit's copy work three ways:
 *
 * <ul>
 *   <li>bytes: the entry holds Kryo bytes, each hit decodes them;
 *   <li>copy: the entry holds the decoded object, each hit deep-copies it by a codec round trip
 *       (encode + decode, the copy that is correct for every type);
 *   <li>hybrid (kept): deeply immutable values are shared, others decoded from bytes;
 * </ul>
 *
 * and, end to end, AtomicMemoryDb.get against AtomicLRUCache.get hits, for a present and an
 * absent key (negative caching). Single thread; 9 interleaved rounds after warm-up; the median round
 * is printed in ns per operation.
 *
 * <p>Run: {@code mvn -B -q test-compile && java -cp target/classes:target/test-classes:$(mvn -q
 * dependency:build-classpath -Dmdep.outputFile=/dev/stdout) io.github.atomicdb.CacheHitCostMeasurement}
 */
public final class CacheHitCostMeasurement {
  private static long sink;

  public static void main(String[] args) {
    AtomicMemoryDb.Builder b = AtomicMemoryDb.builder();
    ContractTypes.registerAll(b::register);
    AtomicMemoryDb mem = b.build();
    ValueCodec codec = mem.codec;

    Map<String, Object> shapes = new LinkedHashMap<>();
    shapes.put("String(24)", "order-2026-01-01-000042x");
    shapes.put("Long", 1234567890123L);
    shapes.put("List.of(10 String)", List.of("a1", "b2", "c3", "d4", "e5", "f6", "g7", "h8", "i9", "j0"));
    shapes.put("Point record", new ContractTypes.Point(3, 4));
    shapes.put("Order record", new ContractTypes.Order("o-1", List.of("x", "y", "z"), Map.of("x", 1, "y", 2)));
    ContractTypes.Box box = new ContractTypes.Box();
    for (int i = 0; i < 10; i++) {
      box.items.add("item-" + i);
    }
    shapes.put("Box(ArrayList 10)", box);
    Map<String, Object> hm = new HashMap<>();
    for (int i = 0; i < 20; i++) {
      hm.put("k" + i, i % 2 == 0 ? (Object) ("v" + i) : (Object) (long) i);
    }
    shapes.put("HashMap(20)", hm);
    shapes.put("byte[1024]", new byte[1024]);
    ArrayList<Object> big = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      big.add("entry-" + i);
    }
    shapes.put("ArrayList(200 String)", big);

    System.out.printf("%-24s %10s %10s %10s%n", "shape (ns/hit)", "bytes", "copy", "kept");
    for (Map.Entry<String, Object> s : shapes.entrySet()) {
      Object v = s.getValue();
      byte[] enc = codec.encode(v);
      Object decoded = codec.decode(enc, 0, enc.length, "m");
      // What the cache keeps: the immutability check runs once at insert, not per hit.
      boolean immutable = AtomicLRUCache.isDeeplyImmutable(v, 0, new int[] {1024});
      double[] t = compare(
          () -> codec.decode(enc, 0, enc.length, "m"),
          () -> {
            byte[] e = codec.encode(decoded);
            return codec.decode(e, 0, e.length, "m");
          },
          immutable ? () -> decoded : () -> codec.decode(enc, 0, enc.length, "m"));
      System.out.printf("%-24s %10.1f %10.1f %10.1f%s%n", s.getKey(), t[0], t[1], t[2],
          immutable ? "  (shared)" : "  (bytes)");
    }

    // End to end: store get vs cache hit, present and absent keys.
    AtomicLRUCache cache = new AtomicLRUCache(mem, 10_000);
    ItemKey present = ItemKey.of("bench", "present");
    ItemKey presentBox = ItemKey.of("bench", "box");
    ItemKey absent = ItemKey.of("bench", "absent");
    cache.set(Item.of("bench", "present", "order-2026-01-01-000042x"));
    cache.set(Item.of("bench", "box", box));
    cache.get(absent);
    System.out.printf("%nend to end (ns/op)        %10s %10s%n", "store", "cache hit");
    double[] t = compare(() -> mem.get(present), () -> cache.get(present));
    System.out.printf("%-24s %10.1f %10.1f%n", "get String", t[0], t[1]);
    t = compare(() -> mem.get(presentBox), () -> cache.get(presentBox));
    System.out.printf("%-24s %10.1f %10.1f%n", "get Box", t[0], t[1]);
    t = compare(() -> mem.get(absent), () -> cache.get(absent));
    System.out.printf("%-24s %10.1f %10.1f%n", "get absent", t[0], t[1]);
    System.out.println(cache.stats());
    cache.close();
  }

  /**
   * Median ns/op of each op over 9 interleaved rounds (so load from other processes hits every op
   * alike), after about half a second of warm-up each.
   */
  @SafeVarargs
  private static double[] compare(Supplier<Object>... ops) {
    int n = 50_000;
    for (Supplier<Object> op : ops) {
      long until = System.nanoTime() + 500_000_000L;
      while (System.nanoTime() < until) {
        for (int i = 0; i < 10_000; i++) {
          sink ^= System.identityHashCode(op.get());
        }
      }
    }
    double[][] rounds = new double[ops.length][9];
    for (int r = 0; r < 9; r++) {
      for (int o = 0; o < ops.length; o++) {
        Supplier<Object> op = ops[o];
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          sink ^= System.identityHashCode(op.get());
        }
        rounds[o][r] = (System.nanoTime() - t0) / (double) n;
      }
    }
    double[] med = new double[ops.length];
    for (int o = 0; o < ops.length; o++) {
      java.util.Arrays.sort(rounds[o]);
      med[o] = rounds[o][4];
    }
    return med;
  }

  private CacheHitCostMeasurement() {}
}
