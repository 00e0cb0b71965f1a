package io.github.atomicdb.internal;

import io.github.atomicdb.spi.KvStore;

/**
 * One part of a store format upgrade (format N-1 to N): brings the records it is responsible
 * for, in one or more spaces, to format N. {@link FormatUpgrade} runs the parts of each step in
 * order, with the store open for this process alone, before anything else reads it.
 *
 * <p><b>Crash safety</b> rests on one rule: {@link #migrate} must be idempotent and restartable.
 * A crash (kill -9, power loss) may stop it anywhere; the next open runs it again from the start
 * over a store where some records are converted and some are not. So it converts only records
 * still in its source format, recognises its own output and leaves it alone, and leaves alone
 * every record it does not know (a later format's, or a damaged one: see {@link
 * RecordMigration}). Each of its commits must be atomic on its own (one {@code write} or {@code
 * transact}).
 */
@FunctionalInterface
public interface SpaceMigration {
  /** Changes nothing: the spaces it stands for keep their records as they are. */
  SpaceMigration NONE = kv -> new Result(0, 0);

  /** How many records were rewritten, and how many were left as they were because damaged. */
  record Result(long converted, long damaged) {}

  /** Converts what is left to convert; see the class comment for the rules. */
  Result migrate(KvStore kv);
}
