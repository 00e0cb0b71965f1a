package io.github.atomicdb.tools;

import java.util.List;

/**
 * What {@link StoreTools#verify} found.
 *
 * @param items item records read
 * @param locks lock records read
 * @param queueEntries queue entry records read
 * @param queueIndexRecords queue index and counter records read
 * @param problemCount every problem found
 * @param problems the first problems found, in the order found (at most the number asked for)
 */
public record VerifyReport(
    long items, long locks, long queueEntries, long queueIndexRecords, long problemCount,
    List<Problem> problems) {
  public VerifyReport {
    problems = List.copyOf(problems);
  }

  /** Whether no problem was found. */
  public boolean ok() {
    return problemCount == 0;
  }

  /** Every record read. */
  public long records() {
    return items + locks + queueEntries + queueIndexRecords;
  }

  /**
   * One problem.
   *
   * @param space what kind of record: {@code items}, {@code locks}, {@code queue}, {@code
   *     qindex} (queue indexes and counters) or {@code quarantine} (a damaged queue entry the
   *     queue moved aside: {@link StoreTools#quarantined})
   * @param key the record's key as text ({@code (pk 'a', sk 'b')}, {@code queue 'q'}), or its hex
   *     ({@code 0x...}) when it does not decode
   * @param problem what is wrong
   */
  public record Problem(String space, String key, String problem) {}
}
