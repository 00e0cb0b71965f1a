package io.github.atomicdb.tools;

/**
 * RocksDB's own figures about an open store ({@code AtomicRocksDb.storageStats()}), summed over
 * the store's column families: estimates RocksDB maintains, read without touching data.
 *
 * @param liveDataBytes estimated bytes of live data in the data files (what is left after
 *     dropping overwritten and deleted records)
 * @param pendingCompactionBytes estimated bytes compactions still have to rewrite to bring every
 *     level within its target size; growing without bound means writes outpace compaction
 * @param memtableBytes memory the write buffers (memtables) take, the active and unflushed ones
 * @param blockCacheBytes memory the block cache holds (one cache shared by every column family)
 */
public record StorageStats(
    long liveDataBytes, long pendingCompactionBytes, long memtableBytes, long blockCacheBytes) {}
