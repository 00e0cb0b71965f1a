package io.github.atomicdb.internal;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded set of idle reusable objects (codec contexts, pooled transactions) that takes and
 * returns them without locking or allocating: a fixed array of slots, each taken or filled with
 * one compare-and-set. A thread starts probing at a slot derived from its id, so threads that
 * run concurrently mostly touch different slots, and a thread alone finds the object it returned
 * in the first slot it looks at. Thread-safe.
 */
final class Recycler<T> {
  private final AtomicReferenceArray<T> slots;
  private final int mask;

  /** @param capacity most idle objects kept; rounded up to a power of two */
  Recycler(int capacity) {
    int n = Integer.highestOneBit(Math.max(1, capacity - 1)) << 1;
    slots = new AtomicReferenceArray<>(n);
    mask = n - 1;
  }

  private int start() {
    long id = Thread.currentThread().getId();
    return (int) (id ^ (id >>> 16)) & mask;
  }

  /** An idle object, now the caller's, or null if there is none. */
  T poll() {
    int s = start();
    for (int i = 0; i <= mask; i++) {
      int at = (s + i) & mask;
      T t = slots.get(at);
      if (t != null && slots.compareAndSet(at, t, null)) {
        return t;
      }
    }
    return null;
  }

  /** Keeps {@code t} for reuse; false (and not kept) if every slot is full. */
  boolean offer(T t) {
    int s = start();
    for (int i = 0; i <= mask; i++) {
      int at = (s + i) & mask;
      if (slots.get(at) == null && slots.compareAndSet(at, null, t)) {
        return true;
      }
    }
    return false;
  }

  /** Slots, the most objects kept idle at once. */
  int capacity() {
    return mask + 1;
  }
}
