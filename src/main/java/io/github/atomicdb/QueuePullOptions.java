package io.github.atomicdb;

import java.time.Duration;
import java.util.Objects;

/**
 * How to pull from a queue.
 *
 * @param pk the queue, never null
 * @param ttlSeconds visibility timeout: the delivered entry is hidden from other pulls until
 *     {@code now + ttlSeconds}; default 300; from 1 to {@link #MAX_TTL_SECONDS}
 * @param maxAttempts 0 (default) delivers an entry any number of times; {@code n > 0} moves an
 *     entry already delivered {@code n} times to the dead-letter queue instead of delivering it
 *     again
 * @param deadLetterQueue the dead-letter queue's pk; null (default) means {@code pk + "-dlq"}
 * @param waitTime long poll: how long a pull may block waiting for an entry; {@link Duration#ZERO}
 *     (default) returns at once; at most {@link #MAX_WAIT}
 */
public record QueuePullOptions(
    String pk, long ttlSeconds, int maxAttempts, String deadLetterQueue, Duration waitTime) {

  /** Default visibility timeout in seconds. */
  public static final long DEFAULT_TTL_SECONDS = 300;

  /** Suffix of the default dead-letter queue's pk. */
  public static final String DEFAULT_DLQ_SUFFIX = "-dlq";

  /**
   * The longest visibility timeout accepted, also by {@code queueExtend}: 100 years of 365 days,
   * in seconds. Deadlines are kept in epoch milliseconds; this bound keeps every one of them far
   * from overflow.
   */
  public static final long MAX_TTL_SECONDS = 100L * 365 * 24 * 3600;

  /** The longest long-poll wait accepted: 100 years of 365 days. */
  public static final Duration MAX_WAIT = Duration.ofDays(100L * 365);

  /** The most entries one {@code queuePullBatch} may claim. */
  public static final int MAX_BATCH = 10_000;

  /**
   * @throws NullPointerException if {@code pk} or {@code wait} is null
   * @throws IllegalArgumentException if a number is out of range
   */
  public QueuePullOptions {
    Objects.requireNonNull(pk, "pk must not be null");
    Objects.requireNonNull(waitTime, "waitTime must not be null (use Duration.ZERO)");
    checkTtlSeconds(ttlSeconds, "ttlSeconds");
    if (maxAttempts < 0) {
      throw new IllegalArgumentException("maxAttempts must be >= 0 (0 = unlimited), was " + maxAttempts);
    }
    if (waitTime.isNegative() || waitTime.compareTo(MAX_WAIT) > 0) {
      throw new IllegalArgumentException(
          "waitTime must be between 0 and " + MAX_WAIT.toDays() + " days, was " + waitTime);
    }
  }

  /** Refuses a visibility timeout outside 1..{@link #MAX_TTL_SECONDS}, naming it {@code what}. */
  static void checkTtlSeconds(long seconds, String what) {
    if (seconds < 1 || seconds > MAX_TTL_SECONDS) {
      throw new IllegalArgumentException(what + " must be between 1 and " + MAX_TTL_SECONDS
          + " (100 years), was " + seconds);
    }
  }

  /** Options with a visibility timeout and every other default. */
  public QueuePullOptions(String pk, long ttlSeconds) {
    this(pk, ttlSeconds, 0, null, Duration.ZERO);
  }

  /** Pull from {@code pk} with a 300 s visibility timeout. */
  public static QueuePullOptions of(String pk) {
    return new QueuePullOptions(pk, DEFAULT_TTL_SECONDS);
  }

  /**
   * A copy with another visibility timeout.
   *
   * @throws IllegalArgumentException if {@code seconds} is not between 1 and {@link
   *     #MAX_TTL_SECONDS}
   */
  public QueuePullOptions withTtlSeconds(long seconds) {
    return new QueuePullOptions(pk, seconds, maxAttempts, deadLetterQueue, waitTime);
  }

  /**
   * A copy that dead-letters entries already delivered {@code n} times (0 = never).
   *
   * @throws IllegalArgumentException if {@code n} is negative
   */
  public QueuePullOptions withMaxAttempts(int n) {
    return new QueuePullOptions(pk, ttlSeconds, n, deadLetterQueue, waitTime);
  }

  /**
   * A copy that dead-letters into {@code dlqPk} instead of {@code pk + "-dlq"}. Dead-lettering
   * never replaces an entry: if the dead-letter queue already holds one with the same sk (several
   * queues may share one dead-letter queue), the moved entry gets the sk {@code sk + "~" + ULID},
   * as {@link AtomicDb#queueRedrive} does.
   */
  public QueuePullOptions withDeadLetterQueue(String dlqPk) {
    return new QueuePullOptions(pk, ttlSeconds, maxAttempts, dlqPk, waitTime);
  }

  /**
   * A copy that blocks up to {@code d} for an entry (long polling).
   *
   * @throws IllegalArgumentException if {@code d} is negative or longer than {@link #MAX_WAIT}
   */
  public QueuePullOptions withWait(Duration d) {
    return new QueuePullOptions(pk, ttlSeconds, maxAttempts, deadLetterQueue, d);
  }

  /** The dead-letter queue this pull moves entries to. */
  public String deadLetterQueueOrDefault() {
    return deadLetterQueue != null ? deadLetterQueue : pk + DEFAULT_DLQ_SUFFIX;
  }
}
