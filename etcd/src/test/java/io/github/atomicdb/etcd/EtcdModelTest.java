package io.github.atomicdb.etcd;

import io.github.atomicdb.contract.ContractTypes;
import io.github.atomicdb.torture.ModelRuns;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The core's model test (seeded random operations compared with a reference model) on
 * AtomicEtcdDb, with fewer operations than on the embedded stores. "Reopen" closes the store and
 * opens the same namespace again; the expiry sweep runs every 50 ms meanwhile. Replay a failure
 * with -Datomicdb.model.seed=N; run longer with -Datomicdb.etcd.model.ops=N.
 */
class EtcdModelTest {
  private static final int OPS = Integer.getInteger("atomicdb.etcd.model.ops", 1500);
  @RegisterExtension static final EtcdClusterExtension etcd = new EtcdClusterExtension(1);

  @Test
  void randomOperationsAgreeWithTheModel() {
    Long fixed = Long.getLong("atomicdb.model.seed");
    long seed = fixed != null ? fixed : System.nanoTime();
    System.out.println("EtcdModelTest seed=" + seed + " ops=" + OPS + " (replay: -Datomicdb.model.seed=" + seed + ")");
    String summary = ModelRuns.run("etcd", clock -> {
      AtomicEtcdDb.Builder b = AtomicEtcdDb.builder(etcd.cluster().endpoints().toArray(String[]::new))
          .namespace("model-" + seed)
          .clock(clock)
          .expirySweep(Duration.ofMillis(50), 100);
      ContractTypes.registerAll(b::register);
      return b.open();
    }, db -> ((AtomicEtcdDb) db).engine(), true, seed, OPS);
    System.out.println("EtcdModelTest " + summary);
  }
}
