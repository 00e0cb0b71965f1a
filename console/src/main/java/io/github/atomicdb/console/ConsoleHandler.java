package io.github.atomicdb.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.Query;
import io.github.atomicdb.QueueStats;
import io.github.atomicdb.tools.ItemRecord;
import io.github.atomicdb.tools.QueueRecord;
import io.github.atomicdb.tools.StoreTools;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/*
 * Every request passes through handle(), in this order:
 *
 * 1. Host: when the console listens on a loopback address, the Host header must name that
 *    address, localhost, or ::1, with the console's port. A page of another site that a DNS
 *    trick points at 127.0.0.1 sends its own host name and is refused.
 * 2. Method: GET to read, POST to write; anything else is 405.
 * 3. Token: "/?token=T" with the right token sets the cookie and redirects to "/" (the token
 *    leaves the address bar and the history). Every other request needs the cookie or the
 *    X-Console-Token header; without either it is 401, with a wrong one 403, and no data.
 * 4. Writes (POST): the token must be in the X-Console-Token header (a cookie is sent by the
 *    browser whoever made the request; a header is set only by the console's own script, and a
 *    form or a cross-origin script cannot set it without a CORS preflight, which the console never
 *    grants). An Origin header, when present, must be the console's own origin, and a
 *    Sec-Fetch-Site header, when present, must be "same-origin": a page on 127.0.0.1 at another
 *    port is same-site to the browser and gets the SameSite cookie, but is another origin. The body
 *    must be JSON (a form cannot send that type without a preflight). A read-only console refuses
 *    every write.
 *
 * Every answer carries a Content-Security-Policy that allows only the console's own script and
 * style files (no inline script, no eval, no other origin), nosniff, no framing and no caching.
 * Stored data is only ever in JSON answers.
 */
final class ConsoleHandler implements HttpHandler {
  static final String TOKEN_HEADER = "X-Console-Token";

  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self';"
      + " img-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none';"
      + " base-uri 'none'";

  private static final int MAX_BODY = 64 * 1024;
  private static final int MAX_LIMIT = 500;
  private static final String DLQ_SUFFIX = "-dlq";

  private final AtomicDb db;
  private final StoreTools tools;
  private final ConsoleOptions options;
  private final byte[] token;
  private final String tokenText;
  private final String cookieName;
  private final Set<String> allowedHosts;
  private final Map<String, Resource> resources = new HashMap<>();

  private record Resource(String type, byte[] bytes) {}

  ConsoleHandler(AtomicDb db, StoreTools tools, ConsoleOptions options, String token, int port,
      InetAddress bound) {
    this.db = db;
    this.tools = tools;
    this.options = options;
    this.tokenText = token;
    this.token = token.getBytes(StandardCharsets.US_ASCII);
    this.cookieName = "atomicdb_console_" + port;
    if (bound.isLoopbackAddress()) {
      String own = bound instanceof Inet6Address ? "[" + bound.getHostAddress() + "]"
          : bound.getHostAddress();
      allowedHosts = Set.copyOf(List.of("127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port,
          own.toLowerCase(Locale.ROOT) + ":" + port));
    } else {
      allowedHosts = null;
    }
    resources.put("/", load("index.html", "text/html; charset=utf-8"));
    resources.put("/console.js", load("console.js", "text/javascript; charset=utf-8"));
    resources.put("/console.css", load("console.css", "text/css; charset=utf-8"));
  }

  private static Resource load(String name, String type) {
    try (InputStream in = ConsoleHandler.class.getResourceAsStream("web/" + name)) {
      if (in == null) {
        throw new IllegalStateException("console resource web/" + name + " is missing from the jar");
      }
      return new Resource(type, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Thrown to answer a request with an error status and message. */
  private static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;

    Refused(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    try {
      Headers h = ex.getResponseHeaders();
      h.set("Content-Security-Policy", CSP);
      h.set("X-Content-Type-Options", "nosniff");
      h.set("X-Frame-Options", "DENY");
      h.set("Referrer-Policy", "no-referrer");
      h.set("Cache-Control", "no-store");
      h.set("Cross-Origin-Resource-Policy", "same-origin");
      try {
        serve(ex);
      } catch (Refused r) {
        sendJson(ex, r.status, Map.of("error", r.getMessage()));
      } catch (IllegalArgumentException | NullPointerException e) {
        sendJson(ex, 400, Map.of("error", String.valueOf(e.getMessage())));
      } catch (IllegalStateException e) {
        sendJson(ex, 503, Map.of("error", "the store is not available: " + e.getMessage()));
      } catch (RuntimeException e) {
        sendJson(ex, 500, Map.of("error", "store error: " + e));
      }
    } finally {
      ex.close();
    }
  }

  private void serve(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().getRawPath();
    Map<String, String> query = parseQuery(ex.getRequestURI().getRawQuery());
    if (allowedHosts != null) {
      String host = ex.getRequestHeaders().getFirst("Host");
      if (host == null || !allowedHosts.contains(host.toLowerCase(Locale.ROOT))) {
        throw new Refused(403, "Host '" + host + "' is not this console's address");
      }
    }
    boolean get = method.equals("GET") || method.equals("HEAD");
    if (!get && !method.equals("POST")) {
      ex.getResponseHeaders().set("Allow", "GET, POST");
      throw new Refused(405, method + " is not allowed: GET reads, POST writes");
    }
    if (get && path.equals("/") && query.containsKey("token")) {
      if (!tokenMatches(query.get("token"))) {
        throw new Refused(403, "wrong token: open the URL the console printed at start");
      }
      ex.getResponseHeaders().add("Set-Cookie", cookieName + "=" + tokenText
          + "; Path=/; HttpOnly; SameSite=Strict");
      ex.getResponseHeaders().set("Location", "/");
      ex.sendResponseHeaders(303, -1);
      return;
    }
    String headerToken = ex.getRequestHeaders().getFirst(TOKEN_HEADER);
    String cookieToken = cookie(ex);
    boolean byHeader = headerToken != null && tokenMatches(headerToken);
    boolean byCookie = cookieToken != null && tokenMatches(cookieToken);
    if (!byHeader && !byCookie) {
      if (headerToken == null && cookieToken == null) {
        throw new Refused(401, "this console needs its token: open the URL it printed at start,"
            + " or send the " + TOKEN_HEADER + " header");
      }
      throw new Refused(403, "wrong token: open the URL the console printed at start");
    }
    if (get) {
      read(ex, path, query);
    } else {
      if (!byHeader) {
        throw new Refused(403, "a write needs the token in the " + TOKEN_HEADER + " header");
      }
      String origin = ex.getRequestHeaders().getFirst("Origin");
      String own = "http://" + ex.getRequestHeaders().getFirst("Host");
      if (origin != null && !origin.equalsIgnoreCase(own)) {
        throw new Refused(403, "cross-origin write refused (Origin " + origin + ")");
      }
      String site = ex.getRequestHeaders().getFirst("Sec-Fetch-Site");
      if (site != null && !site.equals("same-origin")) {
        throw new Refused(403, "cross-site write refused (Sec-Fetch-Site " + site + ")");
      }
      String type = ex.getRequestHeaders().getFirst("Content-Type");
      if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
        throw new Refused(415, "a write needs a JSON body (Content-Type: application/json)");
      }
      if (options.readOnly()) {
        throw new Refused(403, "this console is read-only");
      }
      write(ex, path, body(ex));
    }
  }

  private boolean tokenMatches(String candidate) {
    return MessageDigest.isEqual(token, candidate.getBytes(StandardCharsets.UTF_8));
  }

  private String cookie(HttpExchange ex) {
    List<String> all = ex.getRequestHeaders().get("Cookie");
    if (all == null) {
      return null;
    }
    for (String header : all) {
      for (String part : header.split(";")) {
        String p = part.strip();
        if (p.startsWith(cookieName + "=")) {
          return p.substring(cookieName.length() + 1);
        }
      }
    }
    return null;
  }

  private static Map<String, String> parseQuery(String raw) {
    Map<String, String> m = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return m;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      m.putIfAbsent(URLDecoder.decode(k, StandardCharsets.UTF_8),
          URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return m;
  }

  private static JsonNode body(HttpExchange ex) throws IOException {
    byte[] b = ex.getRequestBody().readNBytes(MAX_BODY + 1);
    if (b.length > MAX_BODY) {
      throw new Refused(413, "request body over " + MAX_BODY + " bytes");
    }
    try {
      JsonNode n = Shown.MAPPER.readTree(b);
      if (n == null || !n.isObject()) {
        throw new Refused(400, "the body must be a JSON object");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw new Refused(400, "the body is not JSON: " + e.getOriginalMessage());
    }
  }

  // ------------------------------------------------------------------ reads

  private void read(HttpExchange ex, String path, Map<String, String> q) throws IOException {
    Resource r = resources.get(path);
    if (r != null) {
      ex.getResponseHeaders().set("Content-Type", r.type());
      if (ex.getRequestMethod().equals("HEAD")) {
        ex.sendResponseHeaders(200, -1);
        return;
      }
      ex.sendResponseHeaders(200, r.bytes().length);
      ex.getResponseBody().write(r.bytes());
      return;
    }
    Object answer = switch (path) {
      case "/api/session" -> session();
      case "/api/queues" -> queues();
      case "/api/peek" -> peek(required(q, "queue"), limit(q, 50));
      case "/api/items" -> items(required(q, "pk"), q.get("prefix"), limit(q, 100));
      default -> throw new Refused(404, "no such page: " + path);
    };
    sendJson(ex, 200, answer);
  }

  private static String required(Map<String, String> q, String name) {
    String v = q.get(name);
    if (v == null || v.isEmpty()) {
      throw new Refused(400, "parameter '" + name + "' is required");
    }
    return v;
  }

  private static int limit(Map<String, String> q, int dflt) {
    String v = q.get("limit");
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < 1 || n > MAX_LIMIT) {
        throw new Refused(400, "limit must be between 1 and " + MAX_LIMIT + ", was " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new Refused(400, "limit must be a number, was '" + v + "'");
    }
  }

  private Map<String, Object> session() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("token", tokenText);
    m.put("readOnly", options.readOnly());
    m.put("pollMillis", options.pollInterval().toMillis());
    m.put("maxDataChars", options.maxDataChars());
    m.put("store", db.getClass().getSimpleName());
    m.put("formatVersion", tools.formatVersion());
    return m;
  }

  /** The queue {@code name} dead-letters for, or null if it is not a dead-letter queue. */
  private String deadLetterOf(String name) {
    String explicit = options.deadLetterQueues().get(name);
    if (explicit != null) {
      return explicit;
    }
    if (name.endsWith(DLQ_SUFFIX) && name.length() > DLQ_SUFFIX.length()) {
      return name.substring(0, name.length() - DLQ_SUFFIX.length());
    }
    return null;
  }

  private Map<String, Object> queues() {
    List<String> names = tools.queueNames();
    Set<String> present = new HashSet<>(names);
    Map<String, String> dlqOf = new HashMap<>();
    for (String n : names) {
      String of = deadLetterOf(n);
      if (of != null) {
        dlqOf.putIfAbsent(of, n);
      }
    }
    options.deadLetterQueues().forEach((dlq, q) -> {
      if (present.contains(dlq)) {
        dlqOf.put(q, dlq);
      }
    });
    Map<String, QueueStats> stats = new HashMap<>();
    for (String n : names) {
      stats.put(n, db.queueStats(n));
    }
    List<Object> list = new ArrayList<>();
    for (String n : names) {
      QueueStats s = stats.get(n);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", n);
      m.put("available", s.available());
      m.put("inFlight", s.inFlight());
      m.put("delayed", s.delayed());
      m.put("oldestAvailableAgeSeconds", s.oldestAvailableAgeSeconds());
      m.put("deadLetterOf", deadLetterOf(n));
      String dlq = dlqOf.get(n);
      m.put("deadLetterQueue", dlq);
      QueueStats d = dlq == null ? null : stats.get(dlq);
      m.put("deadLetterDepth", d == null ? 0 : d.available() + d.inFlight() + d.delayed());
      list.add(m);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("now", System.currentTimeMillis());
    m.put("queues", list);
    return m;
  }

  private Map<String, Object> peek(String queue, int limit) {
    List<QueueRecord> entries = tools.peek(queue, limit);
    List<Object> list = new ArrayList<>();
    for (QueueRecord e : entries) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("sk", e.sk());
      m.put("state", e.state().label());
      m.put("available", e.state().available());
      m.put("attempts", e.attempts());
      m.put("untilMillis", e.untilMillis());
      m.put("enqueuedAtMillis", e.enqueuedAtMillis());
      m.putAll(Shown.of(e.value(), options.maxDataChars()));
      list.add(m);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("queue", queue);
    m.put("now", System.currentTimeMillis());
    m.put("limit", limit);
    m.put("more", entries.size() == limit);
    m.put("entries", list);
    return m;
  }

  private Map<String, Object> items(String pk, String prefix, int limit) {
    String p = prefix == null || prefix.isEmpty() ? null : prefix;
    List<ItemRecord> found = tools.query(new Query(pk, p, false, limit + 1));
    List<Object> list = new ArrayList<>();
    for (ItemRecord r : found.subList(0, Math.min(limit, found.size()))) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("pk", r.pk());
      m.put("sk", r.sk());
      m.put("ttl", r.ttl());
      m.putAll(Shown.of(r.value(), options.maxDataChars()));
      list.add(m);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pk", pk);
    m.put("prefix", p);
    m.put("limit", limit);
    m.put("more", found.size() > limit);
    m.put("items", list);
    return m;
  }

  // ------------------------------------------------------------------ writes

  private static String text(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || !n.isTextual() || n.textValue().isEmpty()) {
      throw new Refused(400, "field '" + field + "' (a non-empty string) is required");
    }
    return n.textValue();
  }

  private void write(HttpExchange ex, String path, JsonNode body) throws IOException {
    Object answer = switch (path) {
      case "/api/redrive" -> redrive(body);
      case "/api/delete" -> delete(body);
      default -> throw new Refused(404, "no such action: " + path);
    };
    sendJson(ex, 200, answer);
  }

  private Map<String, Object> redrive(JsonNode body) {
    String from = text(body, "from");
    String to = text(body, "to");
    if (!from.equals(body.path("confirm").asText(null))) {
      throw new Refused(400, "a redrive must be confirmed: 'confirm' must repeat the queue"
          + " name '" + from + "'");
    }
    if (from.equals(to)) {
      throw new Refused(400, "from and to must differ (both '" + from + "')");
    }
    tools.queueExists(to); // checks the name before anything moves
    long moved = tools.queueExists(from) ? db.queueRedrive(from, to) : 0;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("from", from);
    m.put("to", to);
    m.put("moved", moved);
    return m;
  }

  private Map<String, Object> delete(JsonNode body) {
    String queue = text(body, "queue");
    String sk = text(body, "sk");
    if (!sk.equals(body.path("confirm").asText(null))) {
      throw new Refused(400, "a delete must be confirmed: 'confirm' must repeat the entry's sk '"
          + sk + "'");
    }
    db.queueAcknowledge(ItemKey.of(queue, sk));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("queue", queue);
    m.put("sk", sk);
    m.put("deleted", true);
    return m;
  }

  // ------------------------------------------------------------------ answers

  private static void sendJson(HttpExchange ex, int status, Object value) throws IOException {
    byte[] b = Shown.MAPPER.writeValueAsBytes(value);
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }
}
