package io.github.atomicdb.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicDbException;
import io.github.atomicdb.CommitOutcomeUnknownException;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A write sent to a member that stops answering (SIGSTOP) has an unknown outcome: AtomicEtcdDb
 * throws the core CommitOutcomeUnknownException (the type to catch for any backend), still as
 * its deprecated etcd subclass; a read (also the read a queue push or setAtomic starts with)
 * fails with a plain AtomicDbException at its deadline.
 */
class EtcdOutcomeUnknownTest {
  @RegisterExtension static final EtcdClusterExtension etcd = new EtcdClusterExtension(1);

  @Test
  @SuppressWarnings("deprecation")
  void aWriteWithoutAnAnswerThrowsTheCoreTypeAndAReadTimesOut() {
    try (AtomicDb db = AtomicEtcdDb.builder(etcd.cluster().endpoints().toArray(String[]::new))
        .namespace("unknown")
        .requestTimeout(Duration.ofMillis(500))
        .operationTimeout(Duration.ofSeconds(2))
        .open()) {
      db.set(Item.of("p", "k", "before"));
      etcd.cluster().pause(0);
      try {
        CommitOutcomeUnknownException set = assertThrows(CommitOutcomeUnknownException.class,
            () -> db.set(Item.of("p", "k", "during")));
        assertInstanceOf(io.github.atomicdb.etcd.CommitOutcomeUnknownException.class, set);
        assertTrue(set.getMessage().contains("outcome unknown"), set.getMessage());
        assertThrows(CommitOutcomeUnknownException.class, () -> db.delete(new ItemKey("p", "k")));
        AtomicDbException get = assertThrows(AtomicDbException.class, () -> db.get(new ItemKey("p", "k")));
        assertTrue(!(get instanceof CommitOutcomeUnknownException), "a read has no outcome to be unsure of: " + get);
      } finally {
        etcd.cluster().resume(0);
      }
      etcd.cluster().awaitHealthy(0);
      db.set(Item.of("p", "k", "after"));
      assertEquals("after", db.get(new ItemKey("p", "k")).orElseThrow().data());
    }
  }
}
