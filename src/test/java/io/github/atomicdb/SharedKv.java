package io.github.atomicdb;

import io.github.atomicdb.contract.ContractTypes;
import io.github.atomicdb.internal.MemoryKv;
import io.github.atomicdb.internal.RocksKv;
import io.github.atomicdb.spi.Engines;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.TypeRegistry;
import java.nio.file.Path;
import java.time.Clock;

/**
 * A {@link KvStore} that says it is shared with other processes ({@link #singleWriter()} false)
 * over a memory or RocksDB store, so the engine takes the path of a shared backend: every queue
 * commit a validated transaction, nothing kept in memory between commits. Tests run the queue
 * contract and the model test through it, so both engine paths stay correct on every backend.
 */
public final class SharedKv extends ForwardingKv {
  public SharedKv(KvStore inner) {
    super(inner);
  }

  /** An engine over a shared-mode memory store, with {@link ContractTypes} registered. */
  public static AtomicDb memory(Clock clock) {
    return open("shared memory", new MemoryKv(), clock);
  }

  /** An engine over a shared-mode RocksDB store in {@code dir}, with {@link ContractTypes} registered. */
  public static AtomicDb rocks(Path dir, Clock clock) {
    return rocks(dir, clock, false);
  }

  public static AtomicDb rocks(Path dir, Clock clock, boolean syncWrites) {
    RocksKv kv = RocksKv.open(dir, new RocksKv.Settings(syncWrites, 8L << 20, Compression.LZ4, 4L << 20));
    return open("shared rocks(" + dir + ")", kv, clock);
  }

  /** An engine over {@code kv} in shared mode, with {@link ContractTypes} registered. */
  public static AtomicDb open(String name, KvStore kv, Clock clock) {
    TypeRegistry types = new TypeRegistry();
    ContractTypes.registerAll(types::register);
    return Engines.open(name, new SharedKv(kv), clock, types);
  }

  @Override
  public boolean singleWriter() {
    return false;
  }
}
