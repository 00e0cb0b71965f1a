package io.github.atomicdb;

import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.QueueLayout;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.Space;
import io.github.atomicdb.tools.StoreTools;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Test-only view of the engine's queue storage, for diagnostics and for damaging records. */
public final class EngineAccess {
  private EngineAccess() {}

  /**
   * Flips bit {@code bit} of byte {@code at} (mod its length) of the stored entry (pk, sk).
   *
   * @return the entry's stored state and time before the damage (a due timed entry is stored as
   *     timed until an operation promotes it), or null if there is no entry
   */
  public static long[] damageQueueEntry(AtomicDb db, String pk, String sk, int at, int bit) {
    EngineDb e = (EngineDb) db;
    byte[] k = QueueLayout.entryKey(QueueLayout.part(pk), sk.getBytes(StandardCharsets.UTF_8));
    byte[] v = e.kv.get(Space.QUEUE, k);
    if (v == null) {
      return null;
    }
    QueueLayout.Entry stored = QueueLayout.openEntry(k, v, sk);
    v = v.clone();
    v[Math.floorMod(at, v.length)] ^= (byte) (1 << (bit & 7));
    e.kv.write(List.of(KvOp.put(Space.QUEUE, k, v)));
    e.queue.forgetRecords(); // a running writer serves its recent records from memory
    return new long[] {stored.state(), stored.time()};
  }

  /** The operator API over any engine (StoreTools.of takes the public stores only). */
  public static StoreTools tools(AtomicDb db) {
    return new EngineTools((EngineDb) db);
  }

  /** Every queue entry record and queue index key of {@code db}, readable. */
  public static String dumpQueues(AtomicDb db) {
    EngineDb e = (EngineDb) db;
    StringBuilder sb = new StringBuilder();
    byte[] lo = new byte[0];
    byte[] hi = new byte[] {(byte) 0xFF, (byte) 0xFF};
    try (KvCursor c = e.kv.scan(Space.QUEUE, lo, hi, false, 0)) {
      while (c.next()) {
        ItemKey k = KeyCodec.decode(c.key());
        QueueLayout.Entry en = QueueLayout.openEntry(c.key(), c.value(), k);
        sb.append("\n  entry ").append(k.pk()).append('/').append(k.sk()).append(" state=").append(en.state())
            .append(" attempts=").append(en.attempts()).append(" time=").append(en.time())
            .append(" flags=").append(en.flags()).append(" receipt=").append(en.receipt())
            .append(" data=").append(e.codec.decode(en.kryo(), 0, en.kryo().length, k));
      }
    }
    try (KvCursor c = e.kv.scan(Space.QINDEX, lo, hi, false, 0)) {
      while (c.next()) {
        byte[] k = c.key();
        int skAt = KeyCodec.skOffset(k, 1);
        String pk = KeyCodec.decode(k, 1).pk();
        switch (k[0]) {
          case 0 -> {
            QueueLayout.Counters n = QueueLayout.openCounters(k, c.value(), pk);
            sb.append("\n  counters ").append(pk).append(" ready=").append(n.ready()).append(" inFlight=")
                .append(n.inFlight()).append(" delayed=").append(n.delayed());
          }
          case 1 -> sb.append("\n  ready ").append(pk).append('/')
              .append(new String(k, skAt, k.length - skAt, StandardCharsets.UTF_8));
          default -> sb.append("\n  timed ").append(pk).append(" t=").append(ByteBuffer.wrap(k).getLong(skAt))
              .append(' ').append(new String(k, skAt + 8, k.length - skAt - 8, StandardCharsets.UTF_8))
              .append(" state=").append(c.value()[1]);
        }
      }
    }
    return sb.toString();
  }
}
