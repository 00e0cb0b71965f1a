package io.github.atomicdb;

import io.github.atomicdb.contract.ContractTypes;
import io.github.atomicdb.internal.MemoryKv;
import io.github.atomicdb.internal.RocksKv;
import io.github.atomicdb.spi.Engines;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.KvWatch;
import io.github.atomicdb.spi.Space;
import io.github.atomicdb.spi.TypeRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

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

  /**
   * None, whatever the store under it has: waiting pulls are woken by the engine's timer, as on a
   * shared backend without change notifications (EtcdWatchWakeTest relies on it).
   */
  @Override
  public Optional<KvWatch> watch(Space space, byte[] prefix, KvWatch.Listener listener) {
    return Optional.empty();
  }
}
