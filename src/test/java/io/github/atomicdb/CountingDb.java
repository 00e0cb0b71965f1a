package io.github.atomicdb;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * A store that is not an {@link EngineDb}: it delegates to an {@link AtomicMemoryDb}, counts
 * every call by method name, lets a test run code at fixed points of a call ({@link #hook}), and
 * can fail the next write before or after it reaches the inner store.
 */
final class CountingDb implements AtomicDb {
  /** Points: "get:after-read", "getMany:before-read", "getMany:after-read", "write:after-write". */
  interface Hook {
    void at(String point, Object arg);
  }

  final AtomicMemoryDb inner;
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  volatile Hook hook = (p, a) -> {};
  volatile List<ItemKey> lastGetManyKeys;
  /** Thrown by the next write before it reaches the inner store. */
  final AtomicReference<RuntimeException> failBeforeWrite = new AtomicReference<>();
  /** Thrown by the next write after the inner store took it. */
  final AtomicReference<RuntimeException> failAfterWrite = new AtomicReference<>();

  CountingDb(AtomicMemoryDb inner) {
    this.inner = inner;
  }

  int calls(String method) {
    AtomicInteger n = calls.get(method);
    return n == null ? 0 : n.get();
  }

  int totalCalls() {
    return calls.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  private void count(String method) {
    calls.computeIfAbsent(method, k -> new AtomicInteger()).incrementAndGet();
  }

  private void write(String method, Runnable op) {
    count(method);
    RuntimeException before = failBeforeWrite.getAndSet(null);
    if (before != null) {
      throw before;
    }
    op.run();
    hook.at("write:after-write", method);
    RuntimeException after = failAfterWrite.getAndSet(null);
    if (after != null) {
      throw after;
    }
  }

  @Override
  public Optional<Item> get(ItemKey key) {
    count("get");
    Optional<Item> r = inner.get(key);
    hook.at("get:after-read", key);
    return r;
  }

  @Override
  public List<Optional<Item>> getMany(List<ItemKey> keys) {
    count("getMany");
    lastGetManyKeys = List.copyOf(keys);
    hook.at("getMany:before-read", keys);
    List<Optional<Item>> r = inner.getMany(keys);
    hook.at("getMany:after-read", keys);
    return r;
  }

  @Override
  public ItemLock getLock(ItemKey key) {
    count("getLock");
    return inner.getLock(key);
  }

  @Override
  public void set(Item item) {
    write("set", () -> inner.set(item));
  }

  @Override
  public void set(List<Item> items) {
    write("setList", () -> inner.set(items));
  }

  @Override
  public void setAtomic(Item item, ItemLock lock) {
    write("setAtomic", () -> inner.setAtomic(item, lock));
  }

  @Override
  public void setAtomic(List<Item> items, List<ItemLock> locks) {
    write("setAtomicList", () -> inner.setAtomic(items, locks));
  }

  @Override
  public void delete(ItemKey key) {
    write("delete", () -> inner.delete(key));
  }

  @Override
  public void delete(List<ItemKey> keys) {
    write("deleteList", () -> inner.delete(keys));
  }

  @Override
  public List<Item> query(Query query) {
    count("query");
    return inner.query(query);
  }

  @Override
  public Stream<Item> stream(Query query) {
    count("stream");
    return inner.stream(query);
  }

  @Override
  public void queuePush(QueueItemInput item) {
    count("queuePush");
    inner.queuePush(item);
  }

  @Override
  public void queuePush(List<QueueItemInput> items) {
    count("queuePushList");
    inner.queuePush(items);
  }

  @Override
  public Optional<QueueItem> queuePull(QueuePullOptions options) {
    count("queuePull");
    return inner.queuePull(options);
  }

  @Override
  public List<QueueItem> queuePullBatch(QueuePullOptions options, int max) {
    count("queuePullBatch");
    return inner.queuePullBatch(options, max);
  }

  @Override
  public void queueAcknowledge(ItemKey key) {
    count("queueAcknowledgeKey");
    inner.queueAcknowledge(key);
  }

  @Override
  public boolean queueAcknowledge(QueueItem delivered) {
    count("queueAcknowledge");
    return inner.queueAcknowledge(delivered);
  }

  @Override
  public void queueRelease(ItemKey key) {
    count("queueReleaseKey");
    inner.queueRelease(key);
  }

  @Override
  public boolean queueRelease(QueueItem delivered) {
    count("queueRelease");
    return inner.queueRelease(delivered);
  }

  @Override
  public boolean queueExtend(QueueItem delivered, long ttlSeconds) {
    count("queueExtend");
    return inner.queueExtend(delivered, ttlSeconds);
  }

  @Override
  public QueueStats queueStats(String pk) {
    count("queueStats");
    return inner.queueStats(pk);
  }

  @Override
  public long queueRedrive(String fromPk, String toPk) {
    count("queueRedrive");
    return inner.queueRedrive(fromPk, toPk);
  }

  @Override
  public void close() {
    count("close");
    inner.close();
  }
}
