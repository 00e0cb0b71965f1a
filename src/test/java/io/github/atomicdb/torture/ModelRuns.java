package io.github.atomicdb.torture;

import io.github.atomicdb.AtomicDb;
import java.time.Clock;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * ModelBasedTest's random operations and reference model, for stores of other modules (through
 * the core test jar): the same run, on a store the caller opens.
 */
public final class ModelRuns {
  private ModelRuns() {}

  /**
   * Applies {@code ops} seeded random operations to the store {@code open} opens (with {@link
   * io.github.atomicdb.contract.ContractTypes} registered, on the clock it is given) and to the
   * model, comparing every result. The store is taken to have a commit limit (see {@link
   * ModelBasedTest.Target#oneCommitPerBatch}).
   *
   * @param reopen whether closing the store and opening it again keeps its data: the run then
   *     does so at random points
   * @return a summary of the run (operations by kind)
   * @throws AssertionError naming the seed and operation where store and model disagree
   */
  public static String run(String name, Function<Clock, AtomicDb> open, boolean reopen, long seed, int ops) {
    return run(name, open, db -> db, reopen, seed, ops);
  }

  /**
   * As {@link #run(String, Function, boolean, long, int)}, for a store that wraps the engine:
   * {@code engine} gives the engine store under one the run opened (where the run damages queue
   * records, to check that the store sets them aside).
   */
  public static String run(String name, Function<Clock, AtomicDb> open, UnaryOperator<AtomicDb> engine,
      boolean reopen, long seed, int ops) {
    ModelBasedTest.Target target = new ModelBasedTest.Target() {
      @Override
      public AtomicDb engine(AtomicDb db) {
        return engine.apply(db);
      }

      @Override
      public boolean oneCommitPerBatch() {
        return false; // the stores of other modules are networked ones, with commit limits
      }

      @Override
      public AtomicDb open(Clock clock) {
        return open.apply(clock);
      }

      @Override
      public boolean durable() {
        return reopen;
      }
    };
    try (ModelBasedTest.Run run = new ModelBasedTest.Run(name, target, seed)) {
      run.run(ops);
      return run.summary();
    }
  }
}
