package io.github.atomicdb.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RecyclerTest {

  @Test
  void keepsAtMostItsCapacityAndHandsEachObjectOutOnce() {
    Recycler<Object> r = new Recycler<>(3);
    assertEquals(4, r.capacity(), "rounded up to a power of two");
    assertNull(r.poll(), "empty");
    List<Object> objects = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      objects.add(new Object());
    }
    for (int i = 0; i < 4; i++) {
      assertTrue(r.offer(objects.get(i)));
    }
    assertFalse(r.offer(objects.get(4)), "every slot full");
    Set<Object> out = new HashSet<>();
    for (Object o; (o = r.poll()) != null; ) {
      assertTrue(out.add(o), "handed out twice");
    }
    assertEquals(new HashSet<>(objects.subList(0, 4)), out);
  }

  @Test
  void aThreadAloneGetsBackWhatItReturned() {
    Recycler<Object> r = new Recycler<>(64);
    Object a = new Object();
    r.offer(a);
    for (int i = 0; i < 10; i++) {
      Object got = r.poll();
      assertSame(a, got);
      assertNull(r.poll());
      r.offer(got);
    }
  }

  /** Threads hammering one recycler never hold the same object at once, and none is lost. */
  @Test
  void concurrentUsersNeverShareAnObject() throws Exception {
    Recycler<AtomicReference<Thread>> r = new Recycler<>(4);
    Set<AtomicReference<Thread>> made = ConcurrentHashMap.newKeySet();
    AtomicInteger shared = new AtomicInteger();
    int threads = 6;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> all = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int j = 0; j < 20_000; j++) {
          AtomicReference<Thread> o = r.poll();
          if (o == null) {
            o = new AtomicReference<>();
            made.add(o);
          }
          if (!o.compareAndSet(null, Thread.currentThread())) {
            shared.incrementAndGet();
          }
          Thread.onSpinWait();
          o.set(null);
          r.offer(o);
        }
      });
      all.add(t);
      t.start();
    }
    start.countDown();
    for (Thread t : all) {
      t.join();
    }
    assertEquals(0, shared.get(), "an object was held by two threads at once");
    int idle = 0;
    while (r.poll() != null) {
      idle++;
    }
    assertTrue(idle >= 1 && idle <= 4, "idle " + idle);
    assertTrue(made.size() >= idle);
  }
}
