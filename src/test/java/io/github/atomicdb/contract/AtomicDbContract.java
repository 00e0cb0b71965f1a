package io.github.atomicdb.contract;

import io.github.atomicdb.AtomicDb;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The contract every {@link AtomicDb} implementation passes: one concrete subclass per
 * implementation supplies {@link #open(TestClock)} (and {@link #reopen} when durable). The tests
 * live in the topic interfaces this class implements; a new topic is added here once and runs on
 * every implementation.
 */
public abstract class AtomicDbContract
    implements ContractFixture, ItemContract, LockContract, QueueContract, LimitsContract {
  private TestClock clock;
  private AtomicDb db;
  private final List<AtomicDb> others = new ArrayList<>();

  /**
   * A new, empty store reading {@code clock} for every expiry decision, with {@link
   * ContractTypes} registered.
   */
  protected abstract AtomicDb open(TestClock clock);

  /**
   * Closes {@code db} and opens the same store again (durable implementations); null when the
   * implementation keeps nothing across close.
   */
  protected AtomicDb reopen(AtomicDb db, TestClock clock) {
    return null;
  }

  @BeforeEach
  void openStore() {
    clock = new TestClock();
    db = open(clock);
  }

  @AfterEach
  void closeStore() {
    if (db != null) {
      db.close();
    }
    for (AtomicDb o : others) {
      o.close();
    }
  }

  @Override
  public AtomicDb db() {
    return db;
  }

  @Override
  public TestClock clock() {
    return clock;
  }

  @Override
  public AtomicDb openAnother() {
    AtomicDb o = open(clock);
    others.add(o);
    return o;
  }

  @Override
  public AtomicDb reopenStore() {
    AtomicDb r = reopen(db, clock);
    if (r != null) {
      db = r;
    }
    return r;
  }
}
