package io.github.atomicdb;

import io.github.atomicdb.internal.EngineAccess;
import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.KvStore;
import io.github.atomicdb.internal.Records;
import io.github.atomicdb.internal.Space;
import io.github.atomicdb.internal.ValueCodec;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/*
 * Installs EngineAccess (tool access for the command line; not API). Queue import writes the
 * layout of QueueEngine (entry, ready index, counters) in one transaction that validates the
 * counters and every entry key it writes, exactly as QueueEngine's own push does for a new entry.
 */
final class EngineAccessImpl implements EngineAccess.Accessor {
  static {
    EngineAccess.install(new EngineAccessImpl());
  }

  private EngineAccessImpl() {}

  private static EngineDb engine(AtomicDb db) {
    if (db instanceof EngineDb e) {
      e.checkOpen();
      return e;
    }
    throw new IllegalArgumentException(
        "not an engine-backed store: " + (db == null ? "null" : db.getClass().getName()));
  }

  @Override
  public KvStore kv(AtomicDb db) {
    return engine(db).kv;
  }

  @Override
  public ValueCodec codec(AtomicDb db) {
    return engine(db).codec;
  }

  @Override
  public Clock clock(AtomicDb db) {
    return engine(db).clock;
  }

  @Override
  public int importQueueEntries(AtomicDb db, List<EngineAccess.RawQueueEntry> entries) {
    EngineDb e = engine(db);
    for (int attempt = 0; ; attempt++) {
      try {
        return e.kv.transact(
            t -> {
              Map<String, long[]> counters = new HashMap<>();
              Map<String, byte[]> parts = new HashMap<>();
              int added = 0;
              for (EngineAccess.RawQueueEntry r : entries) {
                byte[] part = parts.computeIfAbsent(r.pk(), pk -> KeyCodec.partition(KeyCodec.checkPk(pk)));
                byte[] sk = KeyCodec.checkSk(r.sk());
                byte[] ek = QueueEngine.entryKey(part, sk);
                if (t.getForUpdate(Space.QUEUE, ek) != null) {
                  continue;
                }
                long[] c = counters.computeIfAbsent(r.pk(), pk -> Records.openCounters(
                    t.getForUpdate(Space.QINDEX, QueueEngine.metaKey(part)),
                    "counters of queue '" + pk + "'"));
                t.put(Space.QUEUE, ek, Records.entry(new Records.Entry(
                    Records.READY, 0, 0, r.enqueuedAt(), (byte) 0, "", r.kryo())));
                t.put(Space.QINDEX, QueueEngine.readyKey(part, sk),
                    ByteBuffer.allocate(8).putLong(r.enqueuedAt()).array());
                c[0]++;
                added++;
              }
              for (Map.Entry<String, long[]> m : counters.entrySet()) {
                long[] c = m.getValue();
                t.put(Space.QINDEX, QueueEngine.metaKey(parts.get(m.getKey())),
                    Records.counters(c[0], c[1], c[2]));
              }
              return added;
            });
      } catch (io.github.atomicdb.internal.KvConflictException ex) {
        if (attempt >= 100) {
          throw new AtomicDbException("queue import kept conflicting with other writers", ex);
        }
      }
    }
  }

  @Override
  public byte[] queueCountersKey(String pk) {
    return QueueEngine.metaKey(KeyCodec.partition(KeyCodec.utf8(pk, "pk")));
  }

  @Override
  public byte[] queueIndexKey(String pk, String sk, Records.Entry e) {
    byte[] part = KeyCodec.partition(KeyCodec.utf8(pk, "pk"));
    byte[] s = KeyCodec.utf8(sk, "sk");
    return e.state() == Records.READY
        ? QueueEngine.readyKey(part, s)
        : QueueEngine.timedKey(part, e.time(), s);
  }
}
