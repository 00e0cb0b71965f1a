package io.github.atomicdb.jmh;

import com.squareup.tape2.QueueFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;

/**
 * The simplest durable FIFO file as a reference: Tape's {@link QueueFile} (defaults of its
 * builder), used as its users use it. Push is {@code add}; a pull is {@code peek}, and its ack
 * {@code remove}: the entry stays in the file until it is processed, so a crash redelivers it.
 *
 * <p>What it does not have: a visibility timeout (nothing is ever "in flight": the head is the
 * head until removed; the ttl of a pull is ignored), any way to consume entries other than the
 * head, and thread safety. Several consumers must therefore hold one lock on the file from peek to
 * remove, so they take turns, and producers take the same lock: here a {@link ReentrantLock}
 * (not a {@code synchronized} block, because it spans pull and ack), held by a consumer from its
 * pull until its ack.
 *
 * <p>QueueFile opens its file in {@code "rwd"} mode: every write is synchronous, there is no
 * option to turn that off. So Tape pays for durability that the other stores in QueueBench
 * (without syncWrites) do not: read its score as what a fully synced file queue costs.
 */
final class TapeQueue implements QueuePath {
  private final TempDir dir;
  private final QueueFile file;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile String name;

  /** A delivery: the head's data, with the lock held until {@link #ack}. */
  record Delivered(String data) {}

  TapeQueue() {
    dir = new TempDir("queue-tape-");
    try {
      file = new QueueFile.Builder(dir.resolve("queue").toFile()).build();
    } catch (IOException e) {
      dir.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException | Error e) {
      dir.close();
      throw e;
    }
  }

  private void one(String queue) {
    if (name == null) {
      synchronized (this) {
        if (name == null) {
          name = queue;
        }
      }
    }
    if (!name.equals(queue)) {
      throw new IllegalArgumentException("one queue per Tape file: " + name);
    }
  }

  @Override
  public void push(String queue, String data) {
    one(queue);
    byte[] v = data.getBytes(StandardCharsets.UTF_8);
    lock.lock();
    try {
      file.add(v);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void pushMany(String queue, int n, IntFunction<String> data) {
    for (int i = 0; i < n; i++) {
      push(queue, data.apply(i));
    }
  }

  /** Peeks at the head; if there is one, returns with the lock held until {@link #ack}. */
  @Override
  public Object pull(String queue, long ttlSeconds) {
    one(queue);
    lock.lock();
    boolean delivered = false;
    try {
      byte[] head = file.peek();
      if (head == null) {
        return null;
      }
      delivered = true;
      return new Delivered(new String(head, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (!delivered) {
        lock.unlock();
      }
    }
  }

  @Override
  public String data(Object delivered) {
    return ((Delivered) delivered).data();
  }

  /** Removes the head that {@link #pull} delivered, and lets the next consumer in. */
  @Override
  public void ack(Object delivered) {
    if (!lock.isHeldByCurrentThread()) {
      throw new IllegalStateException("ack without a pull on this thread");
    }
    try {
      file.remove();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    try {
      file.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      dir.close();
    }
  }
}
