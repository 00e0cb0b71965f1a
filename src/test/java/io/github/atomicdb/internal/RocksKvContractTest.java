package io.github.atomicdb.internal;

import io.github.atomicdb.Compression;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.KvStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The SPI contract on the RocksDB backend, each store in a fresh directory. */
class RocksKvContractTest extends KvStoreContract {
  private static final RocksKv.Settings SMALL = new RocksKv.Settings(false, 1 << 20, Compression.LZ4, 1 << 20);

  @TempDir Path tmp;
  private int n;

  @Override
  protected KvStore newStore() {
    return RocksKv.open(tmp.resolve("kv" + (n++)), SMALL);
  }

  @Override
  protected KvStore openSecondWriter(KvStore first) {
    return RocksKv.open(((RocksKv) first).dir(), SMALL);
  }
}
