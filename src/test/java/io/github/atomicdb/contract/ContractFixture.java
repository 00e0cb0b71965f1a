package io.github.atomicdb.contract;

import io.github.atomicdb.AtomicDb;

/**
 * What the contract's topic interfaces ({@link ItemContract}, {@link LockContract}, {@link
 * QueueContract}, ...) see of the store under test. Their tests are default methods; {@link
 * AtomicDbContract} implements them all, so every implementation's concrete test class runs every
 * topic.
 */
public interface ContractFixture {
  /** The store under test (fresh and empty for each test). */
  AtomicDb db();

  /** The clock the store reads. */
  TestClock clock();

  /** A second store over the same clock, fresh and empty (for isolation checks). */
  AtomicDb openAnother();

  /**
   * Closes the store and opens the same one again, returning it (it then becomes {@link #db()});
   * null when the implementation keeps nothing across close.
   */
  AtomicDb reopenStore();
}
