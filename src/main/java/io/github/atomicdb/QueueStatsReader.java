package io.github.atomicdb;

import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.QueueLayout;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.Space;
import java.util.Arrays;

/*
 * queueStats, without scanning the queue: the counters give each state; only timed entries
 * already due (promoted lazily by pulls, so stored as in flight or delayed) are read, to count
 * them as available (or as delayed: a timed-out delivery whose entry got new data pushed with a
 * delay not yet passed), and the first ready index record gives the age. Writes nothing (unless
 * the queue's counters are damaged: QueueOp counts them again and the commit rewrites them), and
 * never throws because of one damaged index value or entry (it is left for a pull or verify to
 * meet).
 */
final class QueueStatsReader {
  private QueueStatsReader() {}

  /** Most damaged ready index values looked past for the age. */
  private static final int DAMAGED_SKIPPED = 16;

  static QueueStats read(QueueOp op, QueueRef q) {
    QueueOp.State st = op.state(q);
    long ready = st.ready;
    long inFlight = st.inFlight;
    long delayed = st.delayed;
    byte[] part = q.part();
    // The age is that of the first available entry in queue (sk) order, whether it is in the
    // ready index or a due entry of the timed index not yet promoted by a pull.
    long oldest = Long.MAX_VALUE;
    byte[] firstSk = null;
    byte[] readyPrefix = QueueLayout.readyPrefix(part);
    byte[] floor = st.hinted() ? st.readyFloor() : QueueHints.NO_FLOOR;
    if (ready > 0) {
      try (KvCursor r = op.io.scan(Space.QINDEX, QueueLayout.readyKey(part, floor), KeyCodec.prefixEnd(readyPrefix))) {
        // A damaged index value gives no age: the next one does (a pull deals with the entry).
        for (int tries = 0; firstSk == null && tries < DAMAGED_SKIPPED && r.next(); tries++) {
          try {
            oldest = QueueLayout.openIndexValue(r.key(), r.value(), "ready index of queue '" + q.pk() + "'").enqueuedAt();
            firstSk = QueueLayout.skOf(r.key(), part.length, false);
          } catch (CorruptDataException e) {
            // try the next
          }
        }
      }
    }
    boolean mayBeDue = inFlight + delayed > 0
        && (st.timedNext == QueueHints.UNKNOWN || op.now >= st.timedNext);
    if (mayBeDue) {
      byte[] from = st.timedLow == QueueHints.UNKNOWN
          ? QueueLayout.timedPrefix(part)
          : QueueLayout.timedKey(part, st.timedLow, new byte[0]);
      byte[] to = QueueLayout.timedKey(part, op.now + 1, new byte[0]);
      try (KvCursor d = op.io.scan(Space.QINDEX, from, to)) {
        while (d.next()) {
          QueueLayout.IndexValue v;
          try {
            v = QueueLayout.openIndexValue(d.key(), d.value(), "timed index of queue '" + q.pk() + "'");
          } catch (CorruptDataException e) {
            continue; // counted as stored until an operation meets the entry
          }
          byte[] sk = QueueLayout.skOf(d.key(), part.length, true);
          if (v.state() == QueueLayout.IN_FLIGHT) {
            inFlight--;
            QueueLayout.Entry e;
            try {
              e = op.readStored(q, sk);
            } catch (CorruptDataException damaged) {
              e = null; // due like any other: the pull that meets it sets it aside
            }
            if (e != null && e.redeliver() && e.redeliverAt() > op.now) {
              delayed++; // new data pushed with a delay during that delivery: due later
              continue;
            }
          } else {
            delayed--;
          }
          ready++;
          if (firstSk == null || Arrays.compareUnsigned(sk, firstSk) < 0) {
            firstSk = sk;
            oldest = v.enqueuedAt();
          }
        }
      }
    }
    long age = ready == 0 || oldest == Long.MAX_VALUE ? 0 : Math.max(0, (op.now - oldest) / 1000);
    return new QueueStats(ready, inFlight, delayed, age);
  }
}
