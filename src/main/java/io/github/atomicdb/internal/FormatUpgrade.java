package io.github.atomicdb.internal;

import io.github.atomicdb.AtomicDbException;
import io.github.atomicdb.spi.KvStore;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How to bring a store of an older format version up to this version's: for each version N, the
 * {@link SpaceMigration}s that convert a store of format N-1 to N, run in order. Immutable.
 *
 * <p>The protocol around it (RocksKv.open, data-format.md "Upgrading a store"): the store is
 * opened for this process alone; {@code format} is set to the new version with an {@code
 * upgrade-from} marker naming the old one (so an older atomic-db refuses the half-converted store
 * as newer); every step from the old version runs; everything is flushed; the marker is removed.
 * A crash anywhere leaves the marker, and the next open runs every step again from the marked
 * version: each migration is idempotent, so that finishes the upgrade.
 */
public final class FormatUpgrade {
  /** Knows no step: a store of an older format is refused. */
  public static final FormatUpgrade NONE = new FormatUpgrade(Map.of());

  private static final System.Logger LOG = System.getLogger("io.github.atomicdb.upgrade");

  private final TreeMap<Integer, List<SpaceMigration>> steps;

  /** @param steps for each version N, the migrations from N-1 to N */
  public FormatUpgrade(Map<Integer, List<SpaceMigration>> steps) {
    this.steps = new TreeMap<>();
    steps.forEach((v, m) -> this.steps.put(v, List.copyOf(m)));
  }

  /** True when every step from {@code from} to {@code to} is known. */
  public boolean covers(int from, int to) {
    for (int v = from + 1; v <= to; v++) {
      if (!steps.containsKey(v)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Runs every step from {@code from} to {@code to} over {@code kv}.
   *
   * @param name the store, for log lines and errors
   * @throws AtomicDbException if a step is missing
   */
  public void run(KvStore kv, int from, int to, Object name) {
    Objects.requireNonNull(kv, "kv must not be null");
    if (!covers(from, to)) {
      throw new AtomicDbException("cannot upgrade " + name + " from data format " + from + " to " + to
          + ": this build knows no such upgrade");
    }
    long start = System.nanoTime();
    LOG.log(System.Logger.Level.INFO, "upgrading " + name + " from data format " + from + " to " + to);
    long converted = 0;
    long damaged = 0;
    for (int v = from + 1; v <= to; v++) {
      for (SpaceMigration m : steps.get(v)) {
        SpaceMigration.Result r = m.migrate(kv);
        converted += r.converted();
        damaged += r.damaged();
      }
    }
    LOG.log(damaged == 0 ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
        "upgraded " + name + " to data format " + to + " in " + (System.nanoTime() - start) / 1_000_000
            + " ms: " + converted + " records converted"
            + (damaged == 0 ? "" : ", " + damaged + " damaged records left as they were (they read as"
                + " damaged; delete their keys)"));
  }
}
