package io.github.atomicdb.tools;

import java.util.Objects;

/**
 * An item as stored: its key, its expiry and its value, decoded or as bytes.
 *
 * @param pk partition key
 * @param sk sort key
 * @param ttl expiry in epoch seconds, or null for none
 * @param value the stored value
 */
public record ItemRecord(String pk, String sk, Long ttl, StoredValue value) {
  /** @throws NullPointerException if pk, sk or value is null */
  public ItemRecord {
    Objects.requireNonNull(pk, "pk must not be null");
    Objects.requireNonNull(sk, "sk must not be null");
    Objects.requireNonNull(value, "value must not be null");
  }
}
