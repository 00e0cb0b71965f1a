package io.github.atomicdb.contract;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.SharedKv;

/** The queue contract on the memory backend in shared mode (validated transactions). */
class SharedMemoryQueueContractTest extends SharedStoreQueueContract {
  @Override
  protected AtomicDb open(TestClock clock) {
    return SharedKv.memory(clock);
  }
}
