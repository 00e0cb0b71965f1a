package io.github.atomicdb;

import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.KvTxn;
import io.github.atomicdb.spi.KvWatch;
import io.github.atomicdb.spi.Space;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A {@link KvStore} that hands every call to another one. Test stores extend it and override the
 * one or two calls they watch or change (shared mode, counted commits, injected races).
 */
public class ForwardingKv implements KvStore {
  protected final KvStore inner;

  public ForwardingKv(KvStore inner) {
    this.inner = inner;
  }

  @Override
  public boolean singleWriter() {
    return inner.singleWriter();
  }

  @Override
  public boolean syncsWrites() {
    return inner.syncsWrites();
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
  public Optional<KvWatch> watch(Space space, byte[] prefix, KvWatch.Listener listener) {
    return inner.watch(space, prefix, listener);
  }

  @Override
  public void close() {
    inner.close();
  }
}
