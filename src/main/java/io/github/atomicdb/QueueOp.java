package io.github.atomicdb;

import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.QueueLayout;
import io.github.atomicdb.internal.QueueLayout.Counters;
import io.github.atomicdb.internal.QueueLayout.Entry;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.Space;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

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
  /** Single-writer store: the entry records this commit writes, in order; else null. */
  private final List<Written> written;
  /** The first queue this commit touched (most touch only one), the others in {@link #more}. */
  private State first;
  private Map<String, State> more;
  /** Queues that got an available entry: waiting pulls there look again after the commit. */
  final List<String> wake = new ArrayList<>(1);
  /** Damaged entries this commit moved aside or deleted: one log line each once committed. */
  private List<String> damaged = List.of();
  /** The (queue, sk) of each of them, as QueueRef.where text. */
  private List<String> damagedWhere = List.of();

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
    /**
     * The ready window (single-writer store only, else null; see QueueHints), sorted: the hint's
     * own list until this commit first changes it ({@link #ownWindow}), then this commit's copy, so
     * a commit that fails leaves the stored hint as it was.
     */
    List<byte[]> window;
    private boolean windowOwned;
    /** The window's end; null: it covers the whole ready index. */
    byte[] windowEnd;
    /** Ready sks this commit added at or past windowEnd (a refill merges them in). */
    List<byte[]> readyPastWindow;

    long timedLow;
    long timedNext;
    /** The earliest time of a timed key this commit added. */
    long timedAdded = Long.MAX_VALUE;
    /** The last promoteDue stopped at its cap with due entries left in the timed index. */
    boolean dueLeft;
    /** Entries the last promoteDue changed (its share of the commit). */
    int dueLooked;
    /** Events of this commit, reported to StoreListeners once it took effect. */
    int pushed;
    int pulled;
    int acknowledged;
    int timedOut;
    int deadLettered;
    /** The stored counters were damaged and were counted again: the commit writes them. */
    boolean recounted;
    /**
     * Single-writer store: the stored counters record is held (QueueHints), so the commit writes
     * no counters; else the first commit that changes the queue writes the held record.
     */
    boolean held;
    /**
     * Single-writer store: no entry of the queue has an sk above this, this commit's included
     * (QueueHints); null when not known.
     */
    byte[] skCeiling;

    State(QueueRef q, Counters c, QueueHints.Hint h) {
      this.q = q;
      this.before = c;
      this.ready = c.ready();
      this.inFlight = c.inFlight();
      this.delayed = c.delayed();
      this.window = h == null ? null : h.readyWindow();
      this.windowEnd = h == null ? null : h.readyWindowEnd();
      this.timedLow = h == null ? QueueHints.UNKNOWN : h.timedLow();
      this.timedNext = h == null ? QueueHints.UNKNOWN : h.timedNext();
      this.held = h != null && h.held();
      this.skCeiling = h == null ? null : h.skCeiling();
    }

    /** Makes {@link #window} this commit's own copy before its first change. */
    private void ownWindow() {
      if (!windowOwned) {
        window = new ArrayList<>(window);
        windowOwned = true;
      }
    }

    Counters counters() {
      return new Counters(ready, inFlight, delayed);
    }

    /** Whether this commit changed the counters. */
    boolean changed() {
      return ready != before.ready() || inFlight != before.inFlight() || delayed != before.delayed();
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

    /** The queue's hints after this commit took effect (the window passes to them). */
    QueueHints.Hint hint() {
      return new QueueHints.Hint(counters(), window, windowEnd, timedLow, timedNext, held, skCeiling);
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
        ownWindow();
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
        ownWindow();
        window.remove(i);
      }
    }
  }

  QueueOp(QueueAccess io, long now, QueueHints hints) {
    this.io = io;
    this.now = now;
    this.hints = hints;
    this.written = hints == null ? null : new ArrayList<>(4);
  }

  /** The queue's state in this commit; its counters are read (validated on a shared store) once. */
  State state(QueueRef q) {
    State s = first != null && (first.q == q || first.q.pk().equals(q.pk())) ? first
        : more == null ? null : more.get(q.pk());
    if (s == null) {
      try {
        if (hints != null) {
          QueueHints.Hint h = hints.get(q);
          if (h.counters() == null) {
            h = h.withCounters(recountHeld(q));
          }
          s = new State(q, h.counters(), h);
        } else {
          byte[] key = QueueLayout.countersKey(q.part());
          byte[] v = io.get(Space.QINDEX, key);
          Counters c = QueueLayout.openCounters(key, v, "counters of queue '" + q.pk() + "'");
          // Held by a single writer (this is a follower reading its store), or left held by one
          // that stopped: the numbers may be stale.
          s = new State(q, QueueLayout.isHeld(v) ? recount(q) : c, null);
        }
      } catch (CorruptDataException damagedCounters) {
        Counters c = recount(q);
        s = new State(q, c, hints == null ? null
            : new QueueHints.Hint(c, List.of(), QueueHints.NO_FLOOR, QueueHints.UNKNOWN,
                QueueHints.UNKNOWN, false, null));
        s.recounted = true;
        damaged().add("the counters of queue '" + q.pk() + "' are damaged ("
            + damagedCounters.getMessage() + "); they were counted again from the queue's indexes"
            + " (" + c + ") and rewritten");
      }
      if (first == null) {
        first = s;
      } else {
        if (more == null) {
          more = new LinkedHashMap<>();
        }
        more.put(q.pk(), s);
      }
    }
    return s;
  }

  /**
   * {@link #recount} of a queue whose counters record a single writer left held (it stopped
   * without writing them back), with one log line: it costs a scan of the queue's indexes.
   */
  private Counters recountHeld(QueueRef q) {
    long t0 = System.nanoTime();
    Counters c = recount(q);
    Log.LOG.log(System.Logger.Level.INFO, "queue '" + q.pk() + "': its counters were not written"
        + " back by the store's last writer (it did not close the store: a crash, or this is a"
        + " copy taken while it ran); counted from its indexes (" + c + ") in "
        + (System.nanoTime() - t0) / 1_000_000 + " ms");
    return c;
  }

  /**
   * The counters of queue {@code q} counted from its indexes: one per ready key, and per timed
   * key the state of its index value (if that is damaged too, of its entry's state byte, else in
   * flight). A scan of the whole queue's index, only when its stored counters are damaged or held.
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
        if (timedStateIn(part, c.key(), c.value()) == QueueLayout.DELAYED) {
          delayed++;
        } else {
          inFlight++;
        }
      }
    }
    return new Counters(ready, inFlight, delayed);
  }

  /** The queues this commit touched, in the order it first touched them. */
  Collection<State> states() {
    if (more == null) {
      return first == null ? List.of() : List.of(first);
    }
    List<State> all = new ArrayList<>(1 + more.size());
    all.add(first);
    all.addAll(more.values());
    return all;
  }

  /**
   * Adds the changed counters to the commit. On a single-writer store only the first commit that
   * changes a queue writes them, in the held form; later ones leave them to {@link QueueHints}.
   */
  void finish() {
    for (State s : states()) {
      if (s.held) {
        continue; // the counters are held in memory (QueueHints): a commit writes none
      }
      if (s.changed() || s.recounted) {
        Counters c = s.counters();
        byte[] key = QueueLayout.countersKey(s.q.part());
        if (!s.hinted()) {
          io.put(Space.QINDEX, key, QueueLayout.counters(key, c));
        } else {
          io.put(Space.QINDEX, key, QueueLayout.heldCounters(key, c));
          s.held = true;
        }
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
      if (e.state() == QueueLayout.IN_FLIGHT) {
        state(q).timedOut++;
      }
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
    if (hints != null) {
      byte[] ceiling = state(q).skCeiling;
      if (ceiling != null && Arrays.compareUnsigned(sk, ceiling) > 0) {
        return null; // above every stored sk: free
      }
    }
    byte[] key = QueueLayout.entryKey(q.part(), sk);
    byte[] v = entryBytes(q, key);
    if (v == null) {
      return null;
    }
    try {
      return QueueLayout.openEntry(key, v, q.at(sk));
    } catch (CorruptDataException e) {
      setAside(q, sk, v, null, e.getMessage(), keepDamaged);
      return null;
    }
  }

  /**
   * The entry as stored, for readers that write nothing (stats): a damaged entry throws
   * {@link CorruptDataException} and is left for a pull or verify to meet.
   */
  Entry readStored(QueueRef q, byte[] sk) {
    byte[] key = QueueLayout.entryKey(q.part(), sk);
    byte[] v = entryBytes(q, key);
    return v == null ? null : QueueLayout.openEntry(key, v, q.at(sk));
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
    byte[] v = entryBytes(q, QueueLayout.entryKey(q.part(), sk));
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
    deleteEntry(q, QueueLayout.entryKey(part, sk));
    String where = q.where(sk);
    if (damagedWhere.isEmpty()) {
      damagedWhere = new ArrayList<>(1);
    }
    damagedWhere.add(where);
    if (!keep) {
      damaged().add(where + " was damaged (" + reason + ") and was deleted by a key-based acknowledge");
      return;
    }
    long t = now;
    byte[] qk = QueueLayout.quarantineKey(part, sk, t);
    while (io.get(Space.QINDEX, qk) != null) {
      qk = QueueLayout.quarantineKey(part, sk, ++t);
    }
    io.put(Space.QINDEX, qk, QueueLayout.quarantine(qk, reason, v));
    damaged().add(where + " is damaged (" + reason + "); its bytes were moved to the queue's"
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
  private byte timedStateIn(byte[] part, byte[] key, byte[] value) {
    try {
      return QueueLayout.openIndexValue(key, value, "timed index").state();
    } catch (CorruptDataException e) {
      byte[] entry = io.get(Space.QUEUE, QueueLayout.entryKey(part, QueueLayout.skOf(key, part.length, true)));
      return timedState(key, value, entry == null ? new byte[0] : entry);
    }
  }

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

  /** The log lines of damaged entries, made modifiable on first use (most commits meet none). */
  private List<String> damaged() {
    if (damaged.isEmpty()) {
      damaged = new ArrayList<>(1);
    }
    return damaged;
  }

  /** Logs one line per damaged entry this commit moved aside or deleted; call once committed. */
  void logDamaged() {
    for (String line : damaged) {
      Log.LOG.log(System.Logger.Level.WARNING, line);
    }
  }

  /**
   * A due timed entry made available (or, for new data pushed with a delay not yet passed, delayed).
   * A timed-out delivery keeps its receipt until the entry is delivered again, unless new data was
   * pushed during it: that data was never delivered, so the old delivery must not acknowledge it
   * away.
   */
  Entry promoted(Entry e) {
    boolean keepLease = e.state() == QueueLayout.IN_FLIGHT && !e.redeliver();
    return readyAgain(e, keepLease ? e.receipt() : "");
  }

  /**
   * The state an entry takes when its processing ends without acknowledgement (or with one, when
   * new data was pushed during it): available, or delayed until the redelivery time of new data
   * pushed with a delay that has not passed yet.
   */
  Entry readyAgain(Entry e, String receipt) {
    if (e.redeliver() && e.redeliverAt() > now) {
      return new Entry(QueueLayout.DELAYED, 0, e.redeliverAt(), e.enqueuedAt(), (byte) 0, "", e.kryo());
    }
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
    if (s.skCeiling != null && Arrays.compareUnsigned(sk, s.skCeiling) > 0) {
      s.skCeiling = sk;
    }
    byte[] key = QueueLayout.entryKey(q.part(), sk);
    byte[] record = QueueLayout.entry(key, e);
    io.put(Space.QUEUE, key, record);
    // A new entry behind a long backlog is not kept (QueueHints.KEEP_NEW_BELOW_READY); it cannot be
    // kept already, as no absent entry is (a delete removes its record from Records).
    if (written != null && (old != null || s.ready <= QueueHints.KEEP_NEW_BELOW_READY)) {
      written.add(new Written(q.pk(), key, record));
    }
    if (e.state() == QueueLayout.READY) {
      wake.add(q.pk());
    }
  }

  void remove(QueueRef q, byte[] sk, Entry old) {
    unindex(state(q), sk, old);
    deleteEntry(q, QueueLayout.entryKey(q.part(), sk));
  }

  private void deleteEntry(QueueRef q, byte[] key) {
    io.delete(Space.QUEUE, key);
    if (written != null) {
      written.add(new Written(q.pk(), key, null));
    }
  }

  /**
   * The stored entry record at {@code key} of queue {@code q} as this commit sees it; on a
   * single-writer store from the records this process wrote last when it has it there.
   */
  private byte[] entryBytes(QueueRef q, byte[] key) {
    return hints == null ? io.get(Space.QUEUE, key)
        : ((QueueAccess.Batch) io).get(Space.QUEUE, key, hints.records(q.pk()));
  }

  /** An entry record this commit writes (value null: deletes), for QueueHints.Records. */
  private record Written(String pk, byte[] key, byte[] value) {}

  /** Once the commit is durable: its entry records become the ones kept in memory. */
  void keepWritten() {
    if (written != null) {
      for (Written w : written) {
        hints.records(w.pk()).put(w.key(), w.value());
      }
    }
  }

  /** After a failed write (its outcome unknown): no record it wrote is kept in memory. */
  void forgetWritten() {
    if (written != null) {
      for (Written w : written) {
        hints.records(w.pk()).forget(w.key());
      }
    }
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
    s.windowOwned = true;
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
      // Being processed: keep the lease, deliver the new data once this processing ends, and not
      // before its delay has passed.
      e = new Entry(old.state(), old.attempts(), old.time(), old.enqueuedAt(),
          (byte) (old.flags() | QueueLayout.FLAG_REDELIVER), old.receipt(), kryo,
          delayMillis > 0 ? Math.addExact(now, delayMillis) : 0L);
    } else {
      boolean delayed = delayMillis > 0;
      e = new Entry(delayed ? QueueLayout.DELAYED : QueueLayout.READY, attempts,
          delayed ? Math.addExact(now, delayMillis) : 0, old != null ? old.enqueuedAt() : enqueuedAt,
          (byte) 0, "", kryo);
    }
    put(q, sk, old, e);
    state(q).pushed++;
  }

  /**
   * Moves an entry into queue {@code q} (dead-lettering, redrive): a new entry, never merged into
   * one already there. If {@code sk} is taken (in any state), the entry gets {@link #renamed} sks
   * until a free one. Returns the sk used.
   */
  byte[] moveIn(QueueRef q, byte[] sk, byte[] kryo, long delayMillis, int attempts, long enqueuedAt,
      Supplier<String> ids) {
    byte[] to = sk;
    while (readRaw(q, to) != null) {
      to = renamed(sk, ids.get());
    }
    push(q, to, kryo, delayMillis, attempts, enqueuedAt);
    return to;
  }

  /** Separator between a moved entry's sk and the id that makes it unique. */
  static final char RENAME_SEPARATOR = '~';

  /**
   * {@code sk ~ id}: sorts after {@code sk} (and, for generated sks, before every later one). When
   * that would exceed the sk limit, {@code sk} is first cut to its longest prefix of whole
   * characters that fits.
   */
  static byte[] renamed(byte[] sk, String id) {
    byte[] tail = (RENAME_SEPARATOR + id).getBytes(StandardCharsets.UTF_8);
    int keep = Math.min(sk.length, KeyCodec.MAX_SK_BYTES - tail.length);
    while (keep > 0 && keep < sk.length && (sk[keep] & 0xC0) == 0x80) {
      keep--; // not inside a UTF-8 sequence
    }
    byte[] out = Arrays.copyOf(sk, keep + tail.length);
    System.arraycopy(tail, 0, out, keep, tail.length);
    return out;
  }

  // ------------------------------------------------------------------ timed index

  /**
   * Makes due entries of the timed index (timed-out deliveries, passed delays) available, at most
   * {@code cap}, and returns the sks of those that became available, in sk order. Sets {@link
   * State#dueLeft} when due entries are left unpromoted. Scans nothing when the counters (or, on
   * a single-writer store, the hints) say no entry can be due.
   */
  List<byte[]> promoteDue(QueueRef q, int cap) {
    State s = state(q);
    s.dueLeft = false;
    s.dueLooked = 0;
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
    int looked = 0;
    try (KvCursor c = io.scan(Space.QINDEX, from, to)) {
      while (c.next()) {
        byte[] k = c.key();
        long time = QueueLayout.timeOf(k, part.length);
        if (time > now || looked >= cap) {
          low = time;
          s.dueLeft = time <= now;
          break;
        }
        byte[] sk = QueueLayout.skOf(k, part.length, true);
        Entry e = readRaw(q, sk);
        if (e == null || e.state() == QueueLayout.READY || e.time() > now) {
          continue; // an index record this commit already replaced
        }
        if (e.state() == QueueLayout.IN_FLIGHT) {
          s.timedOut++;
        }
        looked++; // each commit that stops at the cap has promoted that many: pulls make progress
        Entry r = promoted(e);
        put(q, sk, e, r);
        if (r.state() == QueueLayout.READY) {
          promoted.add(sk);
        }
      }
    }
    s.dueLooked = looked;
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
