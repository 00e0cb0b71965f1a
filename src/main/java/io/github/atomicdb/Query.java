package io.github.atomicdb;

import java.util.Objects;

/**
 * A query over one partition: every item of {@code pk} whose sort key starts with {@code
 * skPrefix}, in UTF-8 byte order of {@code sk} (Unicode code point order), or reversed.
 *
 * @param pk the partition, never null
 * @param skPrefix sort-key prefix, or null (or empty) for the whole partition
 * @param reverse descending order when true
 * @param limit the most items to return; 0 means no limit; never negative
 */
public record Query(String pk, String skPrefix, boolean reverse, int limit) {
  /**
   * @throws NullPointerException if {@code pk} is null
   * @throws IllegalArgumentException if {@code limit} is negative
   */
  public Query {
    Objects.requireNonNull(pk, "pk must not be null");
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0 (0 = no limit), was " + limit);
    }
  }

  /** Every item of {@code pk}, ascending, without limit. */
  public static Query of(String pk) {
    return new Query(pk, null, false, 0);
  }

  /** A copy restricted to sort keys starting with {@code prefix}. */
  public Query withSkPrefix(String prefix) {
    return new Query(pk, prefix, reverse, limit);
  }

  /** A copy in descending order. */
  public Query reversed() {
    return new Query(pk, skPrefix, !reverse, limit);
  }

  /** A copy returning at most {@code n} items (0 = no limit). */
  public Query withLimit(int n) {
    return new Query(pk, skPrefix, reverse, n);
  }
}
