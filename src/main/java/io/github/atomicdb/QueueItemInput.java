package io.github.atomicdb;

import java.util.Objects;

/**
 * An entry to push onto a queue.
 *
 * @param pk the queue, never null
 * @param sk the entry's sort key, or null to generate a monotonic ULID (push order)
 * @param data the entry's data, copied by value
 * @param delaySeconds the entry is not available before {@code now + delaySeconds}; 0 = at once;
 *     at most {@link #MAX_DELAY_SECONDS}
 */
public record QueueItemInput(String pk, String sk, Object data, long delaySeconds) {
  /** The longest delay accepted: 100 years of 365 days, in seconds. */
  public static final long MAX_DELAY_SECONDS = 100L * 365 * 24 * 3600;

  /**
   * @throws NullPointerException if {@code pk} is null
   * @throws IllegalArgumentException if {@code delaySeconds} is negative or above {@link
   *     #MAX_DELAY_SECONDS}
   */
  public QueueItemInput {
    Objects.requireNonNull(pk, "pk must not be null");
    if (delaySeconds < 0 || delaySeconds > MAX_DELAY_SECONDS) {
      throw new IllegalArgumentException("delaySeconds must be between 0 and " + MAX_DELAY_SECONDS
          + " (100 years), was " + delaySeconds);
    }
  }

  /** An entry available at once. */
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

  /**
   * A copy that becomes available only {@code seconds} after the push (retry back-off).
   *
   * @throws IllegalArgumentException if {@code seconds} is negative or above {@link
   *     #MAX_DELAY_SECONDS}
   */
  public QueueItemInput withDelaySeconds(long seconds) {
    return new QueueItemInput(pk, sk, data, seconds);
  }
}
