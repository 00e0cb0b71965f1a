package io.github.atomicdb.contract;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicLRUCache;
import io.github.atomicdb.AtomicRocksDb;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/** The contract on {@link AtomicLRUCache} over {@link AtomicRocksDb}, each test in a fresh directory. */
class CachedRocksDbContractTest extends AtomicDbContract {
  @TempDir Path root;
  private int opened;
  private final Map<AtomicDb, Path> dirs = new IdentityHashMap<>();

  private AtomicDb openAt(Path dir, TestClock clock) {
    AtomicRocksDb.Builder b = AtomicRocksDb.builder(dir).clock(clock);
    ContractTypes.registerAll(b::register);
    AtomicDb db = new AtomicLRUCache(b.open(), 1000);
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
    db.close(); // closes the store under the cache too
    return openAt(dir, clock);
  }
}
