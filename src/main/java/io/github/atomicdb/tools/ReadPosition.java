package io.github.atomicdb.tools;

import java.time.Instant;
import java.util.Objects;

/**
 * How fresh a read-only follower of a store is ({@code AtomicRocksDb.readPosition()}): it sees
 * every write its owner made up to its last catch-up, and none after.
 *
 * @param caughtUpAt when the follower last caught up with the owner (or opened)
 * @param sequence RocksDB's sequence number of the last write the follower sees; it grows with
 *     every write of the owner, so two positions tell whether anything was written in between
 */
public record ReadPosition(Instant caughtUpAt, long sequence) {
  /** @throws NullPointerException if {@code caughtUpAt} is null */
  public ReadPosition {
    Objects.requireNonNull(caughtUpAt, "caughtUpAt must not be null");
  }
}
