package io.github.atomicdb;

import io.github.atomicdb.internal.QueueLayout;
import java.util.concurrent.ConcurrentHashMap;

/** One queue: its pk and its key partition {@code P} (data-format.md, "Queues"). */
record QueueRef(String pk, byte[] part) {
  /**
   * The queue named {@code pk}.
   *
   * @throws IllegalArgumentException if pk is not a valid pk
   */
  static QueueRef of(String pk) {
    QueueRef q = pk == null ? null : KNOWN.get(pk);
    if (q == null) {
      q = new QueueRef(pk, QueueLayout.part(pk));
      if (KNOWN.size() >= MAX_KNOWN) {
        KNOWN.clear();
      }
      KNOWN.put(pk, q);
    }
    return q;
  }

  /** Queues named lately, so the hot paths check and encode a pk once (a pure function of it). */
  private static final ConcurrentHashMap<String, QueueRef> KNOWN = new ConcurrentHashMap<>();

  private static final int MAX_KNOWN = 4096;

  /** Names an entry of this queue in error messages. */
  String where(byte[] sk) {
    return "queue entry (pk '" + pk + "', sk '"
        + new String(sk, java.nio.charset.StandardCharsets.UTF_8) + "')";
  }

  /** {@link #where}, made only if an error message asks for it (its toString). */
  Object at(byte[] sk) {
    return new Object() {
      @Override
      public String toString() {
        return where(sk);
      }
    };
  }
}
