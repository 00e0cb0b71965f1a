package io.github.atomicdb;

import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.QueueLayout;
import io.github.atomicdb.internal.QueueLayout.Counters;
import io.github.atomicdb.internal.QueueLayout.Entry;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.Space;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/*
 * One queue commit: the entry state machine over QueueAccess. Every change of an entry goes
 * through put/remove, which keep the entry record, its index record and the queue's counters in
 * step (and, on a single-writer store, the queue's hints); finish() adds the changed counters to
 * the commit. Not thread-safe: one thread, one commit.
 *
 * A damaged entry record (it fails its checksum or does not decode) never stops the queue: the
 * read that meets it moves its bytes, as found, to a quarantine record in the same commit
 * (QueueLayout.quarantineKey), removes its index record and adjusts the counters by the state its
 * index record gave it, and answers "no entry" so the operation goes on. The commit logs one
 * line per entry once it is committed (logQuarantined).
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
  /** Damaged entries this commit moved aside or deleted: one log line each once committed. */
  private final List<String> damaged = new ArrayList<>(0);
  /** The (queue, sk) of each of them, as QueueRef.where text. */
  private final List<String> damagedWhere = new ArrayList<>(0);

  /** The logger, made on first use only (a store that never meets damage never loads logging). */
  private static final class Log {
    static final System.Logger LOG = System.getLogger("io.github.atomicdb.queue");
  }

  /** A queue as this commit sees it. */
  static final class State {
    final QueueRef q;
    final Counters before;
    long ready;
    long inFlight;
    long delayed;
    /** Hints (single-writer store only, else null / UNKNOWN); see QueueHints. */
    byte[] readyLow;

    long timedLow;
    long timedNext;
    /** The earliest time of a timed key this commit added. */
    long timedAdded = Long.MAX_VALUE;
    /** The stored counters were damaged and were counted again: the commit writes them. */
    boolean recounted;

    State(QueueRef q, Counters c, QueueHints.Hint h) {
      this.q = q;
      this.before = c;
      this.ready = c.ready();
      this.inFlight = c.inFlight();
      this.delayed = c.delayed();
      this.readyLow = h == null ? null : h.readyLow();
      this.timedLow = h == null ? QueueHints.UNKNOWN : h.timedLow();
      this.timedNext = h == null ? QueueHints.UNKNOWN : h.timedNext();
    }

    Counters counters() {
      return new Counters(ready, inFlight, delayed);
    }

    boolean hinted() {
      return readyLow != null;
    }

    QueueHints.Hint hint() {
      return new QueueHints.Hint(counters(), readyLow, timedLow, timedNext);
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
      try {
        if (hints != null) {
          QueueHints.Hint h = hints.get(q);
          s = new State(q, h.counters(), h);
        } else {
          byte[] key = QueueLayout.countersKey(q.part());
          s = new State(q, QueueLayout.openCounters(key, io.get(Space.QINDEX, key),
              "counters of queue '" + q.pk() + "'"), null);
        }
      } catch (CorruptDataException damagedCounters) {
        Counters c = recount(q);
        s = new State(q, c, hints == null ? null
            : new QueueHints.Hint(c, QueueHints.NO_FLOOR, QueueHints.UNKNOWN, QueueHints.UNKNOWN));
        s.recounted = true;
        damaged.add("the counters of queue '" + q.pk() + "' are damaged ("
            + damagedCounters.getMessage() + "); they were counted again from the queue's indexes"
            + " (" + c + ") and rewritten");
      }
      states.put(q.pk(), s);
    }
    return s;
  }

  /**
   * The counters of queue {@code q} counted from its indexes: one per ready key, and per timed
   * key the state of its index value (if that is damaged too, of its entry's state byte, else in
   * flight). A scan of the whole queue's index, only when its stored counters are damaged.
   */
  private Counters recount(QueueRef q) {
    byte[] part = q.part();
    long ready = 0;
    long inFlight = 0;
    long delayed = 0;
    byte[] readyPrefix = QueueLayout.readyPrefix(part);
    try (KvCursor c = io.scan(Space.QINDEX, readyPrefix, KeyCodec.prefixEnd(readyPrefix))) {
      while (c.next()) {
        ready++;
      }
    }
    byte[] timedPrefix = QueueLayout.timedPrefix(part);
    try (KvCursor c = io.scan(Space.QINDEX, timedPrefix, KeyCodec.prefixEnd(timedPrefix))) {
      while (c.next()) {
        byte[] entry = io.get(Space.QUEUE,
            QueueLayout.entryKey(part, QueueLayout.skOf(c.key(), part.length, true)));
        if (timedState(c.key(), c.value(), entry == null ? new byte[0] : entry) == QueueLayout.DELAYED) {
          delayed++;
        } else {
          inFlight++;
        }
      }
    }
    return new Counters(ready, inFlight, delayed);
  }

  Collection<State> states() {
    return states.values();
  }

  /** Adds the changed counters to the commit. */
  void finish() {
    for (State s : states.values()) {
      Counters c = s.counters();
      if (!c.equals(s.before) || s.recounted) {
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

  /**
   * The entry as stored, or null when there is none. A damaged entry is moved to quarantine in
   * this commit and reads as none.
   */
  Entry readRaw(QueueRef q, byte[] sk) {
    return readRaw(q, sk, true);
  }

  /**
   * As {@link #readRaw(QueueRef, byte[])}; with {@code keepDamaged} false a damaged entry is
   * deleted (with its index record) instead of moved to quarantine.
   */
  Entry readRaw(QueueRef q, byte[] sk, boolean keepDamaged) {
    byte[] key = QueueLayout.entryKey(q.part(), sk);
    byte[] v = io.get(Space.QUEUE, key);
    if (v == null) {
      return null;
    }
    try {
      return QueueLayout.openEntry(key, v, q.where(sk));
    } catch (CorruptDataException e) {
      setAside(q, sk, v, null, e.getMessage(), keepDamaged);
      return null;
    }
  }

  /** {@link #read} of a key-based operation whose purpose is to delete (see {@link #readRaw(QueueRef, byte[], boolean)}). */
  Entry readOrDrop(QueueRef q, byte[] sk) {
    Entry e = readRaw(q, sk, false);
    if (e != null && e.state() != QueueLayout.READY && e.time() <= now) {
      Entry r = promoted(e);
      put(q, sk, e, r);
      return r;
    }
    return e;
  }

  /**
   * Moves an entry whose record opened but whose data does not decode to quarantine; {@code e}
   * is the entry as read in this commit (it says where the entry is indexed).
   */
  void quarantine(QueueRef q, byte[] sk, Entry e, String reason) {
    byte[] v = io.get(Space.QUEUE, QueueLayout.entryKey(q.part(), sk));
    setAside(q, sk, v, new Listed(QueueLayout.indexKey(q.part(), sk, e), e.state()), reason, true);
  }

  /** Whether this commit moved aside or deleted a damaged entry at (q, sk). */
  boolean setAside(QueueRef q, byte[] sk) {
    return damagedWhere.contains(q.where(sk));
  }

  /** Where a damaged entry is indexed, and the state that index record counts it in. */
  private record Listed(byte[] key, byte state) {}

  private void setAside(QueueRef q, byte[] sk, byte[] v, Listed listed, String reason, boolean keep) {
    State s = state(q);
    byte[] part = q.part();
    Listed at = listed != null ? listed : locate(q, sk, v);
    if (at != null) {
      io.delete(Space.QINDEX, at.key());
      switch (at.state()) {
        case QueueLayout.READY -> s.ready--;
        case QueueLayout.IN_FLIGHT -> s.inFlight--;
        default -> s.delayed--;
      }
    }
    io.delete(Space.QUEUE, QueueLayout.entryKey(part, sk));
    String where = q.where(sk);
    damagedWhere.add(where);
    if (!keep) {
      damaged.add(where + " was damaged (" + reason + ") and was deleted by a key-based acknowledge");
      return;
    }
    long t = now;
    byte[] qk = QueueLayout.quarantineKey(part, sk, t);
    while (io.get(Space.QINDEX, qk) != null) {
      qk = QueueLayout.quarantineKey(part, sk, ++t);
    }
    io.put(Space.QINDEX, qk, QueueLayout.quarantine(qk, reason, v));
    damaged.add(where + " is damaged (" + reason + "); its bytes were moved to the queue's"
        + " quarantine and the queue goes on. List, export or delete it with `atomicdb queue"
        + " quarantine` or StoreTools.quarantined/deleteQuarantined; queueAcknowledge of its key"
        + " deletes it");
  }

  /**
   * The index record of a damaged entry: its ready key, else its timed key at the time its bytes
   * give, else any timed key of the queue with its sk (a scan of the timed index, on this rare
   * path only). Null when it has none.
   */
  private Listed locate(QueueRef q, byte[] sk, byte[] v) {
    byte[] part = q.part();
    byte[] rk = QueueLayout.readyKey(part, sk);
    if (io.get(Space.QINDEX, rk) != null) {
      return new Listed(rk, QueueLayout.READY);
    }
    if (v.length >= 14) {
      byte[] tk = QueueLayout.timedKey(part, ByteBuffer.wrap(v).getLong(6), sk);
      byte[] tv = io.get(Space.QINDEX, tk);
      if (tv != null) {
        return new Listed(tk, timedState(tk, tv, v));
      }
    }
    byte[] prefix = QueueLayout.timedPrefix(part);
    try (KvCursor c = io.scan(Space.QINDEX, prefix, KeyCodec.prefixEnd(prefix))) {
      while (c.next()) {
        if (Arrays.equals(QueueLayout.skOf(c.key(), part.length, true), sk)) {
          byte[] tk = c.key().clone();
          byte[] tv = io.get(Space.QINDEX, tk);
          if (tv != null) {
            return new Listed(tk, timedState(tk, tv, v));
          }
        }
      }
    }
    return null;
  }

  /**
   * The state a timed index record counts its entry in: from its value, or if that is damaged
   * too, from the entry's state byte when that names a timed state, else in flight.
   */
  private static byte timedState(byte[] key, byte[] value, byte[] entry) {
    try {
      return QueueLayout.openIndexValue(key, value, "timed index").state();
    } catch (CorruptDataException e) {
      return entry.length > 1 && entry[1] == QueueLayout.DELAYED ? QueueLayout.DELAYED : QueueLayout.IN_FLIGHT;
    }
  }

  /**
   * Deletes the quarantine records of (q, sk) committed before this commit; returns how many.
   */
  int deleteQuarantined(QueueRef q, byte[] sk) {
    byte[] part = q.part();
    List<byte[]> found = new ArrayList<>(1);
    try (KvCursor c = io.scan(Space.QINDEX, QueueLayout.quarantinePrefix(part, sk),
        QueueLayout.quarantineEnd(part, sk))) {
      while (c.next()) {
        if (QueueLayout.isQuarantineKeyOf(c.key(), part, sk)) {
          found.add(c.key().clone());
        }
      }
    }
    for (byte[] k : found) {
      io.delete(Space.QINDEX, k);
    }
    return found.size();
  }

  /** Logs one line per damaged entry this commit moved aside or deleted; call once committed. */
  void logDamaged() {
    for (String line : damaged) {
      Log.LOG.log(System.Logger.Level.WARNING, line);
    }
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
        if (s.hinted() && Arrays.compareUnsigned(sk, s.readyLow) < 0) {
          s.readyLow = sk;
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
      case QueueLayout.READY -> s.ready--;
      case QueueLayout.IN_FLIGHT -> s.inFlight--;
      default -> s.delayed--;
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
