package io.github.atomicdb;

import io.github.atomicdb.internal.EngineAccess;
import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.Records;
import io.github.atomicdb.internal.ValueCodec;
import io.github.atomicdb.spi.KvStore;
import java.time.Clock;
import java.util.List;

/*
 * Installs EngineAccess (tool access for the command line; not API). Queue import goes through
 * QueueEngine's own push path, so indexes, counters and the in-memory ready floor stay right.
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
    return engine(db).queue.importEntries(entries);
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
