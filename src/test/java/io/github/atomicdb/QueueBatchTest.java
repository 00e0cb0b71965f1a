package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.github.atomicdb.internal.MemoryKv;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.Space;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The write buffer of a single-writer queue commit (QueueAccess.Batch) against a plain map model:
 * a read sees the commit's own last write of a key (a delete as absent) before the store, and the
 * batch holds one write per key, in the order of each key's first write. Random runs cross the
 * size where lookups switch from a scan to a hash map.
 */
class QueueBatchTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private record K(Space space, String key) {}

  @Test
  void readsAndWritesMatchAMapModel() {
    SplittableRandom r = new SplittableRandom(7);
    for (int run = 0; run < 200; run++) {
      MemoryKv kv = new MemoryKv();
      // committed state the batch must read through to
      kv.write(List.of(new KvOp(Space.QUEUE, b("k0"), b("stored0")),
          new KvOp(Space.QINDEX, b("k1"), b("stored1"))));
      QueueAccess.Batch batch = new QueueAccess.Batch(kv);
      Map<K, byte[]> model = new LinkedHashMap<>();
      int keys = 1 + r.nextInt(40);
      int steps = r.nextInt(120);
      for (int i = 0; i < steps; i++) {
        Space space = r.nextBoolean() ? Space.QUEUE : Space.QINDEX;
        String key = "k" + r.nextInt(keys);
        K k = new K(space, key);
        switch (r.nextInt(3)) {
          case 0 -> {
            byte[] v = b("v" + i);
            batch.put(space, b(key), v);
            model.merge(k, v, (old, nw) -> nw);
          }
          case 1 -> {
            batch.delete(space, b(key));
            model.put(k, null); // a key written before keeps its place
          }
          default -> {
            byte[] expected = model.containsKey(k) ? model.get(k) : kv.get(space, b(key));
            byte[] got = batch.get(space, b(key));
            if (expected == null) {
              assertNull(got, "run " + run + " step " + i + ": " + k);
            } else {
              assertArrayEquals(expected, got, "run " + run + " step " + i + ": " + k);
            }
          }
        }
      }
      List<KvOp> ops = batch.ops();
      List<K> order = new ArrayList<>(model.keySet());
      assertEquals(order.size(), ops.size(), "one write per key");
      for (int i = 0; i < ops.size(); i++) {
        KvOp op = ops.get(i);
        K k = order.get(i);
        assertEquals(k, new K(op.space(), new String(op.key(), StandardCharsets.UTF_8)), "order");
        if (model.get(k) == null) {
          assertNull(op.value(), "a delete of " + k);
        } else {
          assertArrayEquals(model.get(k), op.value(), "last value of " + k);
        }
      }
    }
  }
}
