package io.github.atomicdb.etcd;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What this process last learned of etcd keys: a key's value and mod_revision as some read
 * returned them or as one of this process's commits wrote them. Only a hint: a transaction that
 * takes a value from here records its mod_revision like a fresh read, and its commit (or
 * validation) compares it, so a stale entry costs a conflict, never a wrong commit. See
 * EtcdKv's design comment for who may be served what.
 *
 * <p>Bounded: at most {@link #MAX_KEYS} keys and {@link #MAX_BYTES} of keys and values, least
 * recently used evicted first; a value larger than {@link #MAX_VALUE_BYTES} is not kept.
 * Thread-safe (one lock; every operation is a map operation).
 */
final class ReadCache {
  static final int MAX_KEYS = 4096;
  static final long MAX_BYTES = 4L << 20;
  static final int MAX_VALUE_BYTES = 64 << 10;
  /** How long a key found stale by a commit is not served (read fresh instead). */
  static final long HOT_NANOS = TimeUnit.SECONDS.toNanos(2);
  /** Map and entry bookkeeping per key, roughly. */
  private static final int ENTRY_OVERHEAD = 96;

  /**
   * A key's value (null: absent) at {@code modRevision} (0 when absent), true at etcd revision
   * {@code knownAt}, learned when this store's sequence was {@code stamp}. {@code known} false:
   * a marker that only keeps facts older than {@code knownAt} out. {@code hotUntil}: System.nanoTime
   * until which the key is not served (0: never was stale).
   */
  record Entry(byte[] value, long modRevision, boolean known, long knownAt, long stamp, long hotUntil) {
    long bytes(int keyLength) {
      return keyLength + (value == null ? 0 : value.length) + ENTRY_OVERHEAD;
    }
  }

  private final LinkedHashMap<ByteBuffer, Entry> map = new LinkedHashMap<>(256, 0.75f, true);
  private long bytes;

  /**
   * The entry of {@code key} if it may serve a transaction that started at sequence {@code
   * started}: learned before that start, a fact, and not hot at {@code nowNanos}; else null.
   */
  synchronized Entry lookup(byte[] key, long started, long nowNanos) {
    Entry e = map.get(ByteBuffer.wrap(key));
    if (e == null || !e.known() || e.stamp() >= started || (e.hotUntil() != 0 && e.hotUntil() - nowNanos > 0)) {
      return null;
    }
    return e;
  }

  /**
   * Records that {@code key} held {@code value} (null: absent) with {@code modRevision} at etcd
   * revision {@code knownAt}, learned at sequence {@code stamp}; ignored when the entry there is
   * known at a later revision.
   */
  synchronized void learn(byte[] key, byte[] value, long modRevision, long knownAt, long stamp) {
    ByteBuffer k = ByteBuffer.wrap(key);
    Entry old = map.get(k);
    if (old != null && old.knownAt() > knownAt) {
      return;
    }
    long hot = old == null ? 0 : old.hotUntil();
    if (value != null && value.length > MAX_VALUE_BYTES) {
      replace(k, new Entry(null, 0, false, knownAt, stamp, hot));
      return;
    }
    replace(k, new Entry(value, modRevision, true, knownAt, stamp, hot));
  }

  /**
   * A commit that recorded {@code key} at {@code used} (its mod_revision; 0 absent) found it
   * changed by etcd revision {@code knownAt}. When this process has learned a newer version
   * meanwhile (another of its threads committed it), that stays. Otherwise the writer is
   * another process: what is known of the key is dropped, facts older than {@code knownAt} are
   * kept out, and the key is not served for {@link #HOT_NANOS} (a key other processes write too
   * is read fresh rather than costing a failed commit each time).
   */
  synchronized void suspect(byte[] key, long used, long knownAt, long stamp, long nowNanos) {
    ByteBuffer k = ByteBuffer.wrap(key);
    Entry old = map.get(k);
    if (old != null && old.known() && old.modRevision() != used) {
      return;
    }
    long at = old == null ? knownAt : Math.max(knownAt, old.knownAt());
    replace(k, new Entry(null, 0, false, at, stamp, nowNanos + HOT_NANOS));
  }

  /** Drops what is known of {@code key} (a write whose outcome is unknown). */
  synchronized void forget(byte[] key) {
    Entry old = map.remove(ByteBuffer.wrap(key));
    if (old != null) {
      bytes -= old.bytes(key.length);
    }
  }

  synchronized int size() {
    return map.size();
  }

  synchronized long bytes() {
    return bytes;
  }

  private void replace(ByteBuffer k, Entry e) {
    int keyLength = k.remaining();
    Entry old = map.put(k, e);
    if (old != null) {
      bytes -= old.bytes(keyLength);
    }
    bytes += e.bytes(keyLength);
    Iterator<Map.Entry<ByteBuffer, Entry>> it = map.entrySet().iterator();
    while ((map.size() > MAX_KEYS || bytes > MAX_BYTES) && it.hasNext()) {
      Map.Entry<ByteBuffer, Entry> eldest = it.next();
      bytes -= eldest.getValue().bytes(eldest.getKey().remaining());
      it.remove();
    }
  }
}
