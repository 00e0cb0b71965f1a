package io.github.atomicdb.console;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How an {@link AtomicConsole} listens and what it allows. Start from {@link #defaults()}; every
 * {@code with...} method returns a changed copy.
 *
 * <p>Defaults: listens on 127.0.0.1 on a free port, a new random token, writes (redrive, delete)
 * allowed, the page polls every second, stored data shown up to 4096 characters of JSON, a queue
 * named {@code NAME-dlq} is the dead-letter queue of {@code NAME}.
 *
 * <p>Immutable and thread-safe.
 */
public final class ConsoleOptions {
  /** Most characters of a value's JSON shown by default; the rest is cut off and marked. */
  public static final int DEFAULT_MAX_DATA_CHARS = 4096;

  /** Default interval at which the page refreshes what it shows. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{32,128}");

  private final String host;
  private final int port;
  private final String token;
  private final boolean readOnly;
  private final Duration pollInterval;
  private final int maxDataChars;
  private final Map<String, String> deadLetterQueues;

  private ConsoleOptions(String host, int port, String token, boolean readOnly,
      Duration pollInterval, int maxDataChars, Map<String, String> deadLetterQueues) {
    this.host = host;
    this.port = port;
    this.token = token;
    this.readOnly = readOnly;
    this.pollInterval = pollInterval;
    this.maxDataChars = maxDataChars;
    this.deadLetterQueues = deadLetterQueues;
  }

  /** The defaults (see the class comment). */
  public static ConsoleOptions defaults() {
    return new ConsoleOptions("127.0.0.1", 0, null, false, DEFAULT_POLL_INTERVAL,
        DEFAULT_MAX_DATA_CHARS, Map.of());
  }

  /**
   * A copy that listens on {@code host} (a name or address) instead of 127.0.0.1. Anyone who can
   * reach that address and has the token can use the console: keep it on the loopback address
   * unless a network you trust sits in between.
   *
   * @throws NullPointerException if {@code host} is null
   * @throws IllegalArgumentException if {@code host} is blank
   */
  public ConsoleOptions withHost(String host) {
    Objects.requireNonNull(host, "host must not be null");
    if (host.isBlank()) {
      throw new IllegalArgumentException("host must not be blank; use \"127.0.0.1\" for this machine only");
    }
    return new ConsoleOptions(host.strip(), port, token, readOnly, pollInterval, maxDataChars,
        deadLetterQueues);
  }

  /**
   * A copy that listens on {@code port}; 0 (the default) takes a free port.
   *
   * @throws IllegalArgumentException if {@code port} is not between 0 and 65535
   */
  public ConsoleOptions withPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be between 0 and 65535 (0 = any free port), was "
          + port);
    }
    return new ConsoleOptions(host, port, token, readOnly, pollInterval, maxDataChars,
        deadLetterQueues);
  }

  /**
   * A copy that uses {@code token} instead of a new random one (for example one kept in a
   * secret store, so that a bookmark survives a restart).
   *
   * @throws NullPointerException if {@code token} is null
   * @throws IllegalArgumentException if it is not 32 to 128 characters of {@code A-Z a-z 0-9 _ -}
   */
  public ConsoleOptions withToken(String token) {
    Objects.requireNonNull(token, "token must not be null");
    if (!TOKEN.matcher(token).matches()) {
      throw new IllegalArgumentException("token must be 32 to 128 characters of A-Z a-z 0-9 _ -"
          + " (was " + token.length() + " characters); leave it unset for a random one");
    }
    return new ConsoleOptions(host, port, token, readOnly, pollInterval, maxDataChars,
        deadLetterQueues);
  }

  /** A copy that refuses every write (redrive, delete): a console only to look. */
  public ConsoleOptions withReadOnly(boolean readOnly) {
    return new ConsoleOptions(host, port, token, readOnly, pollInterval, maxDataChars,
        deadLetterQueues);
  }

  /**
   * A copy whose page refreshes every {@code interval}.
   *
   * @throws NullPointerException if {@code interval} is null
   * @throws IllegalArgumentException if it is not between 100 ms and 10 minutes
   */
  public ConsoleOptions withPollInterval(Duration interval) {
    Objects.requireNonNull(interval, "interval must not be null");
    if (interval.compareTo(Duration.ofMillis(100)) < 0 || interval.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("poll interval must be between 100 ms and 10 minutes, was "
          + interval);
    }
    return new ConsoleOptions(host, port, token, readOnly, interval, maxDataChars, deadLetterQueues);
  }

  /**
   * A copy that shows at most {@code chars} characters of a value's JSON (the rest is cut off and
   * marked as cut).
   *
   * @throws IllegalArgumentException if {@code chars} is not between 64 and 1,000,000
   */
  public ConsoleOptions withMaxDataChars(int chars) {
    if (chars < 64 || chars > 1_000_000) {
      throw new IllegalArgumentException("max data chars must be between 64 and 1000000, was " + chars);
    }
    return new ConsoleOptions(host, port, token, readOnly, pollInterval, chars, deadLetterQueues);
  }

  /**
   * A copy that shows queue {@code deadLetterQueue} as the dead-letter queue of {@code queue} and
   * offers to redrive it there: for a dead-letter queue named by {@code
   * QueuePullOptions.withDeadLetterQueue} rather than {@code queue + "-dlq"}.
   *
   * @throws NullPointerException if either is null
   * @throws IllegalArgumentException if they are equal or blank
   */
  public ConsoleOptions withDeadLetterQueue(String deadLetterQueue, String queue) {
    Objects.requireNonNull(deadLetterQueue, "deadLetterQueue must not be null");
    Objects.requireNonNull(queue, "queue must not be null");
    if (deadLetterQueue.isBlank() || queue.isBlank()) {
      throw new IllegalArgumentException("deadLetterQueue and queue must not be blank");
    }
    if (deadLetterQueue.equals(queue)) {
      throw new IllegalArgumentException("a queue cannot be its own dead-letter queue ('" + queue + "')");
    }
    Map<String, String> m = new LinkedHashMap<>(deadLetterQueues);
    m.put(deadLetterQueue, queue);
    return new ConsoleOptions(host, port, token, readOnly, pollInterval, maxDataChars,
        Collections.unmodifiableMap(m));
  }

  /** The host or address to listen on. */
  public String host() {
    return host;
  }

  /** The port to listen on; 0 = a free one. */
  public int port() {
    return port;
  }

  /** The token set with {@link #withToken}, or null for a random one per console. */
  public String token() {
    return token;
  }

  /** Whether writes are refused. */
  public boolean readOnly() {
    return readOnly;
  }

  /** How often the page refreshes. */
  public Duration pollInterval() {
    return pollInterval;
  }

  /** Most characters of a value's JSON shown. */
  public int maxDataChars() {
    return maxDataChars;
  }

  /** Dead-letter queues named explicitly, each to the queue it belongs to. */
  public Map<String, String> deadLetterQueues() {
    return deadLetterQueues;
  }

  @Override
  public String toString() {
    return "ConsoleOptions[host=" + host + ", port=" + port + ", token=" + (token == null ? "random" : "set")
        + ", readOnly=" + readOnly + ", pollInterval=" + pollInterval + ", maxDataChars="
        + maxDataChars + ", deadLetterQueues=" + deadLetterQueues + "]";
  }
}
