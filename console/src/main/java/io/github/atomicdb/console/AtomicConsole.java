package io.github.atomicdb.console;

import com.sun.net.httpserver.HttpServer;
import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.tools.StoreTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A queue console in the browser for an open store, served by the JDK's own HTTP server:
 *
 * <pre>{@code
 * AtomicConsole console = AtomicConsole.start(db, ConsoleOptions.defaults());
 * System.out.println("queue console: " + console.url());   // open it in a browser
 * ...
 * console.close();                                           // before db.close()
 * }</pre>
 *
 * <p><b>Guarantees.</b> The console reads the store through the public API and the operator API
 * ({@link StoreTools}): what it shows changes nothing (peeking is not a pull). It writes only when
 * someone confirms a redrive ({@link AtomicDb#queueRedrive}) or the deletion of one queue entry
 * ({@link AtomicDb#queueAcknowledge(io.github.atomicdb.ItemKey)}), and never with {@link
 * ConsoleOptions#withReadOnly} set. Every request needs the token; writes need it in a header and
 * are refused from other origins (see the package comment for the whole security model).
 *
 * <p><b>Threading.</b> Thread-safe. Requests are served by two daemon threads of the console's
 * own, at the same time as the application uses the store. {@link #close()} stops the server:
 * when it returns, the port is released, no request is being served and none will be; it does not
 * close the store, which stays the application's. Close the console before the store.
 *
 * <p><b>Caveats.</b> The store must be one that {@link StoreTools#of} accepts (an {@code
 * AtomicRocksDb} or {@code AtomicMemoryDb}, not a cache in front of one). Dead-letter queues are
 * recognized by name ({@code NAME-dlq}) or by {@link ConsoleOptions#withDeadLetterQueue}: the
 * store does not record which queue dead-letters into which.
 */
public final class AtomicConsole implements AutoCloseable {
  private static final AtomicInteger SERVERS = new AtomicInteger();

  private final HttpServer server;
  private final ExecutorService executor;
  private final String token;
  private final URI base;
  private final AtomicBoolean closed = new AtomicBoolean();

  private AtomicConsole(HttpServer server, ExecutorService executor, String token, URI base) {
    this.server = server;
    this.executor = executor;
    this.token = token;
    this.base = base;
  }

  /** {@code start(db, ConsoleOptions.defaults())}. */
  public static AtomicConsole start(AtomicDb db) {
    return start(db, ConsoleOptions.defaults());
  }

  /**
   * Starts a console for {@code db} and returns once it accepts connections.
   *
   * @throws NullPointerException if {@code db} or {@code options} is null
   * @throws IllegalArgumentException if {@code db} is not a store {@link StoreTools#of} accepts
   * @throws UncheckedIOException if the host does not resolve or the port cannot be bound (in use,
   *     or not allowed)
   */
  public static AtomicConsole start(AtomicDb db, ConsoleOptions options) {
    Objects.requireNonNull(db, "db must not be null");
    Objects.requireNonNull(options, "options must not be null");
    StoreTools tools = StoreTools.of(db);
    String token = options.token() != null ? options.token() : newToken();
    InetSocketAddress address;
    try {
      address = new InetSocketAddress(InetAddress.getByName(options.host()), options.port());
    } catch (IOException e) {
      throw new UncheckedIOException("console host '" + options.host() + "' does not resolve: "
          + e.getMessage() + "; use an address such as 127.0.0.1", e);
    }
    HttpServer server;
    try {
      server = HttpServer.create(address, 50);
    } catch (IOException e) {
      throw new UncheckedIOException("the console cannot listen on " + options.host() + ":"
          + options.port() + " (" + e.getMessage() + "); choose another port, or 0 for any free one",
          e);
    }
    int n = SERVERS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    ThreadFactory factory = r -> {
      Thread t = new Thread(r, "atomicdb-console-" + n + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    ExecutorService executor = Executors.newFixedThreadPool(2, factory);
    int port = server.getAddress().getPort();
    InetAddress bound = server.getAddress().getAddress();
    String urlHost = bound.isAnyLocalAddress() ? "127.0.0.1"
        : bound instanceof java.net.Inet6Address ? "[" + bound.getHostAddress() + "]"
        : bound.getHostAddress();
    URI base = URI.create("http://" + urlHost + ":" + port + "/");
    ConsoleHandler handler = new ConsoleHandler(db, tools, options, token, port, bound);
    server.createContext("/", handler);
    server.setExecutor(executor);
    server.start();
    return new AtomicConsole(server, executor, token, base);
  }

  private static String newToken() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /**
   * The address to open in a browser: {@link #baseUri()} with the token. Treat it as a password;
   * the console drops the token from the address bar on first use.
   */
  public URI url() {
    return base.resolve("/?token=" + token);
  }

  /** The console's address without the token, e.g. {@code http://127.0.0.1:40123/}. */
  public URI baseUri() {
    return base;
  }

  /** The token every request needs (header {@code X-Console-Token}, or the page's cookie). */
  public String token() {
    return token;
  }

  /** The port the console listens on. */
  public int port() {
    return base.getPort();
  }

  /**
   * Stops the server: the port is released and open connections are closed at once; a request
   * being served finishes its store call (waited for up to 5 seconds, then interrupted) and the
   * console's threads end. Idempotent. Does not close the store.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.stop(0);
    executor.shutdown();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "AtomicConsole[" + base + (closed.get() ? ", closed" : "") + "]";
  }
}
