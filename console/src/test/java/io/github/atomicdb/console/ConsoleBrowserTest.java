package io.github.atomicdb.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicMemoryDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser: Debian's headless Chromium, driven through its chromedriver
 * (paths from the system properties {@code atomicdb.chromium} and {@code atomicdb.chromedriver},
 * default /usr/bin). One browser for the whole class; every test uses its own queues.
 */
class ConsoleBrowserTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  private static AtomicDb db;
  private static AtomicConsole console;
  private static WebDriver browser;

  @BeforeAll
  static void startBrowserAndConsole() {
    String chromium = System.getProperty("atomicdb.chromium", "/usr/bin/chromium");
    String driver = System.getProperty("atomicdb.chromedriver", "/usr/bin/chromedriver");
    if (!new File(chromium).canExecute() || !new File(driver).canExecute()) {
      throw new IllegalStateException("the browser tests need " + chromium + " and " + driver
          + ": apt-get install -y chromium chromium-driver (as .ci/run does)");
    }
    db = AtomicMemoryDb.builder().build();
    console = AtomicConsole.start(db, ConsoleOptions.defaults()
        .withPollInterval(Duration.ofMillis(200)).withMaxDataChars(300));
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
        "--disable-gpu", "--window-size=1280,900", "--no-first-run", "--disable-extensions");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(driver))
        .usingAnyFreePort()
        .build();
    browser = new ChromeDriver(service, options);
  }

  @AfterAll
  static void stopBrowserAndConsole() {
    if (browser != null) {
      browser.quit();
    }
    if (console != null) {
      console.close();
    }
    if (db != null) {
      db.close();
    }
  }

  private static void waitUntil(String what, java.util.function.Supplier<Boolean> condition) {
    new WebDriverWait(browser, WAIT).withMessage(what).pollingEvery(Duration.ofMillis(50))
        .until(d -> condition.get());
  }

  private static Object js(String script, Object... args) {
    return ((JavascriptExecutor) browser).executeScript(script, args);
  }

  /** The text of one cell of a queue's row, or null while the row is not shown. */
  private static String queueCell(String queue, String cls) {
    for (WebElement row : browser.findElements(By.cssSelector("#queues tbody tr"))) {
      if (queue.equals(row.getAttribute("data-queue"))) {
        return row.findElement(By.cssSelector("td." + cls)).getText();
      }
    }
    return null;
  }

  private static WebElement queueRow(String queue) {
    for (WebElement row : browser.findElements(By.cssSelector("#queues tbody tr"))) {
      if (queue.equals(row.getAttribute("data-queue"))) {
        return row;
      }
    }
    throw new AssertionError("no row for queue " + queue);
  }

  private static void openConsole() {
    browser.get(console.url().toString());
    waitUntil("the page is live", () -> browser.findElement(By.id("status")).getText().startsWith("live"));
  }

  @Test
  void theQueueDepthChangesLiveAfterPushes() {
    db.queuePush(QueueItemInput.of("live", "first", 1));
    openConsole();
    assertFalse(browser.getCurrentUrl().contains("token"), "the token left the address bar: "
        + browser.getCurrentUrl());
    assertEquals("atomic-db console", browser.getTitle());
    waitUntil("live shows 1 available", () -> "1".equals(queueCell("live", "available")));
    for (int i = 0; i < 4; i++) {
      db.queuePush(QueueItemInput.of("live", "more" + i, i));
    }
    db.queuePush(QueueItemInput.of("live", "later", 9).withDelaySeconds(3600));
    waitUntil("live shows 5 available without a reload",
        () -> "5".equals(queueCell("live", "available")));
    waitUntil("and 1 delayed", () -> "1".equals(queueCell("live", "delayed")));
    db.queuePull(QueuePullOptions.of("live")).orElseThrow();
    waitUntil("a pull shows as in flight", () -> "1".equals(queueCell("live", "inflight"))
        && "4".equals(queueCell("live", "available")));
  }

  @Test
  void aDeadLetterQueueIsRedrivenThroughTheUiAfterAConfirmation() {
    db.queuePush(QueueItemInput.of("mail", "m0", "ok"));
    for (int i = 1; i <= 3; i++) {
      db.queuePush(QueueItemInput.of("mail-dlq", "m" + i, Map.of("to", "user" + i + "@example.com")));
    }
    openConsole();
    waitUntil("mail's dead letters show", () -> "3".equals(queueCell("mail", "deadletters")));

    // cancel first: nothing moves
    queueRow("mail-dlq").findElement(By.cssSelector("button.redrive")).click();
    WebElement dialog = browser.findElement(By.id("confirm"));
    waitUntil("the confirmation shows", dialog::isDisplayed);
    assertTrue(browser.findElement(By.id("confirm-text")).getText().contains("mail-dlq"));
    assertEquals("mail", browser.findElement(By.id("redrive-target")).getAttribute("value"));
    browser.findElement(By.id("confirm-cancel")).click();
    waitUntil("the confirmation closes", () -> !dialog.isDisplayed());
    assertEquals(3, db.queueStats("mail-dlq").available(), "cancel moved nothing");

    queueRow("mail-dlq").findElement(By.cssSelector("button.redrive")).click();
    waitUntil("the confirmation shows again", dialog::isDisplayed);
    browser.findElement(By.id("confirm-ok")).click();
    waitUntil("the notice says what moved",
        () -> browser.findElement(By.id("notice")).getText().contains("moved 3 entries"));
    waitUntil("mail shows 4 available", () -> "4".equals(queueCell("mail", "available")));
    waitUntil("its dead-letter queue is empty", () -> "0".equals(queueCell("mail-dlq", "available")));
    assertEquals(4, db.queueStats("mail").available());
    assertEquals(0, db.queueStats("mail-dlq").available());
  }

  @Test
  void anEntryIsPeekedAtAndDeletedAfterAConfirmation() {
    db.queuePush(QueueItemInput.of("reports", "r1", Map.of("report", "daily")));
    db.queuePush(QueueItemInput.of("reports", "r2", "z".repeat(2000)));
    openConsole();
    waitUntil("reports shows", () -> "2".equals(queueCell("reports", "available")));
    queueRow("reports").findElement(By.cssSelector("button.peek")).click();
    waitUntil("two entries show", () -> browser.findElements(By.cssSelector("#entries tbody tr")).size() == 2);
    WebElement r1 = browser.findElement(By.cssSelector("#entries tbody tr[data-sk='r1']"));
    assertTrue(r1.findElement(By.cssSelector("pre.data")).getText().contains("\"report\" : \"daily\""),
        r1.getText());
    WebElement r2 = browser.findElement(By.cssSelector("#entries tbody tr[data-sk='r2']"));
    assertTrue(r2.findElement(By.cssSelector("div.cut")).getText().startsWith("cut:"), r2.getText());
    assertEquals(2, db.queueStats("reports").available(), "peeking pulled nothing");

    r1.findElement(By.cssSelector("button.delete")).click();
    waitUntil("the confirmation shows", () -> browser.findElement(By.id("confirm")).isDisplayed());
    assertTrue(browser.findElement(By.id("confirm-text")).getText().contains("r1"));
    browser.findElement(By.id("confirm-ok")).click();
    waitUntil("the entry is gone from the page",
        () -> browser.findElements(By.cssSelector("#entries tbody tr")).size() == 1);
    assertEquals(1, db.queueStats("reports").available());
  }

  @Test
  void storedMarkupIsShownAsTextAndNeverRuns() {
    String payload = "<script>document.title='pwned';window.pwned=1</script>"
        + "<img src=x onerror=\"document.title='pwned';window.pwned=2\">";
    String queue = "<img src=x onerror=\"window.pwned=3\">";
    db.queuePush(QueueItemInput.of(queue, "<b onmouseover=\"window.pwned=4\">sk</b>", payload));
    db.queuePush(QueueItemInput.of("xss", "e1", Map.of("html", payload)));
    db.set(Item.of("xss-items", "<svg onload=\"window.pwned=5\">", payload));
    openConsole();
    waitUntil("the queue named with markup shows", () -> queueCell(queue, "available") != null);
    assertEquals(queue, queueRow(queue).findElement(By.cssSelector("button.peek")).getText());

    queueRow(queue).findElement(By.cssSelector("button.peek")).click();
    waitUntil("its entry shows", () -> browser.findElements(By.cssSelector("#entries tbody tr")).size() == 1);
    WebElement entry = browser.findElement(By.cssSelector("#entries tbody tr"));
    assertEquals("<b onmouseover=\"window.pwned=4\">sk</b>", entry.findElement(By.cssSelector("td.sk")).getText());
    assertTrue(entry.findElement(By.cssSelector("pre.data")).getText().contains("<script>document.title='pwned'"));

    queueRow("xss").findElement(By.cssSelector("button.peek")).click();
    waitUntil("the other entry shows", () -> {
      List<WebElement> rows = browser.findElements(By.cssSelector("#entries tbody tr[data-sk='e1']"));
      return rows.size() == 1 && rows.get(0).getText().contains("onerror");
    });

    browser.findElement(By.id("items-pk")).sendKeys("xss-items");
    browser.findElement(By.cssSelector("#items-form button[type=submit]")).click();
    waitUntil("the item shows", () -> browser.findElements(By.cssSelector("#items tbody tr")).size() == 1);
    WebElement item = browser.findElement(By.cssSelector("#items tbody tr"));
    assertTrue(item.getText().contains("<svg onload="), item.getText());
    assertTrue(item.getText().contains("<img src=x onerror="), item.getText());

    // give any handler that slipped through time to run, then check that none did
    js("return new Promise(r => setTimeout(r, 500));");
    assertEquals("atomic-db console", browser.getTitle());
    assertNull(js("return window.pwned === undefined ? null : String(window.pwned);"));
    assertEquals(0L, js("return document.querySelectorAll('img, svg, b, script:not([src])').length;"));
  }

  @Test
  void requestsWithoutTheTokenGetNoData() {
    db.queuePush(QueueItemInput.of("private-queue", "p1", "private-data"));
    openConsole();
    waitUntil("the queue shows", () -> queueCell("private-queue", "available") != null);
    browser.manage().deleteAllCookies();
    browser.get(console.baseUri().resolve("/api/queues").toString());
    String page = browser.getPageSource();
    assertTrue(page.contains("needs its token"), page);
    assertFalse(page.contains("private-queue"), page);
    browser.get(console.baseUri().toString());
    assertFalse(browser.getPageSource().contains("private-queue"));
    assertTrue(browser.findElements(By.id("queues")).isEmpty(), "no console page without the token");
  }

  @Test
  void anotherOriginCanNeitherReadTheTokenNorWrite() throws Exception {
    db.queuePush(QueueItemInput.of("x-dlq", "x1", 1));
    db.queuePush(QueueItemInput.of("x-dlq", "x2", 2));
    openConsole(); // the browser now holds the console's cookie
    String target = "http://127.0.0.1:" + console.port();
    String body = "{\"from\":\"x-dlq\",\"to\":\"x\",\"confirm\":\"x-dlq\"}";
    // A page of another origin on the same machine (same site to the browser: the SameSite cookie
    // goes along with its requests).
    String reader = "<!DOCTYPE html><title>attacker</title><script>"
        + "let result = '';"
        + "fetch('" + target + "/api/session', {credentials: 'include'})"
        + ".then(r => r.text()).then(t => { result += 'read:' + t; })"
        + ".catch(() => { result += 'read blocked'; })"
        + ".then(() => fetch('" + target + "/api/redrive', {method: 'POST', credentials: 'include',"
        + " headers: {'Content-Type': 'application/json', 'X-Console-Token': 'guess'},"
        + " body: '" + body + "'}))"
        + ".then(r => { result += ' / post answered ' + r.status; })"
        + ".catch(() => { result += ' / post blocked'; })"
        + ".then(() => { document.title = result; });"
        + "</script>";
    String form = "<!DOCTYPE html><title>attacker form</title>"
        + "<form id=f method=POST enctype=text/plain action='" + target + "/api/redrive'>"
        + "<input name='{\"from\":\"x-dlq\",\"to\":\"x\",\"confirm\":\"x-dlq\",\"pad\":\"' value='\"}'>"
        + "</form><script>document.getElementById('f').submit();</script>";
    HttpServer attacker = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
    attacker.createContext("/", ex -> {
      byte[] b = (ex.getRequestURI().getPath().equals("/form") ? form : reader)
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    attacker.start();
    try {
      String site = "http://127.0.0.1:" + attacker.getAddress().getPort();
      browser.get(site + "/");
      waitUntil("the attacker's script finished", () -> browser.getTitle().contains("post"));
      assertEquals("read blocked / post blocked", browser.getTitle());

      browser.get(site + "/form");
      waitUntil("the form was posted to the console",
          () -> browser.getCurrentUrl().startsWith(target + "/api/redrive"));
      String answer = browser.findElement(By.tagName("body")).getText();
      assertTrue(answer.contains("refused") || answer.contains("X-Console-Token"), answer);
      assertEquals(2, db.queueStats("x-dlq").available(), "nothing moved");
      assertEquals(0, db.queueStats("x").available());
    } finally {
      attacker.stop(0);
    }
  }

  /** The system clock set back by {@code back}: entries pushed earlier, for the picture. */
  private static final class Shifted extends Clock {
    volatile Duration back = Duration.ZERO;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return Instant.now().minus(back);
    }
  }

  @Test
  void screenshotOfAConsoleWithAFewQueues() throws Exception {
    Shifted clock = new Shifted();
    try (AtomicDb shop = AtomicMemoryDb.builder().clock(clock).build();
        AtomicConsole shopConsole = AtomicConsole.start(shop,
            ConsoleOptions.defaults().withPollInterval(Duration.ofMillis(200)))) {
      clock.back = Duration.ofMinutes(47);
      for (int i = 1; i <= 42; i++) {
        if (i == 30) {
          clock.back = Duration.ofMinutes(3);
        }
        shop.queuePush(QueueItemInput.of("orders", String.format("order-%04d", i),
            Map.of("orderId", 1000 + i, "customer", "c" + (i % 7), "total", 19.5 + i)));
      }
      shop.queuePullBatch(QueuePullOptions.of("orders"), 5);
      clock.back = Duration.ofSeconds(95);
      for (int i = 1; i <= 12; i++) {
        shop.queuePush(QueueItemInput.of("emails", "mail-" + i,
            Map.of("to", "user" + i + "@example.com", "template", "welcome")));
      }
      shop.queuePush(QueueItemInput.of("emails", "digest", Map.of("template", "weekly-digest"))
          .withDelaySeconds(3600));
      clock.back = Duration.ofHours(5).plusMinutes(12);
      for (int i = 1; i <= 3; i++) {
        shop.queuePush(QueueItemInput.of("orders-dlq", String.format("order-%04d", 900 + i),
            Map.of("orderId", 900 + i, "error", "payment service timed out")));
      }
      clock.back = Duration.ZERO;
      shop.queuePush(QueueItemInput.of("thumbnails", "img-1", Map.of("path", "/uploads/a.png")));
      browser.get(shopConsole.url().toString());
      waitUntil("the shop's queues show", () -> browser.findElements(By.cssSelector("#queues tbody tr")).size() == 4);
      WebElement dlqRow = null;
      for (WebElement row : browser.findElements(By.cssSelector("#queues tbody tr"))) {
        if ("orders-dlq".equals(row.getAttribute("data-queue"))) {
          dlqRow = row;
        }
      }
      dlqRow.findElement(By.cssSelector("button.peek")).click();
      waitUntil("the dead letters show", () -> browser.findElements(By.cssSelector("#entries tbody tr")).size() == 3);
      byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
      assertTrue(png.length > 10_000, "a real picture: " + png.length + " bytes");
      Path out = Path.of(System.getProperty("atomicdb.console.screenshot", "target/console.png"));
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.write(out, png);
    }
  }
}
