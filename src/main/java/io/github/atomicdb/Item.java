package io.github.atomicdb;

import java.util.Objects;

/**
 * A stored item: key, data and an optional expiry.
 *
 * <p>{@code data} is copied by value into the store: mutating the object after {@code set}, or
 * the one returned by {@code get}, changes nothing stored. It may be any built-in type (see
 * {@code data-format.md}) or a class given an id with {@code register(type, id)}; it may be null.
 *
 * @param pk partition key, never null
 * @param sk sort key, never null
 * @param data the value, may be null
 * @param ttl expiry in epoch <b>seconds</b>; the item is invisible once {@code now > ttl}; null
 *     means no expiry. {@code set} accepts 0 to {@link #MAX_TTL} (9999-12-31T23:59:59Z); a larger
 *     value can only be epoch milliseconds and is refused
 */
public record Item(String pk, String sk, Object data, Long ttl) {
  /**
   * The largest ttl accepted: 9999-12-31T23:59:59Z in epoch seconds. Every epoch-millisecond time
   * after 1977 is larger, so a ttl given in milliseconds by mistake is refused, not kept for
   * millennia.
   */
  public static final long MAX_TTL = 253_402_300_799L;

  /** @throws NullPointerException naming {@code pk} or {@code sk} when it is null */
  public Item {
    Objects.requireNonNull(pk, "pk must not be null");
    Objects.requireNonNull(sk, "sk must not be null");
  }

  /** An item without expiry. */
  public static Item of(String pk, String sk, Object data) {
    return new Item(pk, sk, data, null);
  }

  /**
   * A copy of this item that expires after {@code epochSeconds}.
   *
   * @throws IllegalArgumentException if {@code epochSeconds} is negative or above {@link #MAX_TTL}
   *     (the message says when it looks like epoch milliseconds)
   */
  public Item withTtl(long epochSeconds) {
    checkTtl(epochSeconds, "ttl");
    return new Item(pk, sk, data, epochSeconds);
  }

  /**
   * Refuses a ttl outside 0..{@link #MAX_TTL}.
   *
   * @param what names the ttl in the message, e.g. {@code "ttl of (pk 'a', sk 'b')"}
   */
  static void checkTtl(long ttl, String what) {
    if (ttl >= 0 && ttl <= MAX_TTL) {
      return;
    }
    String range = " is " + ttl + "; ttl is epoch seconds, from 0 to " + MAX_TTL + " (9999-12-31T23:59:59Z)";
    if (ttl > MAX_TTL && ttl / 1000 <= MAX_TTL) {
      throw new IllegalArgumentException(what + range + ". " + ttl + " looks like epoch milliseconds ("
          + java.time.Instant.ofEpochMilli(ttl) + "): pass " + Math.floorDiv(ttl, 1000L) + " instead");
    }
    throw new IllegalArgumentException(what + range);
  }

  /** A copy of this item without expiry. */
  public Item withoutTtl() {
    return new Item(pk, sk, data, null);
  }

  /** A copy of this item with other data. */
  public Item withData(Object newData) {
    return new Item(pk, sk, newData, ttl);
  }

  /** This item's key. */
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
