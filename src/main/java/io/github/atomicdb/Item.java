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
 *     means no expiry
 */
public record Item(String pk, String sk, Object data, Long ttl) {
  /** @throws NullPointerException naming {@code pk} or {@code sk} when it is null */
  public Item {
    Objects.requireNonNull(pk, "pk must not be null");
    Objects.requireNonNull(sk, "sk must not be null");
  }

  /** An item without expiry. */
  public static Item of(String pk, String sk, Object data) {
    return new Item(pk, sk, data, null);
  }

  /** A copy of this item that expires after {@code epochSeconds}. */
  public Item withTtl(long epochSeconds) {
    return new Item(pk, sk, data, epochSeconds);
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
