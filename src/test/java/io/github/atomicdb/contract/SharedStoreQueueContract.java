package io.github.atomicdb.contract;

import io.github.atomicdb.AtomicDb;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The queue contract on a store that says it is shared with other processes (see {@code
 * SharedKv}): the engine's validated transactional queue path, which a single-writer store never
 * takes otherwise. One concrete subclass per backend.
 */
abstract class SharedStoreQueueContract implements ContractFixture, QueueContract {
  private TestClock clock;
  private AtomicDb db;
  private final List<AtomicDb> others = new ArrayList<>();

  protected abstract AtomicDb open(TestClock clock);

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
    others.forEach(AtomicDb::close);
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
