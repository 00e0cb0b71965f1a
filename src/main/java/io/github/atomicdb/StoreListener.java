package io.github.atomicdb;

/**
 * Receives what a store does, for metrics: the latency of its main calls, optimistic-lock
 * conflicts, and the events of its queues, including those the engine causes itself (a
 * visibility timeout passing, an entry moved to a dead-letter queue). Install one with {@code
 * addListener} of {@link AtomicRocksDb} or {@link AtomicMemoryDb}; the Micrometer binder
 * ({@code io.github.atomicdb:atomic-db-micrometer}) is one.
 *
 * <p><b>When and where.</b> Each method is called on the thread of the call it reports, after
 * the call (or the commit of the queue operation) finished; queue events are reported only for
 * commits that took effect, once each (a commit retried after a conflict is reported once). So
 * a listener must be fast, thread-safe, and must not call the store. An exception it throws is
 * ignored, so that metrics never break a store call. With no listener installed the store does
 * no extra work beyond a field read.
 *
 * <p>Every method has an empty default: implement what you need.
 */
public interface StoreListener {
  /** The calls whose latency is reported. */
  enum Operation {
    /** {@link AtomicDb#get(ItemKey)}. */
    GET,
    /** {@link AtomicDb#set(Item)} and {@link AtomicDb#set(java.util.List)}. */
    SET,
    /** {@link AtomicDb#setAtomic}, both forms, also when it throws {@link RaceConditionException}. */
    SET_ATOMIC,
    /** {@link AtomicDb#queuePull} and {@code queuePullBatch}, including the time a pull waits. */
    PULL
  }

  /** What happens to queue entries. */
  enum QueueEvent {
    /**
     * Entries put into the queue: pushes, and entries moved in by dead-lettering, redrive and
     * import.
     */
    PUSHED,
    /** Entries delivered by a pull. */
    PULLED,
    /** Deliveries acknowledged (the entry removed, or made available again for new data). */
    ACKNOWLEDGED,
    /**
     * Deliveries whose visibility timeout passed without acknowledgement, noticed when the engine
     * next touched the entry (a pull, or any operation on it), which makes it available again.
     */
    TIMED_OUT,
    /** Entries moved from this queue to its dead-letter queue after too many deliveries. */
    DEAD_LETTERED
  }

  /**
   * {@code op} returned or threw after {@code nanos} nanoseconds.
   */
  default void operation(Operation op, long nanos) {}

  /** A {@link RaceConditionException} was thrown by {@code setAtomic}. */
  default void conflict() {}

  /** {@code count} (at least 1) entries of queue {@code queue} had {@code event}. */
  default void queueEvents(String queue, QueueEvent event, int count) {}
}
