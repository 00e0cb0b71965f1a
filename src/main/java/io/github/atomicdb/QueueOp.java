package io.github.atomicdb;

import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.QueueLayout;
import io.github.atomicdb.internal.QueueLayout.Counters;
import io.github.atomicdb.internal.QueueLayout.Entry;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.Space;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/*
 * One queue commit: the entry state machine over QueueAccess. Every change of an entry goes
 * through put/remove, which keep the entry record, its index record and the queue's counters in
 * step (and, on a single-writer store, the queue's hints); finish() adds the changed counters to
 * the commit. Not thread-safe: one thread, one commit.
 */
final class QueueOp {
  /** The commit's clock reading (epoch millis). */
  final long now;

  private static final byte[] NO_SK = new byte[0];

  final QueueAccess io;
  private final QueueHints hints;
  private final Map<String, State> states = new LinkedHashMap<>();
  /** Queues that got an available entry: waiting pulls there look again after the commit. */
  final List<String> wake = new ArrayList<>(1);

  /** A queue as this commit sees it. */
  static final class State {
    final QueueRef q;
    final Counters before;
    long ready;
    long inFlight;
    long delayed;
    /**
     * The ready window (single-writer store only, else null; see QueueHints): this commit's own
     * sorted copy, so a commit that fails leaves the stored hint as it was.
     */
    List<byte[]> window;
    /** The window's end; null: it covers the whole ready index. */
    byte[] windowEnd;
    /** Ready sks this commit added at or past windowEnd (a refill merges them in). */
    List<byte[]> readyPastWindow;

    long timedLow;
    long timedNext;
    /** The earliest time of a timed key this commit added. */
    long timedAdded = Long.MAX_VALUE;

    State(QueueRef q, Counters c, QueueHints.Hint h) {
      this.q = q;
      this.before = c;
      this.ready = c.ready();
      this.inFlight = c.inFlight();
      this.delayed = c.delayed();
      this.window = h == null ? null : new ArrayList<>(h.readyWindow());
      this.windowEnd = h == null ? null : h.readyWindowEnd();
      this.timedLow = h == null ? QueueHints.UNKNOWN : h.timedLow();
      this.timedNext = h == null ? QueueHints.UNKNOWN : h.timedNext();
    }

    Counters counters() {
      return new Counters(ready, inFlight, delayed);
    }

    boolean hinted() {
      return window != null;
    }

    /**
     * Hinted only: no ready-index key of the queue has an sk below this (it may be below the first
     * one), so a scan of the ready index can start here.
     */
    byte[] readyFloor() {
      if (!window.isEmpty()) {
        return window.get(0);
      }
      return windowEnd != null ? windowEnd : QueueHints.NO_FLOOR;
    }

    QueueHints.Hint hint() {
      return new QueueHints.Hint(counters(), List.copyOf(window), windowEnd, timedLow, timedNext);
    }

    private boolean inWindow(byte[] sk) {
      return windowEnd == null || Arrays.compareUnsigned(sk, windowEnd) < 0;
    }

    /** A ready key was added: the window must hold it if it lies below the window's end. */
    void readyAdded(byte[] sk) {
      if (!inWindow(sk)) {
        if (readyPastWindow == null) {
          readyPastWindow = new ArrayList<>(1);
        }
        readyPastWindow.add(sk);
        return;
      }
      int i = Collections.binarySearch(window, sk, Arrays::compareUnsigned);
      if (i < 0) {
        window.add(-i - 1, sk);
      }
      if (window.size() > QueueHints.MAX_WINDOW) {
        // Keeps the lowest sks: everything ready below the new end is still in the window. The
        // sks dropped may be this commit's own, which a refill's scan would not see.
        List<byte[]> dropped = window.subList(QueueHints.MAX_WINDOW, window.size());
        windowEnd = dropped.get(0);
        if (readyPastWindow == null) {
          readyPastWindow = new ArrayList<>(dropped.size());
        }
        readyPastWindow.addAll(dropped);
        dropped.clear();
      }
    }

    /** A ready key was removed (or {@code sk} was found not ready): it leaves the window. */
    void readyRemoved(byte[] sk) {
      int i = Collections.binarySearch(window, sk, Arrays::compareUnsigned);
      if (i >= 0) {
        window.remove(i);
      }
    }
  }

  QueueOp(QueueAccess io, long now, QueueHints hints) {
    this.io = io;
    this.now = now;
    this.hints = hints;
  }

  /** The queue's state in this commit; its counters are read (validated on a shared store) once. */
  State state(QueueRef q) {
    State s = states.get(q.pk());
    if (s == null) {
      if (hints != null) {
        QueueHints.Hint h = hints.get(q);
        s = new State(q, h.counters(), h);
      } else {
        byte[] key = QueueLayout.countersKey(q.part());
        s = new State(q, QueueLayout.openCounters(key, io.get(Space.QINDEX, key),
            "counters of queue '" + q.pk() + "'"), null);
      }
      states.put(q.pk(), s);
    }
    return s;
  }

  Collection<State> states() {
    return states.values();
  }

  /** Adds the changed counters to the commit. */
  void finish() {
    for (State s : states.values()) {
      Counters c = s.counters();
      if (!c.equals(s.before)) {
        byte[] key = QueueLayout.countersKey(s.q.part());
        io.put(Space.QINDEX, key, QueueLayout.counters(key, c));
      }
    }
  }

  // ------------------------------------------------------------------ entries

  /**
   * The entry as of now: a due timed entry (timed-out delivery, passed delay) is made available
   * first, exactly as a pull would, so no operation depends on whether a pull promoted it yet.
   */
  Entry read(QueueRef q, byte[] sk) {
    Entry e = readRaw(q, sk);
    if (e != null && e.state() != QueueLayout.READY && e.time() <= now) {
      Entry r = promoted(e);
      put(q, sk, e, r);
      return r;
    }
    return e;
  }

  Entry readRaw(QueueRef q, byte[] sk) {
    byte[] key = QueueLayout.entryKey(q.part(), sk);
    byte[] v = io.get(Space.QUEUE, key);
    return v == null ? null : QueueLayout.openEntry(key, v, q.where(sk));
  }

  /**
   * A due timed entry made available. A timed-out delivery keeps its receipt until the entry is
   * delivered again, unless new data was pushed during it: that data was never delivered, so the
   * old delivery must not acknowledge it away.
   */
  static Entry promoted(Entry e) {
    boolean keepLease = e.state() == QueueLayout.IN_FLIGHT && !e.redeliver();
    return readyAgain(e, keepLease ? e.receipt() : "");
  }

  /** The state an entry takes when its processing ends without acknowledgement. */
  static Entry readyAgain(Entry e, String receipt) {
    return new Entry(QueueLayout.READY, e.redeliver() ? 0 : e.attempts(), 0, e.enqueuedAt(),
        (byte) 0, receipt, e.kryo());
  }

  /** Replaces {@code old} (null: none) by {@code e}, keeping index, counters and hints right. */
  void put(QueueRef q, byte[] sk, Entry old, Entry e) {
    State s = state(q);
    if (old != null) {
      unindex(s, sk, old);
    }
    index(s, sk, e);
    byte[] key = QueueLayout.entryKey(q.part(), sk);
    io.put(Space.QUEUE, key, QueueLayout.entry(key, e));
    if (e.state() == QueueLayout.READY) {
      wake.add(q.pk());
    }
  }

  void remove(QueueRef q, byte[] sk, Entry old) {
    unindex(state(q), sk, old);
    io.delete(Space.QUEUE, QueueLayout.entryKey(q.part(), sk));
  }

  private void index(State s, byte[] sk, Entry e) {
    byte[] key = QueueLayout.indexKey(s.q.part(), sk, e);
    io.put(Space.QINDEX, key, QueueLayout.indexValue(key, e));
    switch (e.state()) {
      case QueueLayout.READY -> {
        s.ready++;
        if (s.hinted()) {
          s.readyAdded(sk);
        }
      }
      case QueueLayout.IN_FLIGHT -> s.inFlight++;
      default -> s.delayed++;
    }
    if (e.state() != QueueLayout.READY) {
      s.timedAdded = Math.min(s.timedAdded, e.time());
      s.timedLow = Math.min(s.timedLow, e.time());
      s.timedNext = Math.min(s.timedNext, e.time());
    }
  }

  private void unindex(State s, byte[] sk, Entry e) {
    io.delete(Space.QINDEX, QueueLayout.indexKey(s.q.part(), sk, e));
    switch (e.state()) {
      case QueueLayout.READY -> {
        s.ready--;
        if (s.hinted()) {
          s.readyRemoved(sk);
        }
      }
      case QueueLayout.IN_FLIGHT -> s.inFlight--;
      default -> s.delayed--;
    }
  }

  // ------------------------------------------------------------------ ready window

  /**
   * Single-writer store only: the lowest sk of the queue's ready window, refilled from the ready
   * index when it ran empty; null when no entry is ready. It may name an entry that is no longer
   * ready (the caller reads it, and drops it with {@link State#readyRemoved} if so). {@code want}:
   * how many sks the caller may still take (a refill reads at least that many).
   */
  byte[] firstReady(State s, int want) {
    if (s.window.isEmpty() && s.windowEnd != null) {
      refill(s, Math.max(QueueHints.REFILL, Math.min(want, QueueHints.MAX_WINDOW)));
    }
    return s.window.isEmpty() ? null : s.window.get(0);
  }

  /**
   * Extends the empty window past its end with the next {@code n} sks of the ready index as
   * committed, plus the ready sks this commit added in that range (the scan does not see them).
   */
  private void refill(State s, int n) {
    byte[] from = s.windowEnd;
    byte[] part = s.q.part();
    byte[] end = null;
    List<byte[]> got = new ArrayList<>(n);
    try (KvCursor c = io.scan(Space.QINDEX, QueueLayout.readyKey(part, from),
        KeyCodec.prefixEnd(QueueLayout.readyPrefix(part)))) {
      while (c.next()) {
        byte[] sk = QueueLayout.skOf(c.key(), part.length, false);
        if (got.size() == n) {
          end = sk;
          break;
        }
        got.add(sk);
      }
    }
    s.window = got;
    s.windowEnd = end;
    List<byte[]> added = s.readyPastWindow;
    s.readyPastWindow = null;
    if (added != null) {
      for (byte[] sk : added) {
        if (Arrays.compareUnsigned(sk, from) >= 0) {
          s.readyAdded(sk);
        }
      }
    }
  }

  /** Push semantics for one entry (also used by dead-lettering, redrive and import). */
  void push(QueueRef q, byte[] sk, byte[] kryo, long delayMillis, int attempts, long enqueuedAt) {
    Entry old = read(q, sk);
    Entry e;
    if (old != null && old.state() == QueueLayout.IN_FLIGHT) {
      // Being processed: keep the lease, deliver the new data once this processing ends.
      e = new Entry(old.state(), old.attempts(), old.time(), old.enqueuedAt(),
          (byte) (old.flags() | QueueLayout.FLAG_REDELIVER), old.receipt(), kryo);
    } else {
      boolean delayed = delayMillis > 0;
      e = new Entry(delayed ? QueueLayout.DELAYED : QueueLayout.READY, attempts,
          delayed ? Math.addExact(now, delayMillis) : 0, old != null ? old.enqueuedAt() : enqueuedAt,
          (byte) 0, "", kryo);
    }
    put(q, sk, old, e);
  }

  // ------------------------------------------------------------------ timed index

  /**
   * Makes due entries of the timed index (timed-out deliveries, passed delays) available, at most
   * {@code cap}, and returns their sks in sk order. Scans nothing when the counters (or, on a
   * single-writer store, the hints) say no entry can be due.
   */
  List<byte[]> promoteDue(QueueRef q, int cap) {
    State s = state(q);
    List<byte[]> promoted = new ArrayList<>();
    if (s.inFlight + s.delayed == 0) {
      if (s.hinted()) {
        s.timedLow = s.timedAdded;
        s.timedNext = s.timedAdded;
      }
      return promoted;
    }
    if (s.timedNext != QueueHints.UNKNOWN && now < s.timedNext) {
      return promoted;
    }
    byte[] part = q.part();
    byte[] prefix = QueueLayout.timedPrefix(part);
    byte[] from = s.timedLow == QueueHints.UNKNOWN ? prefix : QueueLayout.timedKey(part, s.timedLow, NO_SK);
    // With hints the scan goes on to the first key not yet due, to learn when anything can next
    // be due; without, it stops at now.
    byte[] to = s.hinted() ? endOf(prefix) : QueueLayout.timedKey(part, now + 1, NO_SK);
    long low = Long.MAX_VALUE;
    try (KvCursor c = io.scan(Space.QINDEX, from, to)) {
      while (c.next()) {
        byte[] k = c.key();
        long time = QueueLayout.timeOf(k, part.length);
        if (time > now || promoted.size() >= cap) {
          low = time;
          break;
        }
        byte[] sk = QueueLayout.skOf(k, part.length, true);
        Entry e = readRaw(q, sk);
        if (e == null || e.state() == QueueLayout.READY || e.time() > now) {
          continue; // an index record this commit already replaced
        }
        put(q, sk, e, promoted(e));
        promoted.add(sk);
      }
    }
    if (s.hinted()) {
      // The scan does not see keys this commit added; those lowered timedAdded.
      s.timedLow = Math.min(low, s.timedAdded);
      s.timedNext = s.timedLow;
    }
    promoted.sort(Arrays::compareUnsigned);
    return promoted;
  }

  private static byte[] endOf(byte[] prefix) {
    return KeyCodec.prefixEnd(prefix);
  }
}
