package io.github.atomicdb.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicMemoryDb;
import io.github.atomicdb.AtomicRocksDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import io.github.atomicdb.QueueStats;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console's HTTP API and its security checks, over plain HTTP (no browser). */
class ConsoleHttpTest {
  private AtomicDb db;
  private AtomicConsole console;
  private final HttpClient http = HttpClient.newBuilder()
      .followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  @BeforeEach
  void start() {
    db = AtomicMemoryDb.builder().build();
    console = AtomicConsole.start(db, ConsoleOptions.defaults().withMaxDataChars(200));
  }

  @AfterEach
  void stop() {
    console.close();
    db.close();
  }

  private HttpRequest.Builder req(String path) {
    return HttpRequest.newBuilder(console.baseUri().resolve(path)).timeout(Duration.ofSeconds(10));
  }

  private HttpRequest.Builder authed(String path) {
    return req(path).header("X-Console-Token", console.token());
  }

  private HttpResponse<String> send(HttpRequest.Builder r) throws Exception {
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.toString());
    return Shown.MAPPER.readTree(r.body());
  }

  private HttpRequest.Builder post(String path, String body) {
    return authed(path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  private JsonNode queue(String name) throws Exception {
    HttpResponse<String> r = send(authed("/api/queues"));
    assertEquals(200, r.statusCode(), r.body());
    for (JsonNode q : json(r).get("queues")) {
      if (q.get("name").asText().equals(name)) {
        return q;
      }
    }
    return null;
  }

  @Test
  void everyRequestWithoutTheTokenIsRefusedWithoutData() throws Exception {
    db.queuePush(QueueItemInput.of("secret-queue", Map.of("card", "4111")));
    db.set(Item.of("users", "u1", "secret-item"));
    for (String path : List.of("/", "/console.js", "/console.css", "/api/session", "/api/queues",
        "/api/peek?queue=secret-queue", "/api/items?pk=users")) {
      HttpResponse<String> none = send(req(path));
      assertEquals(401, none.statusCode(), path);
      HttpResponse<String> wrong = send(req(path).header("X-Console-Token", "x".repeat(43)));
      assertEquals(403, wrong.statusCode(), path);
      HttpResponse<String> wrongCookie = send(req(path)
          .header("Cookie", "atomicdb_console_" + console.port() + "=" + "y".repeat(43)));
      assertEquals(403, wrongCookie.statusCode(), path);
      for (HttpResponse<String> r : List.of(none, wrong, wrongCookie)) {
        assertFalse(r.body().contains("secret"), path + ": " + r.body());
        assertFalse(r.body().contains("4111"), path + ": " + r.body());
        assertFalse(r.body().contains(console.token()), path);
      }
    }
    HttpResponse<String> badTokenUrl = send(req("/?token=" + "z".repeat(43)));
    assertEquals(403, badTokenUrl.statusCode());
    assertTrue(badTokenUrl.headers().allValues("Set-Cookie").isEmpty());
  }

  @Test
  void theTokenUrlSetsAStrictHttpOnlyCookieAndDropsTheTokenFromTheAddress() throws Exception {
    HttpResponse<String> r = send(req("/?token=" + console.token()));
    assertEquals(303, r.statusCode());
    assertEquals("/", r.headers().firstValue("Location").orElseThrow());
    String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(cookie.contains("HttpOnly"), cookie);
    assertTrue(cookie.contains("SameSite=Strict"), cookie);
    String pair = cookie.substring(0, cookie.indexOf(';'));
    assertEquals("atomicdb_console_" + console.port() + "=" + console.token(), pair);

    HttpResponse<String> page = send(req("/").header("Cookie", pair));
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
    assertTrue(page.body().contains("<script src=\"/console.js\""));
    HttpResponse<String> session = send(req("/api/session").header("Cookie", pair));
    assertEquals(console.token(), json(session).get("token").asText());
  }

  @Test
  void answersCarryAStrictContentSecurityPolicyAndNosniff() throws Exception {
    for (String path : List.of("/", "/console.js", "/api/queues", "/nothing-here")) {
      HttpResponse<String> r = send(authed(path));
      String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
      assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), csp);
      assertFalse(csp.contains("unsafe-inline") || csp.contains("unsafe-eval"), csp);
      assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElseThrow(), path);
    }
    assertEquals(404, send(authed("/nothing-here")).statusCode());
    assertTrue(send(authed("/console.js")).headers().firstValue("Content-Type").orElseThrow()
        .startsWith("text/javascript"));
    String page = send(authed("/")).body();
    assertFalse(page.contains("<script>"), "the page has no inline script");
    assertFalse(page.contains("style="), "the page has no inline style");
  }

  @Test
  void queuesShowDepthAgeAndTheirDeadLetterQueue() throws Exception {
    for (int i = 0; i < 3; i++) {
      db.queuePush(QueueItemInput.of("orders", "o" + i, i));
    }
    db.queuePush(QueueItemInput.of("orders", "later", 9).withDelaySeconds(3600));
    db.queuePull(QueuePullOptions.of("orders")).orElseThrow();
    db.queuePush(QueueItemInput.of("orders-dlq", "dead1", "x"));
    db.queuePush(QueueItemInput.of("orders-dlq", "dead2", "y"));

    JsonNode orders = queue("orders");
    assertEquals(2, orders.get("available").asLong());
    assertEquals(1, orders.get("inFlight").asLong());
    assertEquals(1, orders.get("delayed").asLong());
    assertTrue(orders.get("oldestAvailableAgeSeconds").asLong() >= 0);
    assertEquals("orders-dlq", orders.get("deadLetterQueue").asText());
    assertEquals(2, orders.get("deadLetterDepth").asLong());
    assertTrue(orders.get("deadLetterOf").isNull());
    JsonNode dlq = queue("orders-dlq");
    assertEquals("orders", dlq.get("deadLetterOf").asText());

    db.queuePush(QueueItemInput.of("orders", "o9", 9));
    assertEquals(3, queue("orders").get("available").asLong(), "a new push shows at once");
  }

  @Test
  void aDeadLetterQueueNamedInTheOptionsIsShownAsOne() throws Exception {
    try (AtomicConsole c = AtomicConsole.start(db,
        ConsoleOptions.defaults().withDeadLetterQueue("failed-mail", "mail"))) {
      db.queuePush(QueueItemInput.of("mail", "m1", 1));
      db.queuePush(QueueItemInput.of("failed-mail", "m0", 0));
      HttpResponse<String> r = send(HttpRequest.newBuilder(c.baseUri().resolve("/api/queues"))
          .header("X-Console-Token", c.token()));
      JsonNode qs = json(r).get("queues");
      JsonNode failed = qs.get(0).get("name").asText().equals("failed-mail") ? qs.get(0) : qs.get(1);
      JsonNode mail = failed == qs.get(0) ? qs.get(1) : qs.get(0);
      assertEquals("mail", failed.get("deadLetterOf").asText());
      assertEquals("failed-mail", mail.get("deadLetterQueue").asText());
      assertEquals(1, mail.get("deadLetterDepth").asLong());
    }
  }

  @Test
  void peekShowsEntriesAsCutJsonAndChangesNothing() throws Exception {
    db.queuePush(QueueItemInput.of("jobs", "a", Map.of("to", "ann@example.com", "n", 3)));
    db.queuePush(QueueItemInput.of("jobs", "b", "z".repeat(1000)));
    QueueStats before = db.queueStats("jobs");

    JsonNode p = json(send(authed("/api/peek?queue=jobs&limit=10")));
    QueueStats after = db.queueStats("jobs");
    assertEquals(before, after, "peeking is not a pull");
    JsonNode entries = p.get("entries");
    assertEquals(2, entries.size());
    JsonNode a = entries.get(0);
    assertEquals("a", a.get("sk").asText());
    assertEquals("available", a.get("state").asText());
    JsonNode data = Shown.MAPPER.readTree(a.get("data").asText());
    assertEquals("ann@example.com", data.get("to").asText());
    assertEquals(3, data.get("n").asInt());
    assertFalse(a.get("truncated").asBoolean());
    JsonNode b = entries.get(1);
    assertTrue(b.get("truncated").asBoolean());
    assertEquals(200, b.get("data").asText().length(), "cut at the console's maxDataChars");
    assertFalse(p.get("more").asBoolean());

    JsonNode one = json(send(authed("/api/peek?queue=jobs&limit=1")));
    assertEquals(1, one.get("entries").size());
    assertTrue(one.get("more").asBoolean());
    assertEquals(400, send(authed("/api/peek?queue=jobs&limit=0")).statusCode());
    assertEquals(400, send(authed("/api/peek")).statusCode());
    assertEquals(400, send(authed("/api/peek?queue=__LOCK__x")).statusCode(), "reserved key");
  }

  /** An application class, registered with the store. */
  public record Parcel(String id, int grams) {}

  @Test
  void aRegisteredClassShowsAsJsonAndAnUnknownOneByItsIdAndSize(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("s");
    try (AtomicDb app = AtomicRocksDb.builder(store).register(Parcel.class, 100).open();
        AtomicConsole c = AtomicConsole.start(app)) {
      app.queuePush(QueueItemInput.of("parcels", "p1", new Parcel("P-1", 250)));
      HttpResponse<String> r = send(HttpRequest.newBuilder(c.baseUri().resolve("/api/peek?queue=parcels"))
          .header("X-Console-Token", c.token()));
      JsonNode data = Shown.MAPPER.readTree(json(r).get("entries").get(0).get("data").asText());
      assertEquals("P-1", data.get("id").asText());
      assertEquals(250, data.get("grams").asInt());
    }
    // a tool that does not know the class (as the command line): its id and size, not a failure
    try (AtomicDb tool = AtomicRocksDb.open(store); AtomicConsole c = AtomicConsole.start(tool)) {
      HttpResponse<String> r = send(HttpRequest.newBuilder(c.baseUri().resolve("/api/peek?queue=parcels"))
          .header("X-Console-Token", c.token()));
      assertEquals(200, r.statusCode(), r.body());
      JsonNode e = json(r).get("entries").get(0);
      JsonNode data = Shown.MAPPER.readTree(e.get("data").asText());
      assertEquals(100, data.get("class").asInt());
      assertEquals(e.get("size").asInt(), data.get("bytes").asInt());
      assertEquals(100, e.get("classId").asInt());
    }
  }

  @Test
  void itemsAreBrowsedByPkAndSortKeyPrefix() throws Exception {
    db.set(List.of(Item.of("users", "eu#1", "ann"), Item.of("users", "eu#2", "bob"),
        Item.of("users", "us#1", "cy"), Item.of("other", "eu#9", "no")));
    JsonNode eu = json(send(authed("/api/items?pk=users&prefix=eu%23")));
    assertEquals(2, eu.get("items").size());
    assertEquals("eu#1", eu.get("items").get(0).get("sk").asText());
    assertEquals("\"bob\"", eu.get("items").get(1).get("data").asText());
    JsonNode all = json(send(authed("/api/items?pk=users&limit=2")));
    assertEquals(2, all.get("items").size());
    assertTrue(all.get("more").asBoolean());
    assertEquals(3, json(send(authed("/api/items?pk=users"))).get("items").size());
  }

  @Test
  void redriveAndDeleteNeedTheTokenHeaderAJsonBodyAndAConfirmation() throws Exception {
    db.queuePush(QueueItemInput.of("q-dlq", "d1", 1));
    db.queuePush(QueueItemInput.of("q-dlq", "d2", 2));
    String redrive = "{\"from\":\"q-dlq\",\"to\":\"q\",\"confirm\":\"q-dlq\"}";
    String cookie = "atomicdb_console_" + console.port() + "=" + console.token();

    // a cookie alone (what a cross-site form would send) does not authorize a write
    assertEquals(403, send(req("/api/redrive").header("Cookie", cookie)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(redrive))).statusCode());
    // a form body
    assertEquals(415, send(authed("/api/redrive")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("from=q-dlq&to=q&confirm=q-dlq"))).statusCode());
    // another origin, or a browser saying the request is cross-site
    assertEquals(403, send(post("/api/redrive", redrive)
        .header("Origin", "http://127.0.0.1:1")).statusCode());
    assertEquals(403, send(post("/api/redrive", redrive)
        .header("Sec-Fetch-Site", "same-site")).statusCode());
    assertEquals(403, send(post("/api/redrive", redrive)
        .header("Sec-Fetch-Site", "cross-site")).statusCode());
    // no confirmation
    assertEquals(400, send(post("/api/redrive", "{\"from\":\"q-dlq\",\"to\":\"q\"}")).statusCode());
    // GET never writes
    assertEquals(404, send(authed("/api/redrive?from=q-dlq&to=q&confirm=q-dlq")).statusCode());
    assertEquals(2, db.queueStats("q-dlq").available(), "nothing moved");
    assertEquals(0, db.queueStats("q").available());

    HttpResponse<String> ok = send(post("/api/redrive", redrive)
        .header("Origin", console.baseUri().toString().replaceAll("/$", ""))
        .header("Sec-Fetch-Site", "same-origin"));
    assertEquals(200, ok.statusCode(), ok.body());
    assertEquals(2, json(ok).get("moved").asLong());
    assertEquals(0, db.queueStats("q-dlq").available());
    assertEquals(2, db.queueStats("q").available());

    assertEquals(400, send(post("/api/delete", "{\"queue\":\"q\",\"sk\":\"d1\"}")).statusCode());
    assertEquals(400, send(post("/api/delete", "{\"queue\":\"q\",\"sk\":\"d1\",\"confirm\":\"d2\"}"))
        .statusCode());
    assertEquals(2, db.queueStats("q").available());
    HttpResponse<String> del = send(post("/api/delete", "{\"queue\":\"q\",\"sk\":\"d1\",\"confirm\":\"d1\"}"));
    assertEquals(200, del.statusCode(), del.body());
    assertEquals(1, db.queueStats("q").available());
    QueueItem left = db.queuePull(QueuePullOptions.of("q")).orElseThrow();
    assertEquals("d2", left.sk());
    assertEquals(400, send(post("/api/redrive", "{\"from\":\"q\",\"to\":\"q\",\"confirm\":\"q\"}"))
        .statusCode(), "a queue cannot be redriven into itself");
    assertEquals(405, send(authed("/api/queues").method("PUT", HttpRequest.BodyPublishers.noBody()))
        .statusCode());
  }

  @Test
  void aReadOnlyConsoleRefusesWrites() throws Exception {
    db.queuePush(QueueItemInput.of("r-dlq", "d1", 1));
    try (AtomicConsole ro = AtomicConsole.start(db, ConsoleOptions.defaults().withReadOnly(true))) {
      HttpResponse<String> r = send(HttpRequest.newBuilder(ro.baseUri().resolve("/api/redrive"))
          .header("X-Console-Token", ro.token()).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"from\":\"r-dlq\",\"to\":\"r\",\"confirm\":\"r-dlq\"}")));
      assertEquals(403, r.statusCode());
      assertTrue(json(r).get("error").asText().contains("read-only"));
    }
    assertEquals(1, db.queueStats("r-dlq").available());
  }

  /** A raw request, to send a Host header of our choosing. */
  private String rawGet(String host) throws Exception {
    try (Socket s = new Socket("127.0.0.1", console.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET /api/queues HTTP/1.1\r\nHost: " + host + "\r\nX-Console-Token: "
          + console.token() + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void aHostHeaderOfAnotherNameIsRefused() throws Exception {
    db.queuePush(QueueItemInput.of("hidden", "h", 1));
    String evil = rawGet("evil.example:" + console.port());
    assertTrue(evil.startsWith("HTTP/1.1 403"), evil);
    assertFalse(evil.contains("hidden"));
    String ok = rawGet("localhost:" + console.port());
    assertTrue(ok.startsWith("HTTP/1.1 200"), ok);
    assertTrue(ok.contains("hidden"));
  }

  @Test
  void closeStopsTheServerAndReleasesThePort() throws Exception {
    int port = console.port();
    assertEquals(200, send(authed("/api/queues")).statusCode());
    console.close();
    console.close();
    assertThrows(ConnectException.class, () -> send(authed("/api/queues")));
    // the same port can be taken again at once, and the store is still the application's
    try (AtomicConsole again = AtomicConsole.start(db, ConsoleOptions.defaults().withPort(port))) {
      assertEquals(port, again.port());
      db.queuePush(QueueItemInput.of("still-open", 1));
      HttpResponse<String> r = send(HttpRequest.newBuilder(again.baseUri().resolve("/api/queues"))
          .header("X-Console-Token", again.token()));
      assertTrue(r.body().contains("still-open"));
    }
  }

  @Test
  void aPortInUseIsANamedError() {
    UncheckedIOException e = assertThrows(UncheckedIOException.class,
        () -> AtomicConsole.start(db, ConsoleOptions.defaults().withPort(console.port())));
    assertTrue(e.getMessage().contains(":" + console.port()), e.getMessage());
  }

  @Test
  void optionsRefuseBadValuesNamingThem() {
    ConsoleOptions d = ConsoleOptions.defaults();
    assertEquals("127.0.0.1", d.host());
    assertFalse(d.readOnly());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> d.withPort(70000)).getMessage()
        .contains("port"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> d.withToken("short")).getMessage()
        .contains("token"));
    assertThrows(IllegalArgumentException.class, () -> d.withMaxDataChars(10));
    assertThrows(IllegalArgumentException.class, () -> d.withPollInterval(Duration.ofMillis(1)));
    assertThrows(IllegalArgumentException.class, () -> d.withDeadLetterQueue("a", "a"));
    assertThrows(IllegalArgumentException.class, () -> d.withHost(" "));
    String t = "t".repeat(40);
    try (AtomicConsole c = AtomicConsole.start(db, d.withToken(t))) {
      assertEquals(t, c.token());
      assertEquals(c.baseUri().resolve("/?token=" + t), c.url());
    }
    assertNotNull(console.token());
    assertTrue(console.token().length() >= 43, "256 random bits");
  }

  @Test
  void aCacheInFrontOfAStoreIsRefusedWithTheFix(@TempDir Path dir) {
    try (AtomicRocksDb rocks = AtomicRocksDb.open(dir.resolve("s"))) {
      try (AtomicConsole c = AtomicConsole.start(rocks)) {
        assertTrue(c.url().toString().startsWith("http://127.0.0.1:"));
      }
    }
    AtomicDb notAStore = (AtomicDb) java.lang.reflect.Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {AtomicDb.class}, (p, m, a) -> null);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> AtomicConsole.start(notAStore));
    assertTrue(e.getMessage().contains("pass the store itself"), e.getMessage());
  }

  @Test
  void manyClientsReadWhileTheApplicationPushesAndPulls() throws Exception {
    int pushers = 3;
    int perPusher = 200;
    ExecutorService pool = Executors.newFixedThreadPool(pushers + 3);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int p = 0; p < pushers; p++) {
        int id = p;
        work.add(pool.submit(() -> {
          for (int i = 0; i < perPusher; i++) {
            db.queuePush(QueueItemInput.of("busy", "p" + id + "-" + i, i));
            if (i % 2 == 0) {
              db.queuePull(QueuePullOptions.of("busy")).ifPresent(db::queueAcknowledge);
            }
          }
          return null;
        }));
      }
      List<Future<Integer>> readers = new ArrayList<>();
      for (int r = 0; r < 3; r++) {
        readers.add(pool.submit(() -> {
          int ok = 0;
          for (int i = 0; i < 30; i++) {
            HttpResponse<String> a = send(authed("/api/queues"));
            HttpResponse<String> b = send(authed("/api/peek?queue=busy&limit=20"));
            if (a.statusCode() == 200 && b.statusCode() == 200) {
              ok++;
            }
          }
          return ok;
        }));
      }
      for (Future<?> f : work) {
        f.get(60, TimeUnit.SECONDS);
      }
      for (Future<Integer> f : readers) {
        assertEquals(30, f.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    JsonNode busy = queue("busy");
    QueueStats s = db.queueStats("busy");
    assertEquals(s.available(), busy.get("available").asLong());
    assertEquals(pushers * perPusher - pushers * perPusher / 2, s.available());
  }
}
