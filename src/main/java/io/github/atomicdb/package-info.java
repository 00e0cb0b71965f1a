/**
 * atomic-db: an embedded atomic store with optimistic locks, TTL and a durable job queue.
 *
 * <h2>Entry points</h2>
 *
 * {@link io.github.atomicdb.AtomicDb} is the whole contract. Implementations: {@link
 * io.github.atomicdb.AtomicMemoryDb} (in memory, for tests and development), {@code
 * AtomicRocksDb} (durable, on RocksDB) and {@code AtomicLRUCache} (a read cache over either).
 * Everything else in this package is an immutable value type or an exception.
 *
 * <h2>Rules that hold for the whole package</h2>
 *
 * <ul>
 *   <li><b>Threads.</b> Every store is safe for concurrent use by any number of threads. Value
 *       types are immutable records. Builders are not thread-safe.
 *   <li><b>Time.</b> Every expiry decision (item ttl, lock ttl, visibility timeouts, delays)
 *       reads the store's {@link java.time.Clock}, injectable through the builders; ttl values
 *       are epoch seconds, as in the TypeScript original.
 *   <li><b>Errors.</b> All exceptions are unchecked: {@link java.lang.NullPointerException} or
 *       {@link java.lang.IllegalArgumentException} (naming the field, the limit and the size)
 *       for bad input, thrown before anything is written; {@link
 *       io.github.atomicdb.RaceConditionException} for a lost optimistic race; {@link
 *       io.github.atomicdb.CorruptDataException} for stored bytes that fail their checks; {@link
 *       io.github.atomicdb.AtomicDbException} for other store failures; {@link
 *       java.lang.IllegalStateException} for use after {@code close()}. Native exceptions of
 *       the storage engine never escape.
 *   <li><b>Atomicity.</b> Every call is all-or-nothing; a call that threw wrote nothing.
 *   <li><b>Lifecycle.</b> {@code close()} is idempotent and releases every native resource.
 * </ul>
 *
 * <p>Internals (codecs, the key-value SPI, backends) live in {@code io.github.atomicdb.internal}
 * and are not part of the API.
 */
package io.github.atomicdb;
