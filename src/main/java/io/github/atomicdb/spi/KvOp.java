package io.github.atomicdb.spi;

/**
 * One write of an unconditional batch: a put, or a delete when {@code value} is null.
 *
 * @param space where
 * @param key the key; ownership passes to the backend
 * @param value the new value, or null to delete
 */
public record KvOp(Space space, byte[] key, byte[] value) {
  public static KvOp put(Space space, byte[] key, byte[] value) {
    return new KvOp(space, key, value);
  }

  public static KvOp delete(Space space, byte[] key) {
    return new KvOp(space, key, null);
  }
}
