package io.github.atomicdb.tools;

import java.util.Arrays;
import java.util.Objects;

/**
 * A damaged queue entry that the queue moved aside (to its quarantine) instead of stopping: a
 * pull, or any other queue operation, met a record that failed its checks, moved its bytes here
 * unchanged in the same commit and went on with the next entry. It stays until deleted ({@link
 * StoreTools#deleteQuarantined}, or {@code queueAcknowledge} of its key once no entry is queued
 * under that key again).
 *
 * @param pk the queue
 * @param sk the entry's sort key
 * @param quarantinedAtMillis when it was moved aside (epoch milliseconds, the store's clock)
 * @param reason the check the record failed, as reported then
 * @param bytes the entry record's bytes exactly as they were found (a copy; see data-format.md,
 *     "Queues", for their layout)
 * @param intact false when the quarantine record itself no longer passes its checksum; {@code
 *     reason} then says so and {@code bytes} is the whole stored record
 */
public record QuarantinedEntry(
    String pk, String sk, long quarantinedAtMillis, String reason, byte[] bytes, boolean intact) {
  /** @throws NullPointerException if pk, sk, reason or bytes is null */
  public QuarantinedEntry {
    Objects.requireNonNull(pk, "pk must not be null");
    Objects.requireNonNull(sk, "sk must not be null");
    Objects.requireNonNull(reason, "reason must not be null");
    bytes = Objects.requireNonNull(bytes, "bytes must not be null").clone();
  }

  /** The bytes as found (a copy). */
  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QuarantinedEntry q && q.pk.equals(pk) && q.sk.equals(sk)
        && q.quarantinedAtMillis == quarantinedAtMillis && q.reason.equals(reason)
        && Arrays.equals(q.bytes, bytes) && q.intact == intact;
  }

  @Override
  public int hashCode() {
    return Objects.hash(pk, sk, quarantinedAtMillis, reason, Arrays.hashCode(bytes), intact);
  }

  @Override
  public String toString() {
    return "QuarantinedEntry[pk=" + pk + ", sk=" + sk + ", quarantinedAtMillis=" + quarantinedAtMillis
        + ", reason=" + reason + ", bytes=" + bytes.length + " bytes, intact=" + intact + "]";
  }
}
