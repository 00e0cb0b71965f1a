package io.github.atomicdb;

import java.time.Duration;
import java.util.Objects;

/**
 * How to pull from a queue.
 *
 * @param pk the queue, never null
 * @param ttlSeconds visibility timeout: the delivered entry is hidden from other pulls until
 *     {@code now + ttlSeconds}; default 300; at least 1
 * @param maxAttempts 0 (default) delivers an entry any number of times; {@code n > 0} moves an
 *     entry already delivered {@code n} times to the dead-letter queue instead of delivering it
 *     again
 * @param deadLetterQueue the dead-letter queue's pk; null (default) means {@code pk + "-dlq"}
 * @param waitTime long poll: how long a pull may block waiting for an entry; {@link Duration#ZERO}
 *     (default) returns at once
 */
public record QueuePullOptions(
    String pk, long ttlSeconds, int maxAttempts, String deadLetterQueue, Duration waitTime) {

  /** Default visibility timeout in seconds. */
  public static final long DEFAULT_TTL_SECONDS = 300;

  /** Suffix of the default dead-letter queue's pk. */
  public static final String DEFAULT_DLQ_SUFFIX = "-dlq";

  /**
   * @throws NullPointerException if {@code pk} or {@code wait} is null
   * @throws IllegalArgumentException if a number is out of range
   */
  public QueuePullOptions {
    Objects.requireNonNull(pk, "pk must not be null");
    Objects.requireNonNull(waitTime, "waitTime must not be null (use Duration.ZERO)");
    if (ttlSeconds < 1) {
      throw new IllegalArgumentException("ttlSeconds must be >= 1, was " + ttlSeconds);
    }
    if (maxAttempts < 0) {
      throw new IllegalArgumentException("maxAttempts must be >= 0 (0 = unlimited), was " + maxAttempts);
    }
    if (waitTime.isNegative()) {
      throw new IllegalArgumentException("wait must not be negative, was " + waitTime);
    }
  }

  /** The seed's form. */
  public QueuePullOptions(String pk, long ttlSeconds) {
    this(pk, ttlSeconds, 0, null, Duration.ZERO);
  }

  /** Pull from {@code pk} with a 300 s visibility timeout. */
  public static QueuePullOptions of(String pk) {
    return new QueuePullOptions(pk, DEFAULT_TTL_SECONDS);
  }

  /** A copy with another visibility timeout. */
  public QueuePullOptions withTtlSeconds(long seconds) {
    return new QueuePullOptions(pk, seconds, maxAttempts, deadLetterQueue, waitTime);
  }

  /** A copy that dead-letters entries already delivered {@code n} times (0 = never). */
  public QueuePullOptions withMaxAttempts(int n) {
    return new QueuePullOptions(pk, ttlSeconds, n, deadLetterQueue, waitTime);
  }

  /** A copy that dead-letters into {@code dlqPk} instead of {@code pk + "-dlq"}. */
  public QueuePullOptions withDeadLetterQueue(String dlqPk) {
    return new QueuePullOptions(pk, ttlSeconds, maxAttempts, dlqPk, waitTime);
  }

  /** A copy that blocks up to {@code d} for an entry (long polling). */
  public QueuePullOptions withWait(Duration d) {
    return new QueuePullOptions(pk, ttlSeconds, maxAttempts, deadLetterQueue, d);
  }

  /** The dead-letter queue this pull moves entries to. */
  public String deadLetterQueueOrDefault() {
    return deadLetterQueue != null ? deadLetterQueue : pk + DEFAULT_DLQ_SUFFIX;
  }
}
