package io.github.atomicdb;

import io.github.atomicdb.StoreListener.Operation;
import io.github.atomicdb.StoreListener.QueueEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/*
 * The listeners of one store. Hot paths read current() once (a volatile read) and do nothing more
 * when it is null; otherwise they call it through the static helpers, which swallow what a
 * listener throws. Several listeners are combined into one Multi, rebuilt on every change.
 */
final class Listeners {
  private volatile StoreListener current;
  /** Guarded by this. */
  private final List<StoreListener> all = new ArrayList<>();

  /** The listener to call, or null when none is installed. */
  StoreListener current() {
    return current;
  }

  synchronized void add(StoreListener l) {
    Objects.requireNonNull(l, "listener must not be null");
    all.add(l);
    rebuild();
  }

  synchronized boolean remove(StoreListener l) {
    boolean removed = all.remove(l);
    rebuild();
    return removed;
  }

  private void rebuild() {
    current = all.isEmpty() ? null : all.size() == 1 ? all.get(0)
        : new Multi(all.toArray(new StoreListener[0]));
  }

  static void operation(StoreListener l, Operation op, long nanos) {
    try {
      l.operation(op, nanos);
    } catch (RuntimeException e) {
      // a listener never breaks a store call
    }
  }

  static void conflict(StoreListener l) {
    try {
      l.conflict();
    } catch (RuntimeException e) {
      // a listener never breaks a store call
    }
  }

  static void queueEvents(StoreListener l, String queue, QueueEvent event, int count) {
    if (count <= 0) {
      return;
    }
    try {
      l.queueEvents(queue, event, count);
    } catch (RuntimeException e) {
      // a listener never breaks a store call
    }
  }

  private record Multi(StoreListener[] each) implements StoreListener {
    @Override
    public void operation(Operation op, long nanos) {
      for (StoreListener l : each) {
        Listeners.operation(l, op, nanos);
      }
    }

    @Override
    public void conflict() {
      for (StoreListener l : each) {
        Listeners.conflict(l);
      }
    }

    @Override
    public void queueEvents(String queue, QueueEvent event, int count) {
      for (StoreListener l : each) {
        Listeners.queueEvents(l, queue, event, count);
      }
    }
  }
}
