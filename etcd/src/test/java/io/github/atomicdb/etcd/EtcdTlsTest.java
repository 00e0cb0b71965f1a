package io.github.atomicdb.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicDbException;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * AtomicEtcdDb over TLS: a real etcd serving https:// with client certificate authentication,
 * certificates made by openssl for the test (a CA, a server certificate for 127.0.0.1, a client
 * certificate).
 */
class EtcdTlsTest {
  private static Path dir;
  private static Process etcd;
  private static String endpoint;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("etcd-tls-");
    Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n");
    Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
    sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca",
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1",
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2"
            + " -extfile server.ext",
        "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=client",
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2"
            + " -extfile client.ext");
    int client = freePort();
    int peer = freePort();
    endpoint = "https://127.0.0.1:" + client;
    ProcessBuilder pb = new ProcessBuilder(EtcdCluster.binary(), "--name", "tls",
        "--data-dir", dir.resolve("data").toString(),
        "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
        "--listen-peer-urls", "http://127.0.0.1:" + peer,
        "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
        "--initial-cluster", "tls=http://127.0.0.1:" + peer,
        "--cert-file", dir.resolve("server.pem").toString(),
        "--key-file", dir.resolve("server.key").toString(),
        "--trusted-ca-file", dir.resolve("ca.pem").toString(),
        "--client-cert-auth");
    pb.redirectErrorStream(true);
    pb.redirectOutput(dir.resolve("etcd.log").toFile());
    etcd = pb.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (etcd != null) {
      etcd.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static void sh(String... commands) throws Exception {
    for (String c : commands) {
      Process p = new ProcessBuilder("sh", "-c", c).directory(dir.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(c + " failed: " + out);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static AtomicEtcdDb.Builder builder(String namespace) {
    return AtomicEtcdDb.builder(endpoint).namespace(namespace)
        .requestTimeout(Duration.ofSeconds(2))
        .operationTimeout(Duration.ofSeconds(20));
  }

  @Test
  void itemsAndTheQueueWorkOverTlsWithAClientCertificate() {
    try (AtomicDb db = builder("tls").tls(dir.resolve("ca.pem"), dir.resolve("client.pem"), dir.resolve("client.key"))
        .open()) {
      db.set(Item.of("p", "k", "over tls"));
      assertEquals("over tls", db.get(new ItemKey("p", "k")).orElseThrow().data());
      db.queuePush(QueueItemInput.of("q", "a", "job"));
      assertEquals("job", db.queuePull(QueuePullOptions.of("q")).orElseThrow().data());
    }
  }

  @Test
  void aClientWithoutACertificateOrWithoutTlsIsRefusedByTheServer() {
    // The server is up: the test with a certificate opens it (within its deadline) first.
    try (AtomicDb ok = builder("tls-up").tls(dir.resolve("ca.pem"), dir.resolve("client.pem"), dir.resolve("client.key"))
        .open()) {
      ok.set(Item.of("p", "k", "v"));
    }
    AtomicDbException noCert = assertThrows(AtomicDbException.class, () -> builder("tls-nocert")
        .operationTimeout(Duration.ofSeconds(3)).tls(dir.resolve("ca.pem")).open().close());
    assertTrue(noCert.getMessage().contains("cannot open etcd namespace"), noCert.getMessage());
    AtomicDbException plain = assertThrows(AtomicDbException.class, () -> AtomicEtcdDb.builder(
        endpoint.replace("https://", "http://")).namespace("tls-plain")
        .requestTimeout(Duration.ofSeconds(1)).operationTimeout(Duration.ofSeconds(3)).open().close());
    assertTrue(plain.getMessage().contains("cannot open etcd namespace"), plain.getMessage());
  }

  @Test
  void schemesAndFilesAreCheckedByName() {
    IllegalArgumentException https = assertThrows(IllegalArgumentException.class,
        () -> AtomicEtcdDb.builder(endpoint).namespace("x").open());
    assertTrue(https.getMessage().contains("needs TLS: call tls(...)"), https.getMessage());
    IllegalArgumentException http = assertThrows(IllegalArgumentException.class,
        () -> AtomicEtcdDb.builder("http://127.0.0.1:1").namespace("x").tls(dir.resolve("ca.pem")).open());
    assertTrue(http.getMessage().contains("with TLS every endpoint must be https://"), http.getMessage());
    IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
        () -> EtcdKv.checkSchemes(List.of(endpoint, "http://127.0.0.1:1"), true));
    assertTrue(mixed.getMessage().startsWith("endpoints[1]"), mixed.getMessage());
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> AtomicEtcdDb.builder(endpoint).tls(dir.resolve("nope.pem")));
    assertTrue(missing.getMessage().contains("nope.pem"), missing.getMessage());
  }
}
