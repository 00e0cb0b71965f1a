package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.internal.EngineAccess;
import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.Records;
import io.github.atomicdb.internal.ValueCodec;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.Space;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Record-level reads of an open store, for the commands that show what the public API cannot
 * (values of user classes, queue entries without pulling them, every record for verify). Reads
 * only; writes go through {@link AtomicDb} or {@link EngineAccess}.
 */
final class RawStore {
  /** Bounds that hold every key of every space (no valid key starts with 0xFF). */
  static final byte[] FIRST = new byte[0];

  static final byte[] LAST = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};

  final AtomicDb db;
  final KvStore kv;
  final ValueCodec codec;
  final Clock clock;

  RawStore(AtomicDb db) {
    this.db = db;
    EngineAccess.Accessor a = EngineAccess.get();
    this.kv = a.kv(db);
    this.codec = a.codec(db);
    this.clock = a.clock(db);
  }

  /** An item as stored: {@code value} is decoded, or a {@link Values.Raw}. */
  record StoredItem(String pk, String sk, Long ttl, Object value, int kryoBytes) {}

  /** A queue entry as stored. */
  record StoredEntry(String pk, String sk, Records.Entry entry, Object value) {
    String stateName(long nowMillis) {
      return switch (entry.state()) {
        case Records.READY -> "available";
        case Records.IN_FLIGHT -> entry.time() <= nowMillis ? "available (lease expired)" : "in flight";
        case Records.DELAYED -> entry.time() <= nowMillis ? "available (delay passed)" : "delayed";
        default -> "state " + entry.state();
      };
    }
  }

  /** Per-queue counters as stored. */
  record QueueCounters(String pk, long ready, long inFlight, long delayed) {}

  long nowMillis() {
    return clock.millis();
  }

  /** Decodes an item record; null if expired at {@code nowMillis}. */
  StoredItem item(String pk, String sk, byte[] v, long nowMillis) {
    Object where = "(pk '" + pk + "', sk '" + sk + "')";
    Records.ItemView iv = Records.openItem(v, where);
    if (iv.ttl() != null && nowMillis > iv.ttl() * 1000L) {
      return null;
    }
    Object value = Values.decode(codec, iv.buf(), iv.kryoOffset(), iv.kryoLength(), where);
    return new StoredItem(pk, sk, iv.ttl(), value, iv.kryoLength());
  }

  /** The live item at (pk, sk), or null. */
  StoredItem get(String pk, String sk) {
    byte[] v = kv.get(Space.ITEMS, KeyCodec.encode(pk, sk));
    return v == null ? null : item(pk, sk, v, nowMillis());
  }

  /** The live items of a partition, in sk order (or reversed), at most {@code limit} (0 = all). */
  List<StoredItem> query(String pk, String prefix, boolean reverse, int limit) {
    byte[] part = KeyCodec.partition(KeyCodec.checkPk(pk));
    byte[] from = part;
    if (prefix != null && !prefix.isEmpty()) {
      byte[] p = KeyCodec.utf8(prefix, "prefix");
      from = Arrays.copyOf(part, part.length + p.length);
      System.arraycopy(p, 0, from, part.length, p.length);
    }
    long now = nowMillis();
    List<StoredItem> out = new ArrayList<>();
    try (KvCursor c = kv.scan(Space.ITEMS, from, KeyCodec.prefixEnd(from), reverse, limit)) {
      while ((limit <= 0 || out.size() < limit) && c.next()) {
        byte[] k = c.key();
        String sk = new String(k, part.length, k.length - part.length, java.nio.charset.StandardCharsets.UTF_8);
        StoredItem it = item(pk, sk, c.value(), now);
        if (it != null) {
          out.add(it);
        }
      }
    }
    return out;
  }

  /** Every queue that has counters, in pk byte order. */
  List<QueueCounters> queues() {
    List<QueueCounters> out = new ArrayList<>();
    try (KvCursor c = kv.scan(Space.QINDEX, new byte[] {0x00}, new byte[] {0x01}, false, 0)) {
      while (c.next()) {
        String pk = KeyCodec.decode(c.key(), 1).pk();
        long[] n = Records.openCounters(c.value(), "counters of queue '" + pk + "'");
        out.add(new QueueCounters(pk, n[0], n[1], n[2]));
      }
    }
    return out;
  }

  /** The entries of queue {@code pk} in queue (sk) order, at most {@code limit} (0 = all). */
  List<StoredEntry> peek(String pk, int limit) {
    byte[] part = KeyCodec.partition(KeyCodec.checkPk(pk));
    List<StoredEntry> out = new ArrayList<>();
    try (KvCursor c = kv.scan(Space.QUEUE, part, KeyCodec.prefixEnd(part), false, limit)) {
      while ((limit <= 0 || out.size() < limit) && c.next()) {
        out.add(entry(c.key(), c.value()));
      }
    }
    return out;
  }

  StoredEntry entry(byte[] key, byte[] value) {
    ItemKey k = KeyCodec.decode(key);
    String where = "queue entry (pk '" + k.pk() + "', sk '" + k.sk() + "')";
    Records.Entry e = Records.openEntry(value, where);
    Object v = Values.decode(codec, e.kryo(), 0, e.kryo().length, where);
    return new StoredEntry(k.pk(), k.sk(), e, v);
  }

  /** Calls {@code each} with every (key, value) of {@code space}, in key order. */
  void forEach(Space space, Consumer<byte[][]> each) {
    try (KvCursor c = kv.scan(space, FIRST, LAST, false, 0)) {
      while (c.next()) {
        each.accept(new byte[][] {c.key(), c.value()});
      }
    }
  }

  /** Bytes of every file under {@code dir}. */
  static long sizeOnDisk(Path dir) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  return 0; // a file removed by compaction meanwhile
                }
              })
          .sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String humanBytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] u = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int i = -1;
    do {
      v /= 1024;
      i++;
    } while (v >= 1024 && i < u.length - 1);
    return String.format(java.util.Locale.ROOT, "%.1f %s", v, u[i]);
  }
}
