package io.github.atomicdb;

import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.Records;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.Space;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Test-only view of the engine's queue storage, for diagnostics in failure messages. */
public final class EngineAccess {
  private EngineAccess() {}

  /** Every queue entry record and queue index key of {@code db}, readable. */
  public static String dumpQueues(AtomicDb db) {
    EngineDb e = (EngineDb) db;
    StringBuilder sb = new StringBuilder();
    byte[] lo = new byte[0];
    byte[] hi = new byte[] {(byte) 0xFF, (byte) 0xFF};
    try (KvCursor c = e.kv.scan(Space.QUEUE, lo, hi, false, 0)) {
      while (c.next()) {
        ItemKey k = KeyCodec.decode(c.key());
        Records.Entry en = Records.openEntry(c.value(), k);
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
            long[] n = Records.openCounters(c.value(), pk);
            sb.append("\n  counters ").append(pk).append(" ready=").append(n[0]).append(" inFlight=")
                .append(n[1]).append(" delayed=").append(n[2]);
          }
          case 1 -> sb.append("\n  ready ").append(pk).append('/')
              .append(new String(k, skAt, k.length - skAt, StandardCharsets.UTF_8));
          default -> sb.append("\n  timed ").append(pk).append(" t=").append(ByteBuffer.wrap(k).getLong(skAt))
              .append(' ').append(new String(k, skAt + 8, k.length - skAt - 8, StandardCharsets.UTF_8))
              .append(" state=").append(c.value()[0]);
        }
      }
    }
    return sb.toString();
  }
}
