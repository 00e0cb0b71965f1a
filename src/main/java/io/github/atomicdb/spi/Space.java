package io.github.atomicdb.spi;

/**
 * The key spaces of the backend SPI. RocksDB keeps each in its own column family; the memory
 * backend keeps one sorted map each. See data-format.md for each space's layout.
 */
public enum Space {
  /** Items: item key to the TTL row envelope (the only space the TTL filter runs on). */
  ITEMS,
  /** Optimistic locks: item key to lock record. */
  LOCKS,
  /** Queue entries: (queue, sk) to entry record. */
  QUEUE,
  /** Queue indexes and per-queue counters. */
  QINDEX
}
