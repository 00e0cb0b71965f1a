package io.github.atomicdb.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The test harness itself: start, leader lookup, kill -9, restart on the data dir, cleanup. */
class EtcdClusterTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** Writes through etcd's JSON gateway, so this test does not depend on the code under test. */
  private static int put(String endpoint, String key, String value) throws Exception {
    Base64.Encoder b64 = Base64.getEncoder();
    String body = "{\"key\":\"" + b64.encodeToString(key.getBytes(StandardCharsets.UTF_8))
        + "\",\"value\":\"" + b64.encodeToString(value.getBytes(StandardCharsets.UTF_8)) + "\"}";
    return HTTP.send(HttpRequest.newBuilder(URI.create(endpoint + "/v3/kv/put"))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  private static String get(String endpoint, String key) throws Exception {
    String body = "{\"key\":\"" + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8)) + "\"}";
    String r = HTTP.send(HttpRequest.newBuilder(URI.create(endpoint + "/v3/kv/range"))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    int at = r.indexOf("\"value\":\"");
    if (at < 0) {
      return null;
    }
    String v = r.substring(at + 9, r.indexOf('"', at + 9));
    return new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
  }

  @Test
  void oneMemberStartsKeepsDataOverKillAndRestartAndLeavesNothingBehind() throws Exception {
    Path root;
    try (EtcdCluster c = EtcdCluster.start(1)) {
      root = c.root();
      assertEquals(1, c.endpoints().size());
      assertTrue(c.isHealthy(0));
      assertEquals(0, c.leader());
      assertEquals(200, put(c.endpoint(0), "k", "v"));
      c.kill(0);
      assertFalse(c.isRunning(0));
      assertFalse(c.isHealthy(0));
      c.restart(0);
      assertTrue(c.isHealthy(0));
      assertEquals("v", get(c.endpoint(0), "k"), "the restarted member kept its data dir");
      assertThrows(IllegalStateException.class, () -> c.restart(0), "already running");
      assertTrue(Files.isDirectory(root));
    }
    assertFalse(Files.exists(root), "close deleted the data dirs");
  }

  @Test
  void threeMembersElectANewLeaderWhenTheLeaderIsKilledAndTakeItBack() throws Exception {
    try (EtcdCluster c = EtcdCluster.start(3)) {
      assertEquals(3, c.endpoints().size());
      int leader = c.leader();
      int follower = c.follower();
      assertNotEquals(leader, follower);

      c.kill(leader);
      int next = c.leader();
      assertNotEquals(leader, next, "a new leader among the two left");
      assertEquals(200, put(c.endpoint(next), "after", "leader kill"));

      c.restart(leader);
      for (int i = 0; i < 3; i++) {
        assertTrue(c.isHealthy(i), "member " + i);
      }
      assertEquals("leader kill", get(c.endpoint(leader), "after"), "the old leader caught up");

      int f = c.follower();
      int l = c.leader();
      c.kill(f);
      assertEquals(l, c.leader(), "killing a follower keeps the leader");
      assertEquals(200, put(c.endpoint(l), "quorum", "2 of 3"));
    }
  }

  @Test
  void aMissingBinaryIsAClearError() {
    String old = System.getProperty("etcd.binary");
    System.setProperty("etcd.binary", "/nonexistent/etcd");
    try {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> EtcdCluster.start(1));
      assertTrue(e.getMessage().contains("etcd-server"), e.getMessage());
    } finally {
      if (old == null) {
        System.clearProperty("etcd.binary");
      } else {
        System.setProperty("etcd.binary", old);
      }
    }
  }
}
