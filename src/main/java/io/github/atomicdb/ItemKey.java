package io.github.atomicdb;

import java.util.Objects;

/**
 * The address of an item: partition key {@code pk} and sort key {@code sk}.
 *
 * <p>Both parts are non-null; emptiness, length (pk 2048, sk 1024 UTF-8 bytes), valid UTF-16 and
 * reserved prefixes are checked by the store when the key is used, so a key can be built freely
 * and refused with a message that names the field.
 *
 * @param pk partition key, never null
 * @param sk sort key, never null
 */
public record ItemKey(String pk, String sk) {
  /** @throws NullPointerException naming {@code pk} or {@code sk} when it is null */
  public ItemKey {
    Objects.requireNonNull(pk, "pk must not be null");
    Objects.requireNonNull(sk, "sk must not be null");
  }

  /** Same as the constructor. */
  public static ItemKey of(String pk, String sk) {
    return new ItemKey(pk, sk);
  }
}
