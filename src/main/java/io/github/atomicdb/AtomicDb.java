package io.github.atomicdb;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * An atomic store of items addressed by {@code pk}/{@code sk}, with optimistic locks kept apart
 * from items, per-item TTL, and FIFO job queues with visibility timeouts.
 *
 * <h2>Guarantees</h2>
 *
 * Every write call is atomic: it happens whole or not at all; a call that throws wrote nothing.
 * {@code setAtomic} writes its items only while every lock it names still has the version the
 * caller holds. Data is copied by value in both directions. Expired items are invisible to every
 * read. On a durable implementation every call that returned survives a process crash.
 *
 * <h2>Threading</h2>
 *
 * Every implementation is safe for use by many threads at once. Concurrent {@code setAtomic}
 * calls holding the same lock version: exactly one succeeds. Concurrent pulls never receive the
 * same entry while its visibility timeout runs.
 *
 * <h2>Keys</h2>
 *
 * {@code pk} and {@code sk} are non-empty, valid UTF-16 strings of at most 2048 and 1024 UTF-8
 * bytes; keys starting with {@code __LOCK__} or {@code __ATOMICDB__} are reserved. Items sort
 * within a partition by the UTF-8 bytes of {@code sk} (Unicode code point order).
 *
 * <h2>Errors</h2>
 *
 * A null key part: {@link NullPointerException}; any other bad argument: {@link
 * IllegalArgumentException} naming the field and the limit; a lost optimistic race: {@link
 * RaceConditionException}; stored bytes that cannot be read: {@link CorruptDataException}; other
 * store failures: {@link AtomicDbException}; any call after {@link #close()}: {@link
 * IllegalStateException}.
 */
public interface AtomicDb extends AutoCloseable {

  /** The item at {@code key}, or empty if absent or expired. */
  Optional<Item> get(ItemKey key);

  /**
   * The items at {@code keys}, read at one consistent moment.
   *
   * @return a list of the same length and order as {@code keys}; empty where absent or expired
   */
  List<Optional<Item>> getMany(List<ItemKey> keys);

  /**
   * The lock of {@code key}: the stored one if it has at least one hour left; otherwise a new one
   * (new version, ttl = now + 24 h) is stored and returned. Racing first calls get the same
   * version.
   */
  ItemLock getLock(ItemKey key);

  /**
   * Writes {@code item} (replacing any item at its key), without looking at locks.
   *
   * @throws IllegalArgumentException for a bad key or data of an unregistered class (nothing is
   *     written)
   */
  void set(Item item);

  /** Writes every item in one atomic step. Refuses a list that names one key twice. */
  void set(List<Item> items);

  /** {@code setAtomic(List.of(item), List.of(lock))}. */
  void setAtomic(Item item, ItemLock lock);

  /**
   * If every lock's stored version equals the given one, writes every item and gives every lock
   * a new version (ttl = now + 24 h), in one atomic step.
   *
   * @throws IllegalArgumentException if the lists differ in length, or one names a key twice
   * @throws RaceConditionException if any lock is stale, expired or gone; nothing was written
   */
  void setAtomic(List<Item> items, List<ItemLock> locks);

  /** Removes the item at {@code key} and its lock. Removing an absent key does nothing. */
  void delete(ItemKey key);

  /** Removes every item and lock at {@code keys}, in one atomic step. */
  void delete(List<ItemKey> keys);

  /**
   * The items of {@code query.pk()} matching the query, read at one consistent moment.
   *
   * @throws CorruptDataException naming the key ({@link CorruptDataException#key()}) if the range
   *     holds a damaged item: an answer that silently left an item out would be wrong for every
   *     caller that pages, counts or reconciles, and a read changes nothing, so it cannot set the
   *     item aside (as a queue pull sets a damaged entry aside). {@code delete} of that key clears
   *     it; {@code get} of it throws the same.
   */
  List<Item> query(Query query);

  /**
   * The items matching {@code query}, decoded lazily from one consistent snapshot. The stream
   * holds native resources (an iterator and a snapshot) until it is closed or fully consumed:
   * use it in try-with-resources. A damaged item in the range: the items before it are returned,
   * then the stream throws {@link CorruptDataException} naming its key (as {@link #query}).
   */
  Stream<Item> stream(Query query);

  /**
   * Pushes one entry. Without {@code sk} a monotonic ULID is generated (push order). Pushing to an
   * {@code sk} that waits replaces its data and keeps its place; pushing to an {@code sk} that is
   * being processed delivers the new data again after that processing ends (acknowledged,
   * released or timed out), and, if the push has a delay, not before that delay has passed: the
   * entry then counts as delayed in {@link #queueStats} until it is due (while the processing
   * lasts it counts as in flight).
   */
  void queuePush(QueueItemInput item);

  /** Pushes every entry in one atomic step. */
  void queuePush(List<QueueItemInput> items);

  /**
   * Delivers the oldest available entry (never pulled, released, or timed out), marking it in
   * flight until {@code now + ttlSeconds} and counting the delivery in {@code attempts}. Entries in
   * flight never block the ones behind them. With {@code withWait}, blocks until an entry is
   * available or the wait ends; with {@code withMaxAttempts}, moves entries delivered too often
   * to the dead-letter queue and goes on. A damaged entry (its stored bytes fail their checks) is
   * never delivered and never stops the queue: the pull moves its bytes to the queue's quarantine
   * in the same commit, logs a warning naming it, and delivers the next entry ({@code
   * StoreTools.quarantined} lists what was set aside).
   *
   * @return the delivery, or empty if no entry is available
   */
  Optional<QueueItem> queuePull(QueuePullOptions options);

  /**
   * Up to {@code max} available entries in queue order, claimed in one atomic step.
   *
   * @throws IllegalArgumentException if {@code max} is not between 1 and {@link
   *     QueuePullOptions#MAX_BATCH}
   */
  List<QueueItem> queuePullBatch(QueuePullOptions options, int max);

  /**
   * Removes the entry at {@code key}, whoever holds it. Idempotent. A damaged entry at the key is
   * deleted too; with no entry left at the key, its quarantined copies (damaged entries set aside
   * earlier) are deleted as well.
   */
  void queueAcknowledge(ItemKey key);

  /**
   * Removes the entry if {@code delivered} still owns it.
   *
   * @return false if that delivery lost its lease (the entry was delivered again, released, or
   *     is gone)
   */
  boolean queueAcknowledge(QueueItem delivered);

  /**
   * Makes the entry at {@code key} available again at once, keeping its place. A damaged entry
   * at the key is set aside into the queue's quarantine instead (no exception).
   *
   * @throws IllegalArgumentException if there is no such entry
   */
  void queueRelease(ItemKey key);

  /**
   * Releases the entry if {@code delivered} still owns it.
   *
   * @return false if that delivery lost its lease
   */
  boolean queueRelease(QueueItem delivered);

  /**
   * Extends the visibility timeout of a delivery to {@code now + ttlSeconds} (a heartbeat for
   * long jobs).
   *
   * @return false if that delivery lost its lease
   * @throws IllegalArgumentException if {@code ttlSeconds} is not between 1 and {@link
   *     QueuePullOptions#MAX_TTL_SECONDS}
   */
  boolean queueExtend(QueueItem delivered, long ttlSeconds);

  /** The queue's counts, read without scanning the queue. */
  QueueStats queueStats(String pk);

  /**
   * Moves every entry of {@code fromPk} that is not being processed into {@code toPk}, for example
   * back from a dead-letter queue, with attempts reset. A delayed entry stays delayed until the
   * same due time. An entry keeps its {@code sk}, so it takes its place in {@code toPk}'s sk order;
   * a move never replaces an entry: if {@code toPk} already holds an entry with that sk (in any
   * state), both are kept, and the moved one gets the sk {@code sk + "~" + ULID} (a new ULID),
   * which sorts after {@code sk}. When that would exceed the sk limit of 1024 UTF-8 bytes, {@code
   * sk} is first cut to its longest prefix of whole characters that fits. Moves commit in
   * batches, each atomic. Damaged entries are set aside into the quarantine of the queue they were
   * in, not moved.
   *
   * @return how many entries moved (each one now in {@code toPk}, renamed or not; damaged ones set
   *     aside are not counted)
   */
  long queueRedrive(String fromPk, String toPk);

  /** Releases every resource. Idempotent; any other call afterwards throws {@link IllegalStateException}. */
  @Override
  void close();
}
