package io.github.atomicdb.internal;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.spi.KvStore;
import java.time.Clock;
import java.util.List;

/**
 * Tool access to the insides of an engine-backed {@link AtomicDb}: its {@link KvStore}, its
 * {@link ValueCodec} and its clock. <b>Not part of the API</b>: it exists for the {@code
 * atomicdb} command line (inspection, export/import of raw records, verify), which must read
 * records that the public API cannot (values of user classes it does not know, queue entries
 * without pulling them). Signatures may change in any release.
 *
 * <p>The implementation lives in a package-private class of {@code io.github.atomicdb}, which
 * installs itself when this class first asks for it, so the public package gains no type.
 */
public final class EngineAccess {
  private EngineAccess() {}

  /** What the engine package provides. */
  public interface Accessor {
    KvStore kv(AtomicDb db);

    ValueCodec codec(AtomicDb db);

    Clock clock(AtomicDb db);

    /**
     * Adds queue entries that are not there yet, as available entries (attempts 0) keeping
     * {@code enqueuedAt}, in one atomic commit; entries whose (pk, sk) already exists are left
     * alone.
     *
     * @return how many entries were added
     */
    int importQueueEntries(AtomicDb db, List<RawQueueEntry> entries);

    /** The QINDEX key of queue {@code pk}'s counters. */
    byte[] queueCountersKey(String pk);

    /** The QINDEX key under which the entry (pk, sk) in state {@code e} is indexed. */
    byte[] queueIndexKey(String pk, String sk, Records.Entry e);
  }

  /** A queue entry as stored: its key, Kryo bytes and push time (epoch millis). */
  public record RawQueueEntry(String pk, String sk, byte[] kryo, long enqueuedAt) {}

  private static volatile Accessor accessor;

  /** Called once by the engine package; later calls are ignored. */
  public static synchronized void install(Accessor a) {
    if (accessor == null) {
      accessor = a;
    }
  }

  /**
   * The accessor.
   *
   * @throws IllegalStateException if the engine package could not install it
   */
  public static Accessor get() {
    Accessor a = accessor;
    if (a == null) {
      try {
        Class.forName("io.github.atomicdb.EngineAccessImpl", true, EngineAccess.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("io.github.atomicdb.EngineAccessImpl is missing", e);
      }
      a = accessor;
      if (a == null) {
        throw new IllegalStateException("io.github.atomicdb.EngineAccessImpl did not install itself");
      }
    }
    return a;
  }
}
