package io.github.atomicdb.internal;

import io.github.atomicdb.CorruptDataException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The queue's storage layout, in one place: the keys of spaces QUEUE and QINDEX, the entry
 * record, the index values and the per-queue counters (data-format.md, "Queues"). The engine, the
 * format migration, the command line's inspection and the tests all build and read queue records
 * through this class only. Stateless and thread-safe.
 *
 * <pre>
 * P = KeyCodec.partition(utf8(queue pk)), S = utf8(sk)
 * QUEUE  P S                    -> entry record
 * QINDEX 0x00 P                 -> counters
 * QINDEX 0x01 P S               -> index value (ready index: available entries by sk)
 * QINDEX 0x02 P int64(time) S   -> index value (timed index: in flight by deadline, delayed by due time)
 * QINDEX 0x03 P S int64(at)      -> quarantine record (the bytes of a damaged entry, moved aside)
 * </pre>
 *
 * Every value starts with the format byte {@link #FORMAT} and ends with a CRC32C of the key
 * followed by every byte of the value before the checksum, so a damaged value, and a value copied
 * to another key, both read as corrupt.
 */
public final class QueueLayout {
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private QueueLayout() {}

  /** Format byte of every queue value (entries, index values, counters) written by this version. */
  public static final byte FORMAT = 2;

  /** First byte of a QINDEX key: what the record is. */
  public static final byte COUNTERS_TAG = 0x00;

  public static final byte READY_TAG = 0x01;
  public static final byte TIMED_TAG = 0x02;
  public static final byte QUARANTINE_TAG = 0x03;

  /** Entry states. */
  public static final byte READY = 0;

  public static final byte IN_FLIGHT = 1;
  public static final byte DELAYED = 2;

  /** Entry flag: new data was pushed while in flight; deliver again when this processing ends. */
  public static final byte FLAG_REDELIVER = 1;

  /**
   * Entry flag, set by {@link #entry} exactly when {@link Entry#redeliverAt()} is not 0: the record
   * holds an int64 after the receipt, the time before which the new data must not be delivered.
   * {@link #openEntry} reads it into {@code redeliverAt} and clears the bit in {@code flags}.
   */
  public static final byte FLAG_REDELIVER_AT = 2;

  // ---------------------------------------------------------------- keys

  /** {@code P}: the queue's partition, after checking the pk like an item pk. */
  public static byte[] part(String pk) {
    return KeyCodec.partition(KeyCodec.checkPk(pk));
  }

  /** QUEUE key of an entry: {@code P S}. */
  public static byte[] entryKey(byte[] part, byte[] sk) {
    byte[] out = Arrays.copyOf(part, part.length + sk.length);
    System.arraycopy(sk, 0, out, part.length, sk.length);
    return out;
  }

  /** QINDEX key of the queue's counters: {@code 0x00 P}. */
  public static byte[] countersKey(byte[] part) {
    return tagged(COUNTERS_TAG, part, 0);
  }

  /** QINDEX key of an available entry: {@code 0x01 P S}. */
  public static byte[] readyKey(byte[] part, byte[] sk) {
    byte[] k = tagged(READY_TAG, part, sk.length);
    System.arraycopy(sk, 0, k, 1 + part.length, sk.length);
    return k;
  }

  /** {@code 0x01 P}: every ready key of the queue starts with it. */
  public static byte[] readyPrefix(byte[] part) {
    return tagged(READY_TAG, part, 0);
  }

  /** QINDEX key of an entry in flight (time = deadline) or delayed (time = due): {@code 0x02 P int64 S}. */
  public static byte[] timedKey(byte[] part, long time, byte[] sk) {
    byte[] k = tagged(TIMED_TAG, part, 8 + sk.length);
    LONG.set(k, 1 + part.length, time);
    System.arraycopy(sk, 0, k, 1 + part.length + 8, sk.length);
    return k;
  }

  /** {@code 0x02 P}: every timed key of the queue starts with it. */
  public static byte[] timedPrefix(byte[] part) {
    return tagged(TIMED_TAG, part, 0);
  }

  /** The index key under which entry {@code e} of (part, sk) is listed. */
  public static byte[] indexKey(byte[] part, byte[] sk, Entry e) {
    return e.state() == READY ? readyKey(part, sk) : timedKey(part, e.time(), sk);
  }

  /** The time of a timed key of the queue whose partition is {@code partLength} bytes. */
  public static long timeOf(byte[] timedKey, int partLength) {
    return (long) LONG.get(timedKey, 1 + partLength);
  }

  /** The sk bytes of a ready key ({@code timed} false) or timed key of that queue. */
  public static byte[] skOf(byte[] indexKey, int partLength, boolean timed) {
    return Arrays.copyOfRange(indexKey, 1 + partLength + (timed ? 8 : 0), indexKey.length);
  }

  private static byte[] tagged(byte tag, byte[] part, int extra) {
    byte[] k = new byte[1 + part.length + extra];
    k[0] = tag;
    System.arraycopy(part, 0, k, 1, part.length);
    return k;
  }

  // ---------------------------------------------------------------- entry record

  /**
   * A queue entry.
   *
   * @param state {@link #READY}, {@link #IN_FLIGHT} or {@link #DELAYED}
   * @param attempts deliveries so far
   * @param time IN_FLIGHT: deadline; DELAYED: due; READY: 0 (epoch millis)
   * @param enqueuedAt when this sk was first pushed (epoch millis)
   * @param flags {@link #FLAG_REDELIVER}
   * @param receipt the receipt of the delivery that owns the entry, or "" when none does
   * @param kryo the data's Kryo bytes
   * @param redeliverAt IN_FLIGHT with {@link #FLAG_REDELIVER}: the new data was pushed with a delay
   *     and is not available before this time (epoch millis); 0 otherwise
   */
  public record Entry(byte state, int attempts, long time, long enqueuedAt, byte flags, String receipt,
      byte[] kryo, long redeliverAt) {
    /** An entry without a delayed redelivery. */
    public Entry(byte state, int attempts, long time, long enqueuedAt, byte flags, String receipt, byte[] kryo) {
      this(state, attempts, time, enqueuedAt, flags, receipt, kryo, 0L);
    }

    public boolean redeliver() {
      return (flags & FLAG_REDELIVER) != 0;
    }
  }

  /** Entry header before the receipt: format, state, attempts, time, enqueuedAt, flags, length. */
  private static final int ENTRY_HEAD = 24;

  /**
   * {@code u8 FORMAT | u8 state | int32 attempts | int64 time | int64 enqueuedAt | u8 flags | u8 r
   * | r bytes receipt (ASCII) | [int64 redeliverAt, if flags has FLAG_REDELIVER_AT] | kryo bytes |
   * int32 crc32c(key, all before)}.
   */
  public static byte[] entry(byte[] key, Entry e) {
    String receipt = e.receipt();
    int r = receipt.length();
    if (r > 255) {
      throw new IllegalArgumentException("receipt is " + r + " characters; at most 255");
    }
    byte[] kryo = e.kryo();
    boolean at = e.redeliverAt() != 0;
    int kryoStart = ENTRY_HEAD + r + (at ? 8 : 0);
    byte[] v = new byte[kryoStart + kryo.length + 4];
    v[0] = FORMAT;
    v[1] = e.state();
    INT.set(v, 2, e.attempts());
    LONG.set(v, 6, e.time());
    LONG.set(v, 14, e.enqueuedAt());
    v[22] = (byte) (at ? e.flags() | FLAG_REDELIVER_AT : e.flags() & ~FLAG_REDELIVER_AT);
    v[23] = (byte) r;
    for (int i = 0; i < r; i++) {
      char c = receipt.charAt(i);
      if (c > 0x7F) {
        throw new IllegalArgumentException("receipt must be ASCII");
      }
      v[ENTRY_HEAD + i] = (byte) c;
    }
    if (at) {
      LONG.set(v, ENTRY_HEAD + r, e.redeliverAt());
    }
    System.arraycopy(kryo, 0, v, kryoStart, kryo.length);
    seal(key, v);
    return v;
  }

  /**
   * Checks and decodes an entry record stored at {@code key}.
   *
   * @throws CorruptDataException naming {@code where} if any byte is off, or the record was
   *     written for another key
   */
  public static Entry openEntry(byte[] key, byte[] v, Object where) {
    if (v.length < ENTRY_HEAD + 4) {
      throw corrupt(where, "queue entry record is " + v.length + " bytes, shorter than its header");
    }
    checkFormat(v, "queue entry", where);
    checkSeal(key, v, "queue entry", where);
    byte state = v[1];
    if (state != READY && state != IN_FLIGHT && state != DELAYED) {
      throw corrupt(where, "queue entry has state " + state);
    }
    int r = v[23] & 0xFF;
    boolean at = (v[22] & FLAG_REDELIVER_AT) != 0;
    int kryoStart = ENTRY_HEAD + r + (at ? 8 : 0);
    if (kryoStart > v.length - 4) {
      throw corrupt(where, "queue entry receipt overruns the record");
    }
    String receipt = r == 0 ? "" : new String(v, ENTRY_HEAD, r, StandardCharsets.US_ASCII);
    byte[] kryo = Arrays.copyOfRange(v, kryoStart, v.length - 4);
    long redeliverAt = at ? (long) LONG.get(v, ENTRY_HEAD + r) : 0L;
    if (at && (state != IN_FLIGHT || (v[22] & FLAG_REDELIVER) == 0 || redeliverAt == 0)) {
      throw corrupt(where, "queue entry has a redelivery time without a pending redelivery in flight");
    }
    return new Entry(state, (int) INT.get(v, 2), (long) LONG.get(v, 6), (long) LONG.get(v, 14),
        (byte) (v[22] & ~FLAG_REDELIVER_AT), receipt, kryo, redeliverAt);
  }

  // ---------------------------------------------------------------- index values

  /** What an index record says about its entry (the rest is in the key). */
  public record IndexValue(byte state, long enqueuedAt) {}

  private static final int INDEX_VALUE_LENGTH = 1 + 1 + 8 + 4;

  /** {@code u8 FORMAT | u8 state | int64 enqueuedAt | int32 crc32c(key, all before)}. */
  public static byte[] indexValue(byte[] key, byte state, long enqueuedAt) {
    byte[] v = new byte[INDEX_VALUE_LENGTH];
    v[0] = FORMAT;
    v[1] = state;
    LONG.set(v, 2, enqueuedAt);
    seal(key, v);
    return v;
  }

  /** The index value of entry {@code e} under its index key {@code key}. */
  public static byte[] indexValue(byte[] key, Entry e) {
    return indexValue(key, e.state(), e.enqueuedAt());
  }

  /**
   * Checks and decodes an index value stored at {@code key}.
   *
   * @throws CorruptDataException naming {@code where} if any byte is off
   */
  public static IndexValue openIndexValue(byte[] key, byte[] v, Object where) {
    if (v.length != INDEX_VALUE_LENGTH) {
      throw corrupt(where, "queue index value is " + v.length + " bytes, not " + INDEX_VALUE_LENGTH);
    }
    checkFormat(v, "queue index value", where);
    checkSeal(key, v, "queue index value", where);
    byte state = v[1];
    boolean ready = key.length > 0 && key[0] == READY_TAG;
    if (ready ? state != READY : state != IN_FLIGHT && state != DELAYED) {
      throw corrupt(where, "queue index value has state " + state + " under a "
          + (ready ? "ready" : "timed") + " key");
    }
    return new IndexValue(state, (long) LONG.get(v, 2));
  }

  // ---------------------------------------------------------------- counters

  /** How many entries of one queue are in each state, as stored (due timed entries not moved yet). */
  public record Counters(long ready, long inFlight, long delayed) {
    public static final Counters ZERO = new Counters(0, 0, 0);

    /** In flight plus delayed: the entries listed in the timed index. */
    public long timed() {
      return inFlight + delayed;
    }
  }

  private static final int COUNTERS_LENGTH = 1 + 24 + 4;
  /** A held counters record: the counters, then the byte {@link #HELD}, then the checksum. */
  private static final int HELD_COUNTERS_LENGTH = COUNTERS_LENGTH + 1;
  /** The byte that marks a counters record as held (see {@link #heldCounters}). */
  public static final byte HELD = 1;

  /** {@code u8 FORMAT | int64 ready | int64 inFlight | int64 delayed | int32 crc32c(key, all before)}. */
  public static byte[] counters(byte[] key, Counters c) {
    return counters(key, c, false);
  }

  /**
   * A held counters record: {@code u8 FORMAT | int64 ready | int64 inFlight | int64 delayed | u8
   * HELD | int32 crc32c(key, all before)}. A single-writer engine writes it in the first commit
   * that changes the queue and from then on keeps the counters in memory only, until it writes
   * the plain record at close. The numbers are those of that first commit: a reader that finds a
   * held record must count the queue's indexes instead (a running writer holds them, or the
   * writer stopped without writing them back).
   */
  public static byte[] heldCounters(byte[] key, Counters c) {
    return counters(key, c, true);
  }

  private static byte[] counters(byte[] key, Counters c, boolean held) {
    byte[] v = new byte[held ? HELD_COUNTERS_LENGTH : COUNTERS_LENGTH];
    ByteBuffer b = ByteBuffer.wrap(v).put(FORMAT).putLong(c.ready()).putLong(c.inFlight()).putLong(c.delayed());
    if (held) {
      b.put(HELD);
    }
    seal(key, v);
    return v;
  }

  /**
   * Checks and decodes the counters stored at {@code key}; {@link Counters#ZERO} for null. A held
   * record ({@link #isHeld}) decodes to the numbers it was written with, which may be stale.
   *
   * @throws CorruptDataException naming {@code where} if any byte is off
   */
  public static Counters openCounters(byte[] key, byte[] v, Object where) {
    if (v == null) {
      return Counters.ZERO;
    }
    if (v.length != COUNTERS_LENGTH && v.length != HELD_COUNTERS_LENGTH) {
      throw corrupt(where, "queue counters are " + v.length + " bytes, not " + COUNTERS_LENGTH
          + " (or " + HELD_COUNTERS_LENGTH + " when held)");
    }
    checkFormat(v, "queue counters", where);
    checkSeal(key, v, "queue counters", where);
    if (v.length == HELD_COUNTERS_LENGTH && v[COUNTERS_LENGTH - 4] != HELD) {
      throw corrupt(where, "queue counters have held byte " + v[COUNTERS_LENGTH - 4] + ", not " + HELD);
    }
    ByteBuffer b = ByteBuffer.wrap(v);
    return new Counters(b.getLong(1), b.getLong(9), b.getLong(17));
  }

  /**
   * Whether a counters record that {@link #openCounters} accepted is held: its numbers may be
   * stale, count the queue's indexes instead.
   */
  public static boolean isHeld(byte[] v) {
    return v != null && v.length == HELD_COUNTERS_LENGTH;
  }

  // ---------------------------------------------------------------- quarantine

  /**
   * QINDEX key of a quarantine record: {@code 0x03 P S int64(at)}, {@code at} = when the entry was
   * moved aside (epoch millis, made unique per sk by the writer). No pull, stats or index scan
   * reads this range.
   */
  public static byte[] quarantineKey(byte[] part, byte[] sk, long at) {
    byte[] k = tagged(QUARANTINE_TAG, part, sk.length + 8);
    System.arraycopy(sk, 0, k, 1 + part.length, sk.length);
    ByteBuffer.wrap(k, 1 + part.length + sk.length, 8).putLong(at);
    return k;
  }

  /** {@code 0x03 P}: every quarantine key of the queue starts with it. */
  public static byte[] quarantinePrefix(byte[] part) {
    return tagged(QUARANTINE_TAG, part, 0);
  }

  /**
   * {@code 0x03 P S}: every quarantine key of (queue, sk) starts with it, and so do those of
   * longer sks starting with S (tell them apart with {@link #isQuarantineKeyOf}).
   */
  public static byte[] quarantinePrefix(byte[] part, byte[] sk) {
    byte[] k = tagged(QUARANTINE_TAG, part, sk.length);
    System.arraycopy(sk, 0, k, 1 + part.length, sk.length);
    return k;
  }

  /** An exclusive end past every quarantine key of (queue, sk), whatever its time. */
  public static byte[] quarantineEnd(byte[] part, byte[] sk) {
    byte[] p = quarantinePrefix(part, sk);
    byte[] k = Arrays.copyOf(p, p.length + 9);
    Arrays.fill(k, p.length, k.length, (byte) 0xFF);
    return k;
  }

  /** Whether {@code key} (under {@link #quarantinePrefix(byte[], byte[])}) belongs to exactly that sk. */
  public static boolean isQuarantineKeyOf(byte[] key, byte[] part, byte[] sk) {
    return key.length == 1 + part.length + sk.length + 8;
  }

  /** The sk bytes of a quarantine key of the queue whose partition is {@code partLength} bytes. */
  public static byte[] quarantineSkOf(byte[] key, int partLength) {
    return Arrays.copyOfRange(key, 1 + partLength, key.length - 8);
  }

  /** When the entry of a quarantine key was moved aside (epoch millis). */
  public static long quarantinedAtOf(byte[] key) {
    return ByteBuffer.wrap(key).getLong(key.length - 8);
  }

  /** A quarantine record: why the entry was moved aside, and its bytes exactly as they were found. */
  public record Quarantined(String reason, byte[] damaged) {}

  /** Longest reason kept, in UTF-8 bytes (a longer one is cut). */
  private static final int MAX_REASON = 2000;

  /** {@code u8 FORMAT | u16 n | n bytes reason (UTF-8) | damaged bytes | int32 crc32c(key, all before)}. */
  public static byte[] quarantine(byte[] key, String reason, byte[] damaged) {
    byte[] why = reason.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(why.length, MAX_REASON);
    while (n < why.length && n > 0 && (why[n] & 0xC0) == 0x80) {
      n--; // do not cut a character in two
    }
    byte[] v = new byte[3 + n + damaged.length + 4];
    ByteBuffer.wrap(v).put(FORMAT).putShort((short) n).put(why, 0, n).put(damaged);
    seal(key, v);
    return v;
  }

  /**
   * Checks and decodes a quarantine record stored at {@code key}.
   *
   * @throws CorruptDataException naming {@code where} if any byte is off
   */
  public static Quarantined openQuarantine(byte[] key, byte[] v, Object where) {
    if (v.length < 3 + 4) {
      throw corrupt(where, "quarantine record is " + v.length + " bytes, shorter than its header");
    }
    checkFormat(v, "quarantine record", where);
    checkSeal(key, v, "quarantine record", where);
    int n = ByteBuffer.wrap(v).getShort(1) & 0xFFFF;
    if (3 + n > v.length - 4) {
      throw corrupt(where, "quarantine record reason overruns the record");
    }
    return new Quarantined(new String(v, 3, n, StandardCharsets.UTF_8),
        Arrays.copyOfRange(v, 3 + n, v.length - 4));
  }

  // ---------------------------------------------------------------- checksums

  /** Writes crc32c(key, v[0 .. length-4)) into the last 4 bytes of {@code v}. */
  private static void seal(byte[] key, byte[] v) {
    INT.set(v, v.length - 4, crc(key, v));
  }

  private static int crc(byte[] key, byte[] v) {
    CRC32C c = new CRC32C();
    c.update(key, 0, key.length);
    c.update(v, 0, v.length - 4);
    return (int) c.getValue();
  }

  private static void checkSeal(byte[] key, byte[] v, String what, Object where) {
    if (crc(key, v) != (int) INT.get(v, v.length - 4)) {
      throw corrupt(where, what + " checksum mismatch (damaged, or not written for this key)");
    }
  }

  private static void checkFormat(byte[] v, String what, Object where) {
    if (v[0] != FORMAT) {
      throw corrupt(where, what + " has format " + v[0] + "; this version reads " + FORMAT
          + (v[0] == 1 ? " (a store of format 1 must be migrated when opened)" : ""));
    }
  }

  static CorruptDataException corrupt(Object where, String what) {
    return new CorruptDataException(what + " at " + where + "; the store's data is damaged");
  }
}
