package io.github.atomicdb;

import io.github.atomicdb.internal.ValueCodec;
import io.github.atomicdb.spi.Engines;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.TypeRegistry;
import java.time.Clock;

/** The engine over a backend of another module (see {@link Engines#open}). */
final class BackendDb extends EngineDb {
  private final ExpirySweeper sweeper;

  private BackendDb(String name, KvStore kv, Clock clock, ValueCodec codec) {
    super(name, kv, clock, codec);
    this.sweeper = new ExpirySweeper(kv, clock);
  }

  static final class EngineFactory implements Engines.Factory {
    static {
      Engines.install(new EngineFactory());
    }

    private EngineFactory() {}

    @Override
    public AtomicDb open(String name, KvStore kv, Clock clock, TypeRegistry types) {
      return new BackendDb(name, kv, clock, new ValueCodec(types.asMap()));
    }

    @Override
    public int sweepExpired(AtomicDb db, int maxKeys) {
      if (!(db instanceof BackendDb b)) {
        throw new IllegalArgumentException("db was not opened by Engines.open: " + db);
      }
      b.checkOpen();
      return b.sweeper.sweep(maxKeys);
    }
  }
}
