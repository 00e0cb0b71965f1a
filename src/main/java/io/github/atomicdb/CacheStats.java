package io.github.atomicdb;

/**
 * Counters of an {@link AtomicLRUCache} since it was created.
 *
 * <p>A <em>hit</em> is a key answered without calling the wrapped store (a cached item, a cached
 * absence, or a cached item found expired); a <em>miss</em> is a key looked up in the wrapped
 * store. {@code getMany} counts each key once.
 *
 * @param hits keys answered from the cache
 * @param misses keys read from the wrapped store
 * @param evictions entries removed to stay within {@code maxItems} (invalidations by writes and
 *     expired entries dropped on read are not counted)
 * @param hitRate {@code hits / (hits + misses)}; 0.0 before the first lookup
 */
public record CacheStats(long hits, long misses, long evictions, double hitRate) {

  /** @throws IllegalArgumentException if a count is negative */
  public CacheStats {
    if (hits < 0 || misses < 0 || evictions < 0) {
      throw new IllegalArgumentException(
          "counts must be >= 0, were hits " + hits + ", misses " + misses + ", evictions "
              + evictions);
    }
  }

  /** Stats with {@code hitRate} computed from the counts. */
  public static CacheStats of(long hits, long misses, long evictions) {
    long requests = hits + misses;
    return new CacheStats(hits, misses, evictions, requests == 0 ? 0.0 : (double) hits / requests);
  }

  /** {@code hits + misses}. */
  public long requests() {
    return hits + misses;
  }
}
