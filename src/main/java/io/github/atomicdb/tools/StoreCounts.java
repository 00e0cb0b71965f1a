package io.github.atomicdb.tools;

/**
 * Records of a store, counted in one pass.
 *
 * @param items live items
 * @param expiredItems items past their ttl that are still on disk (invisible to reads, removed by
 *     compaction)
 * @param locks lock records
 * @param queueEntries queue entries of every queue
 */
public record StoreCounts(long items, long expiredItems, long locks, long queueEntries) {}
