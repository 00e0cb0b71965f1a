package io.github.atomicdb.spi;

/**
 * A forward-only cursor over one key range of a snapshot. Not thread-safe. {@link #close()} is
 * idempotent and releases native resources; a cursor also releases them when {@link #next()}
 * returns false.
 */
public interface KvCursor extends AutoCloseable {
  /** Moves to the next entry; false at the end of the range. */
  boolean next();

  /** The current key; do not mutate. */
  byte[] key();

  /** The current value; do not mutate. */
  byte[] value();

  @Override
  void close();
}
