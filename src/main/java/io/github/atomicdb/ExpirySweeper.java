package io.github.atomicdb;

import io.github.atomicdb.internal.Records;
import io.github.atomicdb.spi.KvConflictException;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.Space;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/*
 * Physical removal of expired items and lock records, for a backend that has no removal of its
 * own (RocksDB drops them in compaction; etcd has none): see Engines.sweepExpired.
 *
 * A round reads up to maxKeys records, half from each space, from where the last round stopped
 * (wrapping to the start of the space at its end), so a round's work is bounded whatever the
 * store holds. The records expired by the engine's clock (the rule every read applies, now >
 * ttl) are deleted in transactions of at most maxOpsPerCommit keys that first read each key for
 * update and delete it only if it still holds the bytes the scan saw: a key set again meanwhile,
 * by this process or another, is a conflict or a different value, and stays. Several processes
 * may sweep the same store at once: the worst case is work done twice. A damaged record is left
 * alone (reads name its key; delete or set clears it).
 */
final class ExpirySweeper {
  private final KvStore kv;
  private final Clock clock;
  /** Where the next round starts in ITEMS and LOCKS. Guarded by this. */
  private final Map<Space, byte[]> from = new EnumMap<>(Space.class);

  ExpirySweeper(KvStore kv, Clock clock) {
    this.kv = kv;
    this.clock = clock;
  }

  /** One round: reads at most {@code maxKeys} records; returns how many it deleted. */
  synchronized int sweep(int maxKeys) {
    if (maxKeys < 2) {
      throw new IllegalArgumentException("maxKeys must be at least 2, was " + maxKeys);
    }
    int half = maxKeys / 2;
    return sweepSpace(Space.ITEMS, half) + sweepSpace(Space.LOCKS, maxKeys - half);
  }

  /** Sweeps up to {@code max} records of {@code space}; returns how many it deleted. */
  private int sweepSpace(Space space, int max) {
    List<byte[]> keys = new ArrayList<>();
    List<byte[]> values = new ArrayList<>();
    long now = clock.millis();
    byte[] next = new byte[0]; // wraps to the start unless the scan stops early
    int read = 0;
    try (KvCursor c = kv.scan(space, from.getOrDefault(space, new byte[0]), null, false, max)) {
      while (read < max && c.next()) {
        read++;
        byte[] k = c.key();
        if (read == max) {
          next = Arrays.copyOf(k, k.length + 1); // the first key after k
        }
        if (expired(space, k, c.value(), now)) {
          keys.add(k);
          values.add(c.value());
        }
      }
    }
    from.put(space, next);
    return delete(space, keys, values);
  }

  private static boolean expired(Space space, byte[] key, byte[] v, long now) {
    try {
      if (space == Space.ITEMS) {
        Long ttl = Records.openItem(key, v, "sweep").ttl();
        return ttl != null && EngineDb.expired(ttl, now);
      }
      return EngineDb.expired(Records.openLock(key, v, "sweep").ttl(), now);
    } catch (CorruptDataException e) {
      return false;
    }
  }

  private int delete(Space space, List<byte[]> keys, List<byte[]> values) {
    int per = Math.max(1, Math.min(kv.maxOpsPerCommit(), 256));
    int removed = 0;
    for (int i = 0; i < keys.size(); i += per) {
      List<byte[]> ks = keys.subList(i, Math.min(keys.size(), i + per));
      List<byte[]> seen = values.subList(i, i + ks.size());
      try {
        removed += kv.transact(t -> {
          List<byte[]> now = t.getForUpdate(space, ks);
          int n = 0;
          for (int j = 0; j < ks.size(); j++) {
            if (Arrays.equals(now.get(j), seen.get(j))) {
              t.delete(space, ks.get(j));
              n++;
            }
          }
          return n;
        });
      } catch (KvConflictException e) {
        // Something of the chunk was written meanwhile: the next round looks again.
      }
    }
    return removed;
  }
}
