package io.github.atomicdb.contract;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.SharedKv;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/** The queue contract on the RocksDB backend in shared mode (validated transactions). */
class SharedRocksQueueContractTest extends SharedStoreQueueContract {
  @TempDir Path root;
  private int opened;
  private final Map<AtomicDb, Path> dirs = new IdentityHashMap<>();

  private AtomicDb openAt(Path dir, TestClock clock) {
    AtomicDb db = SharedKv.rocks(dir, clock);
    dirs.put(db, dir);
    return db;
  }

  @Override
  protected AtomicDb open(TestClock clock) {
    return openAt(root.resolve("db" + (opened++)), clock);
  }

  @Override
  protected AtomicDb reopen(AtomicDb db, TestClock clock) {
    Path dir = dirs.remove(db);
    db.close();
    return openAt(dir, clock);
  }
}
