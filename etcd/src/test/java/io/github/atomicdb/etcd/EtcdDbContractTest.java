package io.github.atomicdb.etcd;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.contract.AtomicDbContract;
import io.github.atomicdb.contract.ContractTypes;
import io.github.atomicdb.contract.TestClock;
import java.util.IdentityHashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole contract suite (items, locks, queue) on {@link AtomicEtcdDb}, against one real
 * 1-member etcd for the class and a fresh namespace for every store a test opens; reopening opens
 * the same namespace again (the data is in etcd, not in the JVM).
 */
class EtcdDbContractTest extends AtomicDbContract {
  @RegisterExtension static final EtcdClusterExtension etcd = new EtcdClusterExtension(1);
  private static int opened;
  private final Map<AtomicDb, String> namespaces = new IdentityHashMap<>();

  private AtomicDb openAt(String namespace, TestClock clock) {
    AtomicEtcdDb.Builder b = AtomicEtcdDb.builder(etcd.cluster().endpoints().toArray(String[]::new))
        .namespace(namespace)
        .clock(clock);
    ContractTypes.registerAll(b::register);
    AtomicDb db = b.open();
    namespaces.put(db, namespace);
    return db;
  }

  @Override
  protected AtomicDb open(TestClock clock) {
    return openAt("contract-" + (opened++), clock);
  }

  @Override
  protected AtomicDb reopen(AtomicDb db, TestClock clock) {
    String namespace = namespaces.remove(db);
    db.close();
    return openAt(namespace, clock);
  }
}
