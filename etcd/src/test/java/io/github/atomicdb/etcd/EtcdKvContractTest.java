package io.github.atomicdb.etcd;

import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.KvStoreContract;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The backend SPI's contract suite on EtcdKv, against a real 1-member etcd cluster. */
class EtcdKvContractTest extends KvStoreContract {
  @RegisterExtension static final EtcdClusterExtension etcd = new EtcdClusterExtension(1);
  private static final AtomicInteger NS = new AtomicInteger();
  private final Map<KvStore, String> namespaces = new IdentityHashMap<>();

  @Override
  protected KvStore newStore() {
    String ns = "kvcontract-" + NS.incrementAndGet();
    KvStore kv = EtcdKv.open(etcd.cluster().endpoints(), ns, EtcdKv.Settings.defaults());
    namespaces.put(kv, ns);
    return kv;
  }

  /** etcd is shared: a second client on the same namespace is another writer of the same data. */
  @Override
  protected KvStore openSecondWriter(KvStore first) {
    return EtcdKv.open(etcd.cluster().endpoints(), namespaces.get(first), EtcdKv.Settings.defaults());
  }
}
