package io.github.atomicdb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicRocksDb;
import io.github.atomicdb.QueueItemInput;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code atomicdb console DIR}: serves the console until interrupted, then closes the store. */
class ConsoleCommandTest {
  private static final Pattern URL = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+/)\\?token=([A-Za-z0-9_-]+)");

  @TempDir Path tmp;

  @Test
  void servesTheStoreUntilInterruptedThenClosesIt() throws Exception {
    Path dir = tmp.resolve("store");
    try (AtomicDb db = AtomicRocksDb.open(dir)) {
      db.queuePush(QueueItemInput.of("jobs-dlq", "j1", "failed once"));
      db.queuePush(QueueItemInput.of("jobs-dlq", "j2", "failed twice"));
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    Thread t = new Thread(() -> code.set(Main.commandLine(new RocksBackend(),
        new PrintWriter(out, true), new PrintWriter(err, true)).execute("console", dir.toString())));
    t.start();
    Matcher m = URL.matcher("");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!(m = URL.matcher(out.toString())).find()) {
      assertTrue(t.isAlive(), "the command ended early: " + out + err);
      assertTrue(System.nanoTime() < deadline, "no URL printed: " + out + err);
      Thread.sleep(20);
    }
    URI base = URI.create(m.group(1));
    String token = m.group(2);
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> none = http.send(HttpRequest.newBuilder(base.resolve("/api/queues")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(401, none.statusCode());
    HttpResponse<String> queues = http.send(HttpRequest.newBuilder(base.resolve("/api/queues"))
        .header("X-Console-Token", token).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, queues.statusCode());
    assertTrue(queues.body().contains("\"name\":\"jobs-dlq\""), queues.body());
    HttpResponse<String> redrive = http.send(HttpRequest.newBuilder(base.resolve("/api/redrive"))
        .header("X-Console-Token", token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"from\":\"jobs-dlq\",\"to\":\"jobs\",\"confirm\":\"jobs-dlq\"}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, redrive.statusCode(), redrive.body());
    assertTrue(redrive.body().contains("\"moved\":2"), redrive.body());

    t.interrupt();
    t.join(30_000);
    assertEquals(ExitCode.INTERRUPTED, code.get(), out.toString() + err);
    // the store was closed: it opens again, with the redrive done
    try (AtomicDb db = AtomicRocksDb.open(dir)) {
      assertEquals(2, db.queueStats("jobs").available());
      assertEquals(0, db.queueStats("jobs-dlq").available());
    }
  }

  @Test
  void aStoreInUseOrMissingAndBadOptionsAreNamed() {
    Path dir = tmp.resolve("held");
    try (AtomicDb held = AtomicRocksDb.open(dir)) {
      Cli.Result r = Cli.run("console", dir.toString());
      assertEquals(ExitCode.IN_USE, r.code(), r.toString());
      assertTrue(r.err().contains("in use"), r.toString());
    }
    Cli.Result missing = Cli.run("console", tmp.resolve("nothing").toString());
    assertEquals(ExitCode.NO_STORE, missing.code(), missing.toString());
    Cli.Result port = Cli.run("console", dir.toString(), "--port", "70000");
    assertEquals(ExitCode.USAGE, port.code(), port.toString());
    assertTrue(port.err().contains("port"), port.toString());
    Cli.Result dlq = Cli.run("console", dir.toString(), "--dead-letter", "a=a");
    assertEquals(ExitCode.USAGE, dlq.code(), dlq.toString());
  }
}
