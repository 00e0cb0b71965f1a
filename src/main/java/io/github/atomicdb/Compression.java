package io.github.atomicdb;

/**
 * Block compression of {@link AtomicRocksDb}'s files. It applies to data written after open;
 * files written with another setting stay readable, so it may change between opens.
 */
public enum Compression {
  /** No compression: least CPU, most disk. */
  NONE,
  /** LZ4: fast, moderate ratio. The default. */
  LZ4,
  /** Zstandard: better ratio for more CPU on writes and compactions. */
  ZSTD
}
