package io.github.atomicdb.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.ItemLock;
import io.github.atomicdb.Query;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueueStats;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

/**
 * A user batch too large for one etcd transaction is refused by the engine before anything is
 * written, with an IllegalArgumentException naming the argument and the limit (as LimitsContract
 * asks of every number a caller passes); the largest batch that fits is accepted.
 */
class EtcdBatchLimitsTest {
  @RegisterExtension static final EtcdClusterExtension etcd = new EtcdClusterExtension(1);
  private static int namespaces;
  private AtomicDb db;

  @BeforeEach
  void open() {
    db = AtomicEtcdDb.builder(etcd.cluster().endpoints().toArray(String[]::new)).namespace("limits-" + namespaces++).open();
  }

  @AfterEach
  void close() {
    db.close();
  }

  private static void refused(String call, String field, String limit, Executable e) {
    IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
    assertTrue(x.getMessage().startsWith(call + ": " + field + " has "), x.getMessage());
    assertTrue(x.getMessage().contains("at most " + limit), x.getMessage());
  }

  private static List<Item> items(String pk, int n, int bytes) {
    List<Item> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Item.of(pk, String.format("k%04d", i), "x".repeat(bytes)));
    }
    return out;
  }

  @Test
  void setOfMoreItemsThanOneTransactionHoldsIsRefusedWhole() {
    refused("set", "items", "128 operations", () -> db.set(items("p", 129, 1)));
    assertEquals(List.of(), db.query(Query.of("p")), "nothing written");
    db.set(items("p", 128, 1));
    assertEquals(128, db.query(Query.of("p")).size());
  }

  @Test
  void setOfMoreBytesThanOneTransactionHoldsIsRefusedWhole() {
    IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> db.set(items("big", 4, 400_000)));
    assertTrue(x.getMessage().startsWith("set: items has 4 entries, about ")
        && x.getMessage().contains(" bytes at once"), x.getMessage());
    assertEquals(List.of(), db.query(Query.of("big")), "nothing written");
    db.set(items("big", 3, 400_000));
    assertEquals(3, db.query(Query.of("big")).size());
  }

  @Test
  void setAtomicCountsItsItemsAndTheLocksItRewrites() {
    List<Item> items = items("a", 65, 1);
    List<ItemLock> locks = new ArrayList<>();
    for (Item i : items) {
      locks.add(db.getLock(new ItemKey(i.pk(), i.sk())));
    }
    refused("setAtomic", "items", "128 operations", () -> db.setAtomic(items, locks));
    assertEquals(List.of(), db.query(Query.of("a")), "nothing written");
    db.setAtomic(items.subList(0, 64), locks.subList(0, 64));
    assertEquals(64, db.query(Query.of("a")).size());
  }

  @Test
  void deleteCountsTheItemAndTheLockOfEachKey() {
    db.set(items("d", 65, 1));
    List<ItemKey> keys = new ArrayList<>();
    for (Item i : items("d", 65, 1)) {
      keys.add(new ItemKey(i.pk(), i.sk()));
    }
    refused("delete", "keys", "128 operations", () -> db.delete(keys));
    assertEquals(65, db.query(Query.of("d")).size(), "nothing deleted");
    db.delete(keys.subList(0, 64));
    assertEquals(1, db.query(Query.of("d")).size());
  }

  @Test
  void queuePushOfMoreEntriesThanOneTransactionHoldsIsRefusedWhole() {
    List<QueueItemInput> in = new ArrayList<>();
    for (int i = 0; i < 43; i++) {
      in.add(QueueItemInput.of("q", "e" + i, i));
    }
    refused("queuePush", "items", "128 operations", () -> db.queuePush(in));
    assertEquals(new QueueStats(0, 0, 0, 0), db.queueStats("q"), "nothing pushed");
    db.queuePush(in.subList(0, 42));
    assertEquals(42, db.queueStats("q").available());
  }
}
