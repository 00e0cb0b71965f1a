package io.github.atomicdb.etcd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** ReadCache's rules on their own: who is served, which fact wins, suspicion, eviction order. */
class ReadCacheTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void anEntryServesOnlyTransactionsThatStartedAfterItWasLearned() {
    ReadCache c = new ReadCache();
    c.learn(b("k"), b("v"), 7, 7, 10);
    assertNull(c.lookup(b("k"), 10, 0), "started at the sequence it was learned at");
    assertNull(c.lookup(b("k"), 5, 0));
    ReadCache.Entry e = c.lookup(b("k"), 11, 0);
    assertNotNull(e);
    assertArrayEquals(b("v"), e.value());
    assertEquals(7, e.modRevision());
    assertNull(c.lookup(b("other"), 11, 0));
  }

  @Test
  void aNewerFactReplacesAnOlderOneNeverTheReverse() {
    ReadCache c = new ReadCache();
    c.learn(b("k"), b("new"), 20, 25, 1);
    c.learn(b("k"), b("old"), 10, 15, 2); // a read pinned to an older snapshot, answered late
    assertArrayEquals(b("new"), c.lookup(b("k"), 100, 0).value());
    c.learn(b("k"), null, 0, 30, 3); // deleted at 30
    ReadCache.Entry e = c.lookup(b("k"), 100, 0);
    assertNull(e.value());
    assertEquals(0, e.modRevision(), "absent: etcd compares mod_revision 0");
  }

  @Test
  void aSuspectedKeyIsNotServedForAWhileAndKeepsOlderFactsOut() {
    ReadCache c = new ReadCache();
    c.learn(b("k"), b("v1"), 5, 5, 1);
    long now = 1_000_000_000L;
    c.suspect(b("k"), 5, 9, 2, now);
    assertNull(c.lookup(b("k"), 100, now));
    c.learn(b("k"), b("v1"), 5, 8, 3); // older than the conflict: stays out
    c.learn(b("k"), b("v2"), 9, 9, 4);
    assertNull(c.lookup(b("k"), 100, now + ReadCache.HOT_NANOS - 1), "still hot");
    assertArrayEquals(b("v2"), c.lookup(b("k"), 100, now + ReadCache.HOT_NANOS + 1).value());
  }

  @Test
  void aSuspicionDoesNotDropANewerVersionThisProcessLearned() {
    ReadCache c = new ReadCache();
    c.learn(b("k"), b("v2"), 9, 9, 1); // another thread committed v2 after the txn read v1 at 5
    c.suspect(b("k"), 5, 9, 2, 0);
    assertArrayEquals(b("v2"), c.lookup(b("k"), 100, 0).value());
  }

  @Test
  void theLeastRecentlyUsedGoFirstAndLargeValuesAreNotKept() {
    ReadCache c = new ReadCache();
    for (int i = 0; i < ReadCache.MAX_KEYS; i++) {
      c.learn(b("k" + i), b("v"), 1, 1, 0);
    }
    assertNotNull(c.lookup(b("k0"), 1, 0)); // used: now the most recent
    c.learn(b("one more"), b("v"), 1, 1, 0);
    assertEquals(ReadCache.MAX_KEYS, c.size());
    assertNotNull(c.lookup(b("k0"), 1, 0));
    assertNull(c.lookup(b("k1"), 1, 0), "the least recently used was evicted");
    c.learn(b("big"), new byte[ReadCache.MAX_VALUE_BYTES + 1], 1, 1, 0);
    assertNull(c.lookup(b("big"), 1, 0));
    c.forget(b("k0"));
    assertNull(c.lookup(b("k0"), 1, 0));
  }
}
