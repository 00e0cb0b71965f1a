package io.github.atomicdb.contract;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicMemoryDb;

/** The contract on {@link AtomicMemoryDb}. */
class MemoryDbContractTest extends AtomicDbContract {
  @Override
  protected AtomicDb open(TestClock clock) {
    AtomicMemoryDb.Builder b = AtomicMemoryDb.builder().clock(clock);
    ContractTypes.registerAll(b::register);
    return b.build();
  }
}
