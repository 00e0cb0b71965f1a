package io.github.atomicdb.contract;

/** Contract tests (being written). */
public interface QueueContract extends ContractFixture {}
