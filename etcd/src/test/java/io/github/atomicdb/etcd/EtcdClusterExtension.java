package io.github.atomicdb.etcd;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real etcd cluster for one test class: started before its first test (and before its own
 * {@code @BeforeAll} methods), stopped after the last. Register it as
 * {@code @RegisterExtension static final EtcdClusterExtension etcd = new EtcdClusterExtension(1);}.
 */
final class EtcdClusterExtension implements BeforeAllCallback, AfterAllCallback {
  private final int members;
  private EtcdCluster cluster;

  EtcdClusterExtension(int members) {
    this.members = members;
  }

  /** The running cluster. */
  EtcdCluster cluster() {
    if (cluster == null) {
      throw new IllegalStateException("the etcd cluster is started before the class's first test");
    }
    return cluster;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    cluster = EtcdCluster.start(members);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (cluster != null) {
      cluster.close();
      cluster = null;
    }
  }
}
