package io.github.atomicdb.contract;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicLRUCache;
import io.github.atomicdb.AtomicMemoryDb;

/** The contract on {@link AtomicLRUCache} over {@link AtomicMemoryDb}. */
class CachedMemoryDbContractTest extends AtomicDbContract {
  @Override
  protected AtomicDb open(TestClock clock) {
    AtomicMemoryDb.Builder b = AtomicMemoryDb.builder().clock(clock);
    ContractTypes.registerAll(b::register);
    return new AtomicLRUCache(b.build(), 1000);
  }
}
