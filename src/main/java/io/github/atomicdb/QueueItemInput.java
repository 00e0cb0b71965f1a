package io.github.atomicdb;

import java.util.Objects;

/**
 * An entry to push onto a queue.
 *
 * @param pk the queue, never null
 * @param sk the entry's sort key, or null to generate a monotonic ULID (push order)
 * @param data the entry's data, copied by value
 * @param delaySeconds the entry is not available before {@code now + delaySeconds}; 0 = at once
 */
public record QueueItemInput(String pk, String sk, Object data, long delaySeconds) {
  /**
   * @throws NullPointerException if {@code pk} is null
   * @throws IllegalArgumentException if {@code delaySeconds} is negative
   */
  public QueueItemInput {
    Objects.requireNonNull(pk, "pk must not be null");
    if (delaySeconds < 0) {
      throw new IllegalArgumentException("delaySeconds must be >= 0, was " + delaySeconds);
    }
  }

  /** The seed's form: no delay. */
  public QueueItemInput(String pk, String sk, Object data) {
    this(pk, sk, data, 0);
  }

  /** An entry whose sort key is generated (entries then pull in push order). */
  public static QueueItemInput of(String pk, Object data) {
    return new QueueItemInput(pk, null, data, 0);
  }

  /** An entry with an explicit sort key (entries pull in {@code sk} order). */
  public static QueueItemInput of(String pk, String sk, Object data) {
    return new QueueItemInput(pk, sk, data, 0);
  }

  /** A copy that becomes available only {@code seconds} after the push (retry back-off). */
  public QueueItemInput withDelaySeconds(long seconds) {
    return new QueueItemInput(pk, sk, data, seconds);
  }
}
