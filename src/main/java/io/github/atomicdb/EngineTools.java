package io.github.atomicdb;

import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.QueueLayout;
import io.github.atomicdb.internal.Records;
import io.github.atomicdb.internal.ValueCodec;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.Space;
import io.github.atomicdb.tools.ImportResult;
import io.github.atomicdb.tools.ItemRecord;
import io.github.atomicdb.tools.QuarantinedEntry;
import io.github.atomicdb.tools.QueueEntryState;
import io.github.atomicdb.tools.QueueRecord;
import io.github.atomicdb.tools.StoreCounts;
import io.github.atomicdb.tools.StoreTools;
import io.github.atomicdb.tools.StoredValue;
import io.github.atomicdb.tools.VerifyReport;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/*
 * The operator API over the engine's own records (see StoreTools for the contract). It reads the
 * spaces through the engine's KvStore with the engine's codec and clock, and knows the layout only
 * through the engine's own pieces: KeyCodec for keys, Records for record bytes, EngineDb for the
 * expiry rule and the checks of set, QueueEngine for the queue's keys and push path. Writes go
 * through EngineDb (items) and QueueEngine (queue entries); nothing here builds a record itself.
 */
final class EngineTools implements StoreTools {
  /** Bounds that hold every key of a space (no valid key starts with 0xFF). */
  private static final byte[] FIRST = new byte[0];

  private static final byte[] LAST = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
  /** How often (in records) long scans report progress. */
  private static final int PROGRESS_EVERY = 1000;

  private final EngineDb db;

  EngineTools(EngineDb db) {
    this.db = db;
  }

  @Override
  public int formatVersion() {
    db.checkOpen();
    return db.formatVersion();
  }

  // ------------------------------------------------------------------ values and records

  /**
   * The value in {@code buf[off, off + len)}: decoded if the store knows every class in it, else
   * as bytes. Damaged bytes throw CorruptDataException naming {@code where}.
   */
  private StoredValue value(byte[] buf, int off, int len, Object where) {
    byte[] b = Arrays.copyOfRange(buf, off, off + len);
    int id = ValueCodec.classIdAt(b, 0, b.length);
    if (id == -1) {
      throw new CorruptDataException("stored value of " + where + " does not start with a class"
          + " id; the record is damaged");
    }
    if (id >= ValueCodec.FIRST_USER_ID && !db.codec.userTypes().containsValue(id)) {
      return StoredValue.raw(b);
    }
    try {
      return StoredValue.decoded(b, db.codec.decode(b, 0, b.length, where));
    } catch (UnregisteredTypeException e) {
      return StoredValue.raw(b); // a built-in container holding an unregistered class
    }
  }

  /** The item stored as {@code v}, or null if expired at {@code nowMillis}. */
  private ItemRecord itemRecord(String pk, String sk, byte[] key, byte[] v, long nowMillis) {
    EngineDb.Where where = new EngineDb.Where(pk, sk);
    Records.ItemView iv = Records.openItem(key, v, where);
    if (iv.ttl() != null && EngineDb.expired(iv.ttl(), nowMillis)) {
      return null;
    }
    return new ItemRecord(pk, sk, iv.ttl(), value(iv.buf(), iv.kryoOffset(), iv.kryoLength(), where));
  }

  private static QueueEntryState state(QueueLayout.Entry e, long nowMillis) {
    boolean due = e.time() <= nowMillis; // as QueueEngine promotes a timed entry
    return switch (e.state()) {
      case QueueLayout.IN_FLIGHT -> due ? QueueEntryState.LEASE_EXPIRED : QueueEntryState.IN_FLIGHT;
      case QueueLayout.DELAYED -> due ? QueueEntryState.DELAY_PASSED : QueueEntryState.DELAYED;
      default -> QueueEntryState.AVAILABLE;
    };
  }

  private QueueRecord queueRecord(byte[] key, byte[] v, long nowMillis) {
    ItemKey k = KeyCodec.decode(key);
    String where = queueWhere(k.pk(), k.sk());
    QueueLayout.Entry e = QueueLayout.openEntry(key, v, where);
    return new QueueRecord(k.pk(), k.sk(), state(e, nowMillis), e.attempts(), e.time(),
        e.enqueuedAt(), value(e.kryo(), 0, e.kryo().length, where));
  }

  private static String queueWhere(String pk, String sk) {
    return "queue entry (pk '" + pk + "', sk '" + sk + "')";
  }

  /** Calls {@code each} with every (key, value) of {@code space} in key order; returns how many. */
  private long forEach(Space space, Consumer<byte[][]> each) {
    db.checkOpen();
    long n = 0;
    try (KvCursor c = db.kv.scan(space, FIRST, LAST, false, 0)) {
      while (c.next()) {
        n++;
        each.accept(new byte[][] {c.key(), c.value()});
      }
    }
    return n;
  }

  // ------------------------------------------------------------------ reads

  @Override
  public StoreCounts counts(LongConsumer progress) {
    Objects.requireNonNull(progress, "progress must not be null");
    long now = db.clock.millis();
    long[] n = new long[5]; // live items, expired items, locks, queue entries, records read
    Consumer<byte[][]> tick = kv -> {
      if (++n[4] % PROGRESS_EVERY == 0) {
        progress.accept(n[4]);
      }
    };
    forEach(Space.ITEMS, kv -> {
      tick.accept(kv);
      Long ttl = Records.openItem(kv[0], kv[1], KeyCodec.decode(kv[0])).ttl();
      n[ttl != null && EngineDb.expired(ttl, now) ? 1 : 0]++;
    });
    n[2] = forEach(Space.LOCKS, tick);
    n[3] = forEach(Space.QUEUE, tick);
    progress.accept(n[4]);
    return new StoreCounts(n[0], n[1], n[2], n[3]);
  }

  @Override
  public List<String> queueNames() {
    db.checkOpen();
    List<String> out = new ArrayList<>();
    byte[] from = {QueueLayout.COUNTERS_TAG};
    byte[] to = {QueueLayout.COUNTERS_TAG + 1};
    try (KvCursor c = db.kv.scan(Space.QINDEX, from, to, false, 0)) {
      while (c.next()) {
        out.add(KeyCodec.decode(c.key(), 1).pk());
      }
    }
    return out;
  }

  @Override
  public boolean queueExists(String pk) {
    db.checkOpen();
    byte[] part = KeyCodec.partition(KeyCodec.checkPk(pk));
    return db.kv.get(Space.QINDEX, QueueLayout.countersKey(part)) != null;
  }

  @Override
  public Optional<ItemRecord> item(String pk, String sk) {
    db.checkOpen();
    byte[] k = KeyCodec.encode(pk, sk);
    byte[] v = db.kv.get(Space.ITEMS, k);
    return v == null ? Optional.empty() : Optional.ofNullable(itemRecord(pk, sk, k, v, db.clock.millis()));
  }

  @Override
  public List<ItemRecord> query(Query query) {
    try (Stream<ItemRecord> s = db.scanItems(query, this::itemRecord)) {
      return s.toList();
    }
  }

  @Override
  public List<QueueRecord> peek(String pk, int limit) {
    db.checkOpen();
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0 (0 = all), was " + limit);
    }
    byte[] part = KeyCodec.partition(KeyCodec.checkPk(pk));
    long now = db.clock.millis();
    List<QueueRecord> out = new ArrayList<>();
    try (KvCursor c = db.kv.scan(Space.QUEUE, part, KeyCodec.prefixEnd(part), false, limit)) {
      while ((limit == 0 || out.size() < limit) && c.next()) {
        out.add(queueRecord(c.key(), c.value(), now));
      }
    }
    return out;
  }

  @Override
  public long exportItems(Consumer<? super ItemRecord> each) {
    Objects.requireNonNull(each, "each must not be null");
    long now = db.clock.millis();
    long[] expired = new long[1];
    forEach(Space.ITEMS, kv -> {
      ItemKey k = KeyCodec.decode(kv[0]);
      ItemRecord r = itemRecord(k.pk(), k.sk(), kv[0], kv[1], now);
      if (r == null) {
        expired[0]++;
      } else {
        each.accept(r);
      }
    });
    return expired[0];
  }

  @Override
  public long exportQueueEntries(Consumer<? super QueueRecord> each) {
    Objects.requireNonNull(each, "each must not be null");
    long now = db.clock.millis();
    return forEach(Space.QUEUE, kv -> each.accept(queueRecord(kv[0], kv[1], now)));
  }

  // ------------------------------------------------------------------ quarantine

  /** [from, to) of the quarantine keys of queue {@code pk}, or of every queue when null. */
  private static byte[][] quarantineRange(String pk) {
    if (pk == null) {
      return new byte[][] {{QueueLayout.QUARANTINE_TAG}, {QueueLayout.QUARANTINE_TAG + 1}};
    }
    byte[] prefix = QueueLayout.quarantinePrefix(QueueLayout.part(pk));
    return new byte[][] {prefix, KeyCodec.prefixEnd(prefix)};
  }

  /** The (pk, sk) a quarantine key names, or null if it does not follow the layout. */
  private static ItemKey quarantinedKey(byte[] k) {
    if (k.length < 1 + 1 + 8) {
      return null;
    }
    try {
      ItemKey key = KeyCodec.decode(Arrays.copyOf(k, k.length - 8), 1);
      return key.pk().isEmpty() || key.sk().isEmpty() ? null : key;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The quarantine record {@code v} at {@code k}, as a QuarantinedEntry; never throws for damage. */
  private static QuarantinedEntry quarantinedEntry(ItemKey key, byte[] k, byte[] v) {
    long at = QueueLayout.quarantinedAtOf(k);
    try {
      QueueLayout.Quarantined q = QueueLayout.openQuarantine(k, v, queueWhere(key.pk(), key.sk()));
      return new QuarantinedEntry(key.pk(), key.sk(), at, q.reason(), q.damaged(), true);
    } catch (CorruptDataException e) {
      return new QuarantinedEntry(key.pk(), key.sk(), at, e.getMessage(), v, false);
    }
  }

  @Override
  public List<QuarantinedEntry> quarantined(String pk, int limit) {
    db.checkOpen();
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0 (0 = all), was " + limit);
    }
    byte[][] range = quarantineRange(pk);
    List<QuarantinedEntry> out = new ArrayList<>();
    try (KvCursor c = db.kv.scan(Space.QINDEX, range[0], range[1], false, limit)) {
      while ((limit == 0 || out.size() < limit) && c.next()) {
        ItemKey key = quarantinedKey(c.key());
        if (key != null) {
          out.add(quarantinedEntry(key, c.key(), c.value()));
        }
      }
    }
    return out;
  }

  @Override
  public long quarantinedCount(String pk) {
    db.checkOpen();
    byte[][] range = quarantineRange(pk);
    long n = 0;
    try (KvCursor c = db.kv.scan(Space.QINDEX, range[0], range[1], false, 0)) {
      while (c.next()) {
        n++;
      }
    }
    return n;
  }

  @Override
  public long setAsideDamaged(String pk) {
    db.checkOpen();
    return db.queue.setAsideDamaged(pk);
  }

  @Override
  public int deleteQuarantined(String pk, String sk) {
    db.checkOpen();
    return db.queue.deleteQuarantined(pk, sk);
  }

  // ------------------------------------------------------------------ writes

  /** The bytes to store for {@code v}: serialized by the codec, or raw bytes after a check. */
  private byte[] bytesOf(StoredValue v, Object where) {
    byte[] b = v.bytes();
    if (b == null) {
      return db.codec.encode(v.value());
    }
    try {
      db.codec.decode(b, 0, b.length, where);
    } catch (UnregisteredTypeException e) {
      // a class this store does not know: kept as raw bytes
    } catch (CorruptDataException e) {
      throw new IllegalArgumentException("value of " + where + " (class id " + v.classId()
          + ", " + b.length + " bytes) cannot be decoded: " + e.getMessage(), e);
    }
    return b;
  }

  @Override
  public ImportResult importItems(List<ItemRecord> items) {
    db.checkOpen();
    Objects.requireNonNull(items, "items must not be null");
    long now = db.clock.millis();
    List<KvOp> ops = new ArrayList<>(items.size());
    Set<EngineDb.ByteKey> seen = new HashSet<>();
    long expired = 0;
    for (int i = 0; i < items.size(); i++) {
      ItemRecord r = Objects.requireNonNull(items.get(i), "items[" + i + "] must not be null");
      byte[] k = EngineDb.checkItem(r.pk(), r.sk(), r.ttl(), seen);
      byte[] kryo = bytesOf(r.value(), new EngineDb.Where(r.pk(), r.sk()));
      if (r.ttl() != null && EngineDb.expired(r.ttl(), now)) {
        expired++;
      } else {
        ops.add(EngineDb.itemPut(k, kryo, r.ttl()));
      }
    }
    if (!ops.isEmpty()) {
      db.kv.write(ops);
    }
    return new ImportResult(ops.size(), expired);
  }

  @Override
  public ImportResult importQueueEntries(List<QueueRecord> entries) {
    db.checkOpen();
    Objects.requireNonNull(entries, "entries must not be null");
    List<QueueEngine.Restored> rs = new ArrayList<>(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      QueueRecord r = Objects.requireNonNull(entries.get(i), "entries[" + i + "] must not be null");
      KeyCodec.checkPk(r.pk());
      KeyCodec.checkSk(r.sk());
      rs.add(new QueueEngine.Restored(r.pk(), r.sk(), bytesOf(r.value(), queueWhere(r.pk(), r.sk())),
          r.enqueuedAtMillis()));
    }
    int added = rs.isEmpty() ? 0 : db.queue.importEntries(rs);
    return new ImportResult(added, rs.size() - added);
  }

  // ------------------------------------------------------------------ verify

  @Override
  public VerifyReport verify(int maxListed, LongConsumer progress) {
    if (maxListed < 0) {
      throw new IllegalArgumentException("maxListed must be >= 0, was " + maxListed);
    }
    Objects.requireNonNull(progress, "progress must not be null");
    db.checkOpen();
    // The store's own writer holds queue counters in memory: written back, they can be checked
    // (a queue changed while this runs holds them again and is not compared).
    db.queue.releaseHeldCounters();
    return new Verifier(maxListed, progress).run();
  }

  /*
   * One verify run. Per record: the key follows the key layout and re-encodes to the same bytes;
   * the record opens through Records; a value decodes unless it names a class not registered
   * here. Across records: each queue entry's expected index key (built by QueueEngine's key
   * builders) is collected and crossed off by the index records found, and each queue's entries
   * are tallied by state against its counters. Keeps one set of index keys in memory.
   */
  private final class Verifier {
    private final int maxListed;
    private final LongConsumer progress;
    private final List<VerifyReport.Problem> problems = new ArrayList<>();
    private long problemCount;
    private long read;
    private final Map<ByteBuffer, String> expectedIndex = new HashMap<>();
    /** Per queue: entries by state (ready, in flight, delayed) minus its counters. */
    private final Map<String, long[]> tally = new HashMap<>();
    /** Queues whose counters record is held (QueueLayout.heldCounters): not compared. */
    private final Set<String> heldCounters = new HashSet<>();

    Verifier(int maxListed, LongConsumer progress) {
      this.maxListed = maxListed;
      this.progress = progress;
    }

    private void problem(Space space, String key, String what) {
      problem(space.name().toLowerCase(Locale.ROOT), key, what);
    }

    private void problem(String space, String key, String what) {
      problemCount++;
      if (problems.size() < maxListed) {
        problems.add(new VerifyReport.Problem(space, key, what));
      }
    }

    VerifyReport run() {
      long[] counts = new long[Space.values().length];
      for (Space space : Space.values()) {
        try {
          counts[space.ordinal()] = forEach(space, kv -> {
            if (++read % PROGRESS_EVERY == 0) {
              progress.accept(read);
            }
            check(space, kv[0], kv[1]);
          });
        } catch (CorruptDataException e) {
          problem(space, "-", "reading stopped: " + e.getMessage());
        }
      }
      progress.accept(read);
      for (String entry : new TreeSet<>(expectedIndex.values())) {
        problem(Space.QUEUE, entry, "queue entry has no index record (a pull would never find it)");
      }
      for (Map.Entry<String, long[]> t : new java.util.TreeMap<>(tally).entrySet()) {
        long[] c = t.getValue();
        if (!heldCounters.contains(t.getKey()) && (c[0] != 0 || c[1] != 0 || c[2] != 0)) {
          problem(Space.QINDEX, "queue '" + t.getKey() + "'", "queue has " + c[0] + " ready, " + c[1]
              + " in-flight and " + c[2] + " delayed entries that its counters do not account for");
        }
      }
      return new VerifyReport(counts[Space.ITEMS.ordinal()], counts[Space.LOCKS.ordinal()],
          counts[Space.QUEUE.ordinal()], counts[Space.QINDEX.ordinal()], problemCount, problems);
    }

    private void check(Space space, byte[] k, byte[] v) {
      if (space != Space.QINDEX) {
        String bad = keyProblem(k);
        if (bad != null) {
          problem(space, "0x" + KeyCodec.hex(k), bad);
          return;
        }
      }
      String key = space == Space.QINDEX ? "0x" + KeyCodec.hex(k) : keyText(k);
      try {
        switch (space) {
          case ITEMS -> {
            Records.ItemView iv = Records.openItem(k, v, key);
            value(iv.buf(), iv.kryoOffset(), iv.kryoLength(), key);
          }
          case LOCKS -> Records.openLock(k, v, key);
          case QUEUE -> {
            ItemKey ik = KeyCodec.decode(k);
            QueueLayout.Entry e = QueueLayout.openEntry(k, v, key);
            value(e.kryo(), 0, e.kryo().length, key);
            tally.computeIfAbsent(ik.pk(), x -> new long[3])[counterOf(e.state())]++;
            expectedIndex.put(ByteBuffer.wrap(indexKey(ik, e)), key);
          }
          case QINDEX -> checkIndex(k, v, key);
        }
      } catch (CorruptDataException e) {
        problem(space, key, e.getMessage());
      }
    }

    /** A QINDEX record: counters, ready index or timed index. */
    private void checkIndex(byte[] k, byte[] v, String key) {
      if (k.length == 0) {
        problem(Space.QINDEX, key, "empty key");
        return;
      }
      switch (k[0]) {
        case QueueLayout.COUNTERS_TAG -> {
          String pk;
          try {
            pk = KeyCodec.decode(k, 1).pk();
          } catch (RuntimeException e) {
            problem(Space.QINDEX, key, "counters key does not name a queue");
            return;
          }
          QueueLayout.Counters n = QueueLayout.openCounters(k, v, "counters of queue '" + pk + "'");
          if (QueueLayout.isHeld(v)) {
            // Held by the store's writer (in memory while it runs; counted from the indexes when
            // next loaded if it stopped without writing them back): nothing to compare.
            heldCounters.add(pk);
            return;
          }
          long[] c = {n.ready(), n.inFlight(), n.delayed()};
          if (c[0] < 0 || c[1] < 0 || c[2] < 0) {
            problem(Space.QINDEX, "queue '" + pk + "'", "negative counters " + n);
          }
          if (!Arrays.equals(QueueLayout.countersKey(QueueLayout.part(pk)), k)) {
            problem(Space.QINDEX, key, "counters key is not canonical");
          }
          long[] t = tally.computeIfAbsent(pk, x -> new long[3]);
          for (int i = 0; i < 3; i++) {
            t[i] -= c[i]; // what is left after every record is the mismatch
          }
        }
        case QueueLayout.READY_TAG, QueueLayout.TIMED_TAG -> {
          QueueLayout.openIndexValue(k, v, key + " (" + indexText(k) + ")");
          if (expectedIndex.remove(ByteBuffer.wrap(k)) == null) {
            problem(Space.QINDEX, key + " (" + indexText(k) + ")",
                "index record without a matching queue entry");
          }
        }
        case QueueLayout.QUARANTINE_TAG -> {
          ItemKey qk = quarantinedKey(k);
          if (qk == null) {
            problem(Space.QINDEX, key, "quarantine key does not name a queue entry");
            return;
          }
          QuarantinedEntry q = quarantinedEntry(qk, k, v);
          problem("quarantine", queueWhere(qk.pk(), qk.sk()), (q.intact()
              ? "damaged queue entry moved aside at " + Instant.ofEpochMilli(q.quarantinedAtMillis())
                  + " (" + q.reason() + ")"
              : "quarantine record is damaged too (" + q.reason() + ")")
              + "; show or export it with `atomicdb queue quarantine`, delete it once handled");
        }
        default -> problem(Space.QINDEX, key, "unknown index record type " + k[0]);
      }
    }
  }

  /** Position of a state in the counters (ready, in flight, delayed). */
  private static int counterOf(byte state) {
    return state == QueueLayout.READY ? 0 : state == QueueLayout.IN_FLIGHT ? 1 : 2;
  }

  /** The QINDEX key under which QueueEngine indexes entry {@code e} at {@code key}. */
  private static byte[] indexKey(ItemKey key, QueueLayout.Entry e) {
    return QueueLayout.indexKey(QueueLayout.part(key.pk()), KeyCodec.utf8(key.sk(), "sk"), e);
  }

  /** The key as text, or its hex if it does not decode. */
  private static String keyText(byte[] k) {
    try {
      ItemKey key = KeyCodec.decode(k);
      return new EngineDb.Where(key.pk(), key.sk()).toString();
    } catch (RuntimeException e) {
      return "0x" + KeyCodec.hex(k);
    }
  }

  /** Null if {@code k} is a canonical item-layout key, else what is wrong with it. */
  private static String keyProblem(byte[] k) {
    try {
      ItemKey key = KeyCodec.decode(k);
      byte[] again = KeyCodec.join(KeyCodec.utf8(key.pk(), "pk"), KeyCodec.utf8(key.sk(), "sk"));
      if (!Arrays.equals(again, k) || key.pk().isEmpty() || key.sk().isEmpty()) {
        return "key is not in canonical form (bad UTF-8 or empty pk/sk): 0x" + KeyCodec.hex(k);
      }
      return null;
    } catch (RuntimeException e) {
      return "key does not follow the key layout: " + e.getMessage();
    }
  }

  /** An index key as "queue 'q', sk 's'", for people. */
  private static String indexText(byte[] k) {
    try {
      String pk = KeyCodec.decode(k, 1).pk();
      int sk = KeyCodec.skOffset(k, 1) + (k[0] == QueueLayout.TIMED_TAG ? 8 : 0);
      return "queue '" + pk + "', sk '" + new String(k, Math.min(sk, k.length),
          Math.max(0, k.length - sk), StandardCharsets.UTF_8) + "'";
    } catch (RuntimeException e) {
      return "undecodable";
    }
  }
}
