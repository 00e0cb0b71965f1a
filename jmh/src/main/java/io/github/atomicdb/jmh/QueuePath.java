package io.github.atomicdb.jmh;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;

/**
 * Push, pull (with a visibility timeout) and acknowledge, on the library, on raw RocksDB, or on a
 * competitor ({@code sqlite}, {@code lmdb}: {@link SqlitePaths.Queue}, {@link LmdbPaths.Queue},
 * one queue per store; {@code tape}: {@link TapeQueue}, no visibility timeout).
 */
interface QueuePath extends AutoCloseable {
  void push(String queue, String data);

  /** Setup only: pushes entries {@code data(0)} to {@code data(n - 1)} as fast as it can. */
  void pushMany(String queue, int n, IntFunction<String> data);

  /** The oldest available entry, now in flight for {@code ttlSeconds}; null if none. */
  Object pull(String queue, long ttlSeconds);

  /** The data of a delivery returned by {@link #pull}. */
  String data(Object delivered);

  /** Removes the delivered entry; throws if the store says this delivery no longer owns it. */
  void ack(Object delivered);

  @Override
  void close();

  static QueuePath open(String impl, boolean syncWrites) {
    return switch (impl) {
      case "rawQueue" -> new RawQueue(syncWrites, false);
      case "rawIndexed" -> new RawQueue(syncWrites, true);
      case "sqlite" -> new SqlitePaths.Queue(syncWrites);
      case "lmdb" -> new LmdbPaths.Queue(syncWrites);
      case "tape" -> new TapeQueue();
      default -> new Library(impl, syncWrites);
    };
  }

  /** queuePush, queuePull, queueAcknowledge(QueueItem) of an {@link AtomicDb}. */
  final class Library implements QueuePath {
    private final TempDir dir;
    private final AtomicDb db;

    Library(String impl, boolean syncWrites) {
      dir = new TempDir("queue-" + impl + "-");
      try {
        db = Stores.open(impl, dir.resolve("db"), syncWrites);
      } catch (RuntimeException | Error e) {
        dir.close();
        throw e;
      }
    }

    @Override
    public void push(String queue, String data) {
      db.queuePush(QueueItemInput.of(queue, data));
    }

    @Override
    public void pushMany(String queue, int n, IntFunction<String> data) {
      List<QueueItemInput> batch = new ArrayList<>(1000);
      for (int i = 0; i < n; i++) {
        batch.add(QueueItemInput.of(queue, data.apply(i)));
        if (batch.size() == 1000 || i == n - 1) {
          db.queuePush(batch);
          batch.clear();
        }
      }
    }

    @Override
    public Object pull(String queue, long ttlSeconds) {
      return db.queuePull(QueuePullOptions.of(queue).withTtlSeconds(ttlSeconds)).orElse(null);
    }

    @Override
    public String data(Object delivered) {
      return ((QueueItem) delivered).data(String.class);
    }

    @Override
    public void ack(Object delivered) {
      if (!db.queueAcknowledge((QueueItem) delivered)) {
        throw new IllegalStateException("ack refused: the delivery of " + ((QueueItem) delivered).sk()
            + " lost its lease");
      }
    }

    @Override
    public void close() {
      try {
        db.close();
      } finally {
        dir.close();
      }
    }
  }

  /**
   * A hand-written queue on rocksdbjni: entries in a "ready" column family keyed by (queue, 0x00,
   * int64 sequence); a pull takes the first ready entry under a per-queue lock and moves it to
   * "inflight" (value: int64 deadline + data) in one WriteBatch; an ack deletes it there. No
   * counters, receipts, redelivery or timeout scan: the floor the library's queue is held against.
   * A pull seeks from the last key it took, as any hand-written RocksDB queue must: from the start
   * of the range it would step over every tombstone left by the entries consumed before it.
   * Producers take their sequence numbers before their puts land, so with several producers an
   * entry can become visible after a newer one was already pulled: each push therefore lowers the
   * pull position to its own key when it is behind it (under the queue's lock), else that entry
   * would never be seen.
   */
  final class RawQueue implements QueuePath {
    private final RawRocks raw;
    private final AtomicLong seq = new AtomicLong();
    private final Map<String, Q> queues = new ConcurrentHashMap<>();

    /** Per queue: its key prefix, a lock for pulls, read options bounded to its range. */
    private static final class Q {
      final byte[] prefix;
      final ReentrantLock lock = new ReentrantLock();
      final Slice lower;
      final Slice upper;
      final ReadOptions range;
      /** The last key taken (guarded by lock): nothing before it is ready. */
      byte[] head;

      Q(String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        prefix = new byte[n.length + 1];
        System.arraycopy(n, 0, prefix, 0, n.length);
        byte[] end = prefix.clone();
        end[n.length] = 1;
        lower = new Slice(prefix);
        upper = new Slice(end);
        range = new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper);
      }

      void close() {
        range.close();
        lower.close();
        upper.close();
      }
    }

    record Delivered(byte[] key, String data) {}

    /**
     * {@code rawIndexed}: every entry also has a second, small key (a 14-byte value in the items
     * column family), written in one batch with the entry and deleted by its pull: the floor of a
     * queue that indexes its entries, as the library's does (entry record + index key).
     */
    private final boolean indexed;

    private static final byte[] INDEX_VALUE = new byte[14];

    RawQueue(boolean syncWrites, boolean indexed) {
      raw = new RawRocks(syncWrites);
      this.indexed = indexed;
    }

    private Q q(String queue) {
      return queues.computeIfAbsent(queue, Q::new);
    }

    private byte[] key(Q q) {
      byte[] k = new byte[q.prefix.length + 8];
      System.arraycopy(q.prefix, 0, k, 0, q.prefix.length);
      ByteBuffer.wrap(k, q.prefix.length, 8).putLong(seq.incrementAndGet());
      return k;
    }

    @Override
    public void push(String queue, String data) {
      Q q = q(queue);
      byte[] k = key(q);
      try {
        if (indexed) {
          try (WriteBatch b = new WriteBatch()) {
            b.put(raw.ready, k, data.getBytes(StandardCharsets.UTF_8));
            b.put(raw.items, k, INDEX_VALUE);
            raw.db.write(raw.writeOptions, b);
          }
        } else {
          raw.db.put(raw.ready, raw.writeOptions, k, data.getBytes(StandardCharsets.UTF_8));
        }
      } catch (RocksDBException e) {
        throw new IllegalStateException(e);
      }
      landed(q, k);
    }

    /** An entry with key {@code k} is now visible: a pull must not start after it. */
    private static void landed(Q q, byte[] k) {
      q.lock.lock();
      try {
        if (q.head != null && Arrays.compareUnsigned(k, q.head) < 0) {
          q.head = k;
        }
      } finally {
        q.lock.unlock();
      }
    }

    @Override
    public void pushMany(String queue, int n, IntFunction<String> data) {
      Q q = q(queue);
      try {
        for (int done = 0; done < n; ) {
          byte[] first = null;
          try (WriteBatch b = new WriteBatch()) {
            for (int i = 0; i < 1000 && done < n; i++, done++) {
              byte[] k = key(q);
              first = first == null ? k : first;
              b.put(raw.ready, k, data.apply(done).getBytes(StandardCharsets.UTF_8));
              if (indexed) {
                b.put(raw.items, k, INDEX_VALUE);
              }
            }
            raw.db.write(raw.writeOptions, b);
          }
          landed(q, first);
        }
      } catch (RocksDBException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public Object pull(String queue, long ttlSeconds) {
      Q q = q(queue);
      q.lock.lock();
      try (RocksIterator it = raw.db.newIterator(raw.ready, q.range)) {
        if (q.head == null) {
          it.seekToFirst();
        } else {
          it.seek(q.head);
        }
        if (!it.isValid()) {
          it.status();
          return null;
        }
        byte[] k = it.key();
        byte[] v = it.value();
        byte[] flight = ByteBuffer.allocate(8 + v.length)
            .putLong(System.currentTimeMillis() + ttlSeconds * 1000)
            .put(v)
            .array();
        try (WriteBatch b = new WriteBatch()) {
          b.delete(raw.ready, k);
          if (indexed) {
            b.delete(raw.items, k);
          }
          b.put(raw.inflight, k, flight);
          raw.db.write(raw.writeOptions, b);
        }
        q.head = k;
        return new Delivered(k, new String(v, StandardCharsets.UTF_8));
      } catch (RocksDBException e) {
        throw new IllegalStateException(e);
      } finally {
        q.lock.unlock();
      }
    }

    @Override
    public String data(Object delivered) {
      return ((Delivered) delivered).data();
    }

    @Override
    public void ack(Object delivered) {
      try {
        raw.db.delete(raw.inflight, raw.writeOptions, ((Delivered) delivered).key());
      } catch (RocksDBException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void close() {
      for (Q q : queues.values()) {
        q.close();
      }
      raw.close();
    }
  }
}
