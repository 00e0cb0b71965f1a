package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.Space;
import org.junit.jupiter.api.Test;

/** queueStats only reads: asking about a queue leaves no trace in the store. */
class QueueStatsReadOnlyTest {
  @Test
  void statsOfAnUnknownQueueWritesNothing() {
    try (AtomicMemoryDb db = new AtomicMemoryDb()) {
      assertEquals(new QueueStats(0, 0, 0, 0), db.queueStats("never-used"));
      try (KvCursor c = db.kv.scan(Space.QINDEX, new byte[0], new byte[] {(byte) 0xFF}, false, 0)) {
        assertFalse(c.next(), "no counters record was created");
      }
    }
  }
}
