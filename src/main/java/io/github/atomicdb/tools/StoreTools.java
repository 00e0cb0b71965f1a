package io.github.atomicdb.tools;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicMemoryDb;
import io.github.atomicdb.AtomicRocksDb;
import io.github.atomicdb.CorruptDataException;
import io.github.atomicdb.Query;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Operations on an open store for backup, inspection and repair tools: records read as they are
 * stored (values of unregistered classes as bytes, queue entries without pulling them), written
 * back through the engine's own checks, and checked record by record.
 *
 * <p><b>Guarantees.</b> Reads change nothing: peeking at a queue is not a delivery, asking about
 * a queue that does not exist creates nothing. Writes go through the engine: an imported item is
 * validated and written as {@link AtomicDb#set(List)} does (one atomic commit per call), imported
 * queue entries go through the queue's push path (one atomic commit per call). Expiry is decided
 * by the store's clock, by the same rule as every read ({@code now > ttl}).
 *
 * <p><b>Threading.</b> Thread-safe; calls may run while other threads use the store. Each scan
 * reads one consistent snapshot of the records it reads; a whole-store scan ({@link #counts},
 * {@link #exportItems}, {@link #verify}) reads each kind of record from its own snapshot.
 *
 * <p><b>Errors.</b> A damaged record met by a read throws {@link CorruptDataException} naming
 * its key ({@link #verify} lists them instead); bad input throws {@link IllegalArgumentException}
 * or {@link NullPointerException} naming the field, before anything is written. Calls after the
 * store was closed throw {@link IllegalStateException}.
 */
public interface StoreTools {
  /**
   * The operator API of {@code db}.
   *
   * @throws NullPointerException if {@code db} is null
   * @throws IllegalArgumentException if {@code db} is not an {@link AtomicRocksDb} or {@link
   *     AtomicMemoryDb} (a cache in front of a store: use the store itself, so that writes do not
   *     bypass the cache while it is in use)
   */
  static StoreTools of(AtomicDb db) {
    Objects.requireNonNull(db, "db must not be null");
    if (db instanceof AtomicRocksDb r) {
      return r.tools();
    }
    if (db instanceof AtomicMemoryDb m) {
      return m.tools();
    }
    throw new IllegalArgumentException("StoreTools works on an AtomicRocksDb or AtomicMemoryDb, not"
        + " on " + db.getClass().getName() + "; pass the store itself");
  }

  /** The data format version the store records (for a memory store, the one this version writes). */
  int formatVersion();

  /**
   * Counts every record.
   *
   * @param progress called with the number of records read so far, now and then (may be a no-op)
   */
  StoreCounts counts(LongConsumer progress);

  /** Every queue that has ever been pushed to and still has its counters, in key order. */
  List<String> queueNames();

  /**
   * Whether queue {@code pk} exists (was pushed to). Creates nothing.
   *
   * @throws IllegalArgumentException if {@code pk} is not a valid key
   */
  boolean queueExists(String pk);

  /** The live item at (pk, sk), its value decoded if the store knows its classes. */
  Optional<ItemRecord> item(String pk, String sk);

  /** The live items {@code query} selects, as {@link AtomicDb#query} selects them. */
  List<ItemRecord> query(Query query);

  /**
   * The entries of queue {@code pk} in queue order, at most {@code limit} (0 = all), whatever
   * their state. Nothing changes: this is not a pull.
   *
   * @throws IllegalArgumentException if {@code pk} is not a valid key or {@code limit} is negative
   */
  List<QueueRecord> peek(String pk, int limit);

  /**
   * Calls {@code each} with every live item, in key order.
   *
   * @return how many expired items (still on disk) were left out
   */
  long exportItems(Consumer<? super ItemRecord> each);

  /** Calls {@code each} with every queue entry of every queue, in key order; returns how many. */
  long exportQueueEntries(Consumer<? super QueueRecord> each);

  /**
   * Writes {@code items} in one atomic commit, replacing items at the same keys, after checking
   * every one as {@link AtomicDb#set(List)} does (keys, ttl, one key once; values made with {@link
   * StoredValue#of} are serialized, bytes are checked to decode or to name a class this store has
   * not registered). Items already expired are left out. Nothing is written if any is refused.
   *
   * @return items written and expired items left out
   * @throws IllegalArgumentException naming the item if one is refused
   */
  ImportResult importItems(List<ItemRecord> items);

  /**
   * Adds {@code entries} as available entries with attempts 0, keeping their push time, through
   * the queue's push path, in one atomic commit. An entry whose (pk, sk) is already queued is left
   * as it is, so importing the same entries again changes nothing. Their state and attempts are
   * not imported.
   *
   * @return entries added and entries left out as already queued
   * @throws IllegalArgumentException naming the entry if one is refused (nothing is written)
   */
  ImportResult importQueueEntries(List<QueueRecord> entries);

  /**
   * The damaged entries queue {@code pk} moved to its quarantine (every queue's when {@code pk}
   * is null), in key order (queue, sk, time), at most {@code limit} (0 = all). A quarantine
   * record that is itself damaged is listed with {@link QuarantinedEntry#intact()} false, never
   * thrown. Nothing changes.
   *
   * @throws IllegalArgumentException if {@code pk} is not a valid key or {@code limit} is negative
   */
  List<QuarantinedEntry> quarantined(String pk, int limit);

  /**
   * How many entries queue {@code pk} (every queue when null) holds in quarantine.
   *
   * @throws IllegalArgumentException if {@code pk} is not a valid key
   */
  long quarantinedCount(String pk);

  /**
   * Deletes the quarantined entries of (pk, sk) (every one, if that sk was moved aside more than
   * once), in one atomic commit through the queue's commit path. The queue itself is not touched.
   *
   * @return how many were deleted (0 if none)
   * @throws IllegalArgumentException if {@code pk} or {@code sk} is not a valid key
   */
  int deleteQuarantined(String pk, String sk);

  /**
   * Reads every entry of queue {@code pk} and moves each damaged one to the quarantine, exactly
   * as a pull that met it would (so that {@link #peek}, {@link #exportQueueEntries} and the queue's
   * pulls no longer meet it), without delivering or changing any intact entry. Commits in
   * batches; safe to run while the queue is in use.
   *
   * @return how many entries were set aside
   * @throws IllegalArgumentException if {@code pk} is not a valid key
   */
  long setAsideDamaged(String pk);

  /**
   * Reads every record and checks it: keys follow the key layout and are canonical, each record
   * opens (envelope, format byte, checksum), built-in values decode; each queue entry has its
   * index record and each index record its entry; each queue's counters match its entries. Every
   * quarantined queue entry is listed as a problem of space {@code quarantine} (the damage
   * happened and its bytes are still in the store), so verify fails until they are deleted. The
   * store's own block checksums are checked on the way; a damaged file stops the scan of that
   * kind of record and is reported.
   *
   * @param maxListed most problems to list (all are counted)
   * @param progress called with the number of records read so far, now and then
   * @throws IllegalArgumentException if {@code maxListed} is negative
   */
  VerifyReport verify(int maxListed, LongConsumer progress);
}
