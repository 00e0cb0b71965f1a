package io.github.atomicdb.internal;

import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.KvStoreContract;

/** The SPI contract on the memory backend, the reference the others are held to. */
class MemoryKvContractTest extends KvStoreContract {
  @Override
  protected KvStore newStore() {
    return new MemoryKv();
  }

  /** A memory store lives in one JVM object: there is no second handle to open. */
  @Override
  protected KvStore openSecondWriter(KvStore first) {
    throw new IllegalStateException("a memory store has exactly one writer: the object itself");
  }

  @Override
  protected boolean transactionsExcludeOtherCommits() {
    return true;
  }
}
