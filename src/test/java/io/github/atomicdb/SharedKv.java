package io.github.atomicdb;

import io.github.atomicdb.contract.ContractTypes;
import io.github.atomicdb.internal.MemoryKv;
import io.github.atomicdb.internal.RocksKv;
import io.github.atomicdb.spi.Engines;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.KvTxn;
import io.github.atomicdb.spi.Space;
import io.github.atomicdb.spi.TypeRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;

/**
 * A {@link KvStore} that says it is shared with other processes ({@link #singleWriter()} false)
 * over a memory or RocksDB store, so the engine takes the path of a shared backend: every queue
 * commit a validated transaction, nothing kept in memory between commits. Tests run the queue
 * contract and the model test through it, so both engine paths stay correct on every backend.
 */
public final class SharedKv implements KvStore {
  private final KvStore inner;

  public SharedKv(KvStore inner) {
    this.inner = inner;
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

  @Override
  public int maxOpsPerCommit() {
    return inner.maxOpsPerCommit();
  }

  @Override
  public long maxBytesPerCommit() {
    return inner.maxBytesPerCommit();
  }

  @Override
  public byte[] get(Space space, byte[] key) {
    return inner.get(space, key);
  }

  @Override
  public List<byte[]> multiGet(Space space, List<byte[]> keys) {
    return inner.multiGet(space, keys);
  }

  @Override
  public KvCursor scan(Space space, byte[] from, byte[] to, boolean reverse, int limitHint) {
    return inner.scan(space, from, to, reverse, limitHint);
  }

  @Override
  public void write(List<KvOp> ops) {
    inner.write(ops);
  }

  @Override
  public <T> T transact(Function<KvTxn, T> body) {
    return inner.transact(body);
  }

  @Override
  public void close() {
    inner.close();
  }
}
