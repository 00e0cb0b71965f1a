package io.github.atomicdb;

import java.util.Objects;

/**
 * An optimistic lock on one item key, as returned by {@link AtomicDb#getLock(ItemKey)} and
 * consumed by {@link AtomicDb#setAtomic(java.util.List, java.util.List)}.
 *
 * <p>Locks are stored apart from items: they can never be read or written through {@code get}
 * or {@code set}.
 *
 * @param pk the locked item's partition key
 * @param sk the locked item's sort key
 * @param version opaque version; {@code setAtomic} succeeds only while it is still the stored one
 * @param ttl expiry of the lock in epoch seconds (24 h after creation)
 */
public record ItemLock(String pk, String sk, String version, Long ttl) {
  /** @throws NullPointerException naming the null field */
  public ItemLock {
    Objects.requireNonNull(pk, "pk must not be null");
    Objects.requireNonNull(sk, "sk must not be null");
    Objects.requireNonNull(version, "version must not be null");
  }

  /** The key this lock guards. */
  public ItemKey key() {
    return new ItemKey(pk, sk);
  }
}
