package io.github.atomicdb.tools;

import java.util.Objects;

/**
 * A queue entry as stored.
 *
 * @param pk the queue
 * @param sk the entry's sort key (its place in the queue)
 * @param state where it stands as of the moment it was read
 * @param attempts deliveries so far
 * @param untilMillis end of the processing timeout (in flight) or of the delay (delayed), epoch
 *     milliseconds; 0 for an entry that is waiting
 * @param enqueuedAtMillis when it was pushed, epoch milliseconds
 * @param value its data
 */
public record QueueRecord(
    String pk, String sk, QueueEntryState state, int attempts, long untilMillis,
    long enqueuedAtMillis, StoredValue value) {
  /** @throws NullPointerException if pk, sk, state or value is null */
  public QueueRecord {
    Objects.requireNonNull(pk, "pk must not be null");
    Objects.requireNonNull(sk, "sk must not be null");
    Objects.requireNonNull(state, "state must not be null");
    Objects.requireNonNull(value, "value must not be null");
  }

  /**
   * An entry to import with {@link StoreTools#importQueueEntries}: it becomes available with
   * attempts 0, keeping its push time.
   */
  public static QueueRecord toImport(String pk, String sk, long enqueuedAtMillis, StoredValue value) {
    return new QueueRecord(pk, sk, QueueEntryState.AVAILABLE, 0, 0, enqueuedAtMillis, value);
  }
}
