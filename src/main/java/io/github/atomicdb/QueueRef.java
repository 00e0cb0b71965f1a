package io.github.atomicdb;

import io.github.atomicdb.internal.QueueLayout;

/** One queue: its pk and its key partition {@code P} (data-format.md, "Queues"). */
record QueueRef(String pk, byte[] part) {
  /**
   * The queue named {@code pk}.
   *
   * @throws IllegalArgumentException if pk is not a valid pk
   */
  static QueueRef of(String pk) {
    return new QueueRef(pk, QueueLayout.part(pk));
  }

  /** Names an entry of this queue in error messages. */
  String where(byte[] sk) {
    return "queue entry (pk '" + pk + "', sk '"
        + new String(sk, java.nio.charset.StandardCharsets.UTF_8) + "')";
  }
}
