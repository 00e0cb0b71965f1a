package io.github.atomicdb;

import java.util.Objects;

/**
 * One delivery of a queue entry, as returned by {@code queuePull}.
 *
 * <p>The {@code receipt} identifies this delivery: {@link AtomicDb#queueAcknowledge(QueueItem)},
 * {@link AtomicDb#queueRelease(QueueItem)} and {@link AtomicDb#queueExtend(QueueItem, long)}
 * act only while this delivery still owns the entry, that is until the entry is delivered again
 * (after its timeout) or released.
 *
 * @param pk the queue
 * @param sk the entry's sort key (its place in the queue)
 * @param data the entry's data, a fresh copy
 * @param isProcessing true for a delivery (the entry is in flight)
 * @param processingTimeout end of this delivery's visibility timeout, epoch seconds
 * @param attempts how many times the entry has been delivered, this delivery included
 * @param receipt identifies this delivery; new on every delivery
 */
public record QueueItem(
    String pk,
    String sk,
    Object data,
    boolean isProcessing,
    long processingTimeout,
    int attempts,
    String receipt) {

  /** @throws NullPointerException naming {@code pk} or {@code sk} when it is null */
  public QueueItem {
    Objects.requireNonNull(pk, "pk must not be null");
    Objects.requireNonNull(sk, "sk must not be null");
  }

  /** The seed's six-field form, without a receipt (such an item acknowledges nothing by lease). */
  public QueueItem(
      String pk, String sk, Object data, boolean isProcessing, long processingTimeout, int attempts) {
    this(pk, sk, data, isProcessing, processingTimeout, attempts, null);
  }

  /** The entry's key, for the key-based {@code queueAcknowledge}/{@code queueRelease}. */
  public ItemKey key() {
    return new ItemKey(pk, sk);
  }

  /**
   * The data cast to {@code type}.
   *
   * @throws ClassCastException if the data is not of that type
   */
  public <T> T data(Class<T> type) {
    return type.cast(data);
  }
}
