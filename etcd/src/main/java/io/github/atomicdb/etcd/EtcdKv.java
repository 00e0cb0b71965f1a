package io.github.atomicdb.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.github.atomicdb.AtomicDbException;
import io.github.atomicdb.spi.KvConflictException;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.KvOutcomeUnknownException;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.KvTxn;
import io.github.atomicdb.spi.KvWatch;
import io.github.atomicdb.spi.Space;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/*
 * The etcd backend.
 *
 * Keys: "atomicdb/" + namespace + "/" + one byte per Space ('i' items, 'l' locks, 'q' queue
 * entries, 'x' queue indexes; 'm' is this backend's own meta record) + the engine's key bytes.
 * A namespace is [A-Za-z0-9._-]+ and ends in '/', so no namespace's keys are a prefix of
 * another's, and every range this backend reads stays inside one space of one namespace.
 *
 * Reads: get and the first read of a transaction or a scan are linearizable (etcd's default:
 * a ReadIndex round through the leader), so they see every commit acknowledged before they
 * started. Every later read of the same multiGet, scan or transaction is pinned to the revision
 * the first one returned (header.revision) and is served serializable: history at a revision the
 * member has applied never changes, and a member that has not applied it yet answers "future
 * revision", which is retried. multiGet is a read-only etcd txn of range ops (one round trip per
 * maxTxnOps keys); a scan reads pages of [from, to) with a limit, continuing after the last key.
 * etcd 3.4 walks the whole range on the server even with a limit (and sorts it all for a
 * descending scan), so a range's cost grows with the range: the engine must keep the ranges
 * of hot paths small.
 *
 * A scan reads its first page inside scan(), so its snapshot is the state when it was called. A
 * transaction's snapshot is the state when transact() was called: see Snapshot for how its first
 * read, which comes later, is kept from seeing this store's commits of the meantime.
 *
 * Transactions (optimistic, like RocksDB's OptimisticTransactionDB): reads happen at one
 * revision R; getForUpdate records each key's mod_revision at R (0 = absent), or the cached one
 * (see Read cache below); puts and deletes
 * are buffered, last write wins per key (etcd refuses a key twice in one txn). Commit = one etcd
 * txn: If(mod_revision(k) == recorded, for every key read for update) Then(the writes). A false
 * If is a conflict (KvConflictException), nothing written. A body that wrote nothing commits
 * nothing; a body that only read validates its reads for update with txns of compares only (a
 * changed key is a conflict there too). A read at a revision compacted meanwhile is a conflict
 * (the body runs again on a fresh snapshot). A KvTxn, and the cursors it opened, throw
 * IllegalStateException once the body has ended; close() from inside a body is refused.
 *
 * Read cache (ReadCache): what this process learned of keys, as (value, mod_revision, the
 * revision it was true at), from get, from getForUpdate's fresh reads, and from its own
 * acknowledged commits (a put key holds the value at the commit's revision, a deleted key is
 * absent = mod_revision 0, which is what etcd compares for a key that does not exist; a key read
 * for update and not written is unchanged at that revision). getForUpdate takes a key from it
 * instead of reading etcd, and records the cached mod_revision exactly like a read's, so the
 * commit's If compares it: a stale entry cannot commit, it costs a conflict. Rules:
 * - An entry serves only transactions that started after it was learned (its stamp is the
 *   sequence when it was recorded, below the transaction's start): such an entry was true at a
 *   revision at or below the transaction's snapshot, so when the commit's compare holds, it held
 *   the same value at the snapshot, and the transaction saw one consistent state. A commit of
 *   this store issued after transact() is never served to that transaction.
 * - A newer fact replaces an older one, never the reverse (by the revision it was true at).
 * - A write whose outcome is unknown (or that failed) drops its keys.
 * - A conflict (failed commit or failed validation) on a key this process knows no newer version
 *   of (so another process wrote it) drops the entry, keeps facts older than the conflict out, and
 *   serves nothing of that key for 2 s (ReadCache.HOT_NANOS): a key that other processes write
 *   too is read fresh, as without the cache, instead of costing a failed commit each time.
 * - A body that throws after being served from the cache (and whose own reads did not fail) may
 *   have decided on a stale value: the served keys are validated (compares only); if one changed,
 *   it is suspected as above and the body runs again in a new transaction (at most 3 runs), else
 *   its exception passes through. A conflict the body reached is the caller's to retry.
 * Bound: 4096 keys and 4 MiB of keys and values, least recently used evicted; values over 64 KiB
 * are not kept. Per queue cycle of one process (push, pull, acknowledge) this leaves the push's
 * read of its new entry's key (never seen before), the pull's index scan and three commits.
 *
 * Limits: etcd refuses a txn with more than --max-txn-ops compares or ops (128 by default) or a
 * request larger than --max-request-bytes (1.5 MiB). Commits are checked against both before
 * anything is sent (IllegalArgumentException naming the limit); limits() gives them to the
 * engine, which must chunk its own work.
 *
 * Failures and retries: every call carries a gRPC deadline (requestTimeout) and the whole
 * operation a deadline (operationTimeout); between attempts the backoff doubles from 10 ms to
 * 1 s with jitter, so nothing spins. jetcd's own retries are switched off (it would retry txns
 * on UNAVAILABLE, which is not safe for a write whose outcome is unknown), and waitForReady is
 * off so a call to a cluster with no reachable member fails fast (never sent: safe to retry).
 * Reads retry every transient failure. Writes retry only failures that prove the request was
 * not applied (connection refused before sending, "no leader", "too many requests", a dropped
 * proposal); any other transient failure of a write (deadline, connection lost after sending,
 * "request timed out", "leader changed") may have applied and throws
 * KvOutcomeUnknownException. When the operation deadline passes, the error says how long
 * and how many attempts, with the last failure: that is what callers see while there is no
 * quorum.
 *
 * Watches (watch()): one etcd watch per call, puts only, acknowledged by etcd (created notify)
 * before watch() returns; jetcd resumes a broken watch stream from its last revision, and a
 * watch it cannot resume ends with Listener.lost().
 *
 * Thread-safety: the store is thread-safe (jetcd's client is); a transaction and a cursor
 * belong to one thread. close() closes the jetcd client (and its watches); later calls, and
 * steps of cursors still open, throw IllegalStateException; a cursor closed or exhausted before
 * returns false.
 */
/**
 * {@link KvStore} over an etcd v3 cluster (3.4 or later) through jetcd, with a bounded cache of
 * what it read and committed that getForUpdate validates at commit (see the design comment).
 * Thread-safe. Not API: used by {@code AtomicEtcdDb}.
 */
public final class EtcdKv implements KvStore {
  /** Format of the keys and records this backend writes; stored in the namespace's meta record. */
  public static final int FORMAT_VERSION = 1;

  private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final byte META_TAG = 'm';
  private static final byte[] FORMAT_KEY = "format".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TOMBSTONE = new byte[0];
  private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** Scan pages after the first (whose size is the limit hint when there is one). */
  static final int PAGE = 256;
  /** Protobuf framing per compare / put / delete, rounded up (tags, lengths, enums, revision). */
  private static final int CMP_OVERHEAD = 32;
  private static final int PUT_OVERHEAD = 24;
  private static final int DELETE_OVERHEAD = 16;
  /** etcd adds a request header to the request it checks against --max-request-bytes. */
  private static final int REQUEST_MARGIN = 1024;

  /**
   * Connection and limit settings.
   *
   * @param requestTimeout gRPC deadline of each call to etcd
   * @param operationTimeout deadline of one store operation including its retries
   * @param maxTxnOps the cluster's --max-txn-ops (etcd default 128)
   * @param maxRequestBytes the cluster's --max-request-bytes (etcd default 1.5 MiB)
   */
  public record Settings(
      Duration requestTimeout, Duration operationTimeout, int maxTxnOps, int maxRequestBytes) {
    public Settings {
      Objects.requireNonNull(requestTimeout, "requestTimeout must not be null");
      Objects.requireNonNull(operationTimeout, "operationTimeout must not be null");
      if (requestTimeout.isNegative() || requestTimeout.isZero()) {
        throw new IllegalArgumentException("requestTimeout must be positive, was " + requestTimeout);
      }
      if (operationTimeout.compareTo(requestTimeout) < 0) {
        throw new IllegalArgumentException("operationTimeout (" + operationTimeout
            + ") must be at least requestTimeout (" + requestTimeout + ")");
      }
      if (maxTxnOps < 2) {
        throw new IllegalArgumentException("maxTxnOps must be at least 2, was " + maxTxnOps);
      }
      if (maxRequestBytes < 64 * 1024) {
        throw new IllegalArgumentException("maxRequestBytes must be at least 64 KiB, was " + maxRequestBytes);
      }
    }

    /** etcd's defaults: 128 operations and 1.5 MiB per request; 5 s per call, 15 s per operation. */
    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(5), Duration.ofSeconds(15), 128, 1536 * 1024);
    }
  }

  /**
   * What one commit may hold: at most {@code maxOps} distinct written keys and at most {@code
   * maxOps} keys read for update, and at most {@code maxBytes} of keys, values and framing.
   */
  public record Limits(int maxOps, int maxBytes) {}

  private final Client client;
  private final KV kv;
  private final byte[] prefix;
  private final Settings settings;
  private final Limits limits;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Transaction bodies of this store running on the current thread. */
  private final ThreadLocal<int[]> bodies = new ThreadLocal<>();
  /** Orders transaction starts and commit issues of this store (see Snapshot). */
  private final AtomicLong sequence = new AtomicLong();
  /** Transactions that began and have not read yet: their snapshot revision is not fixed. */
  private final Set<Snapshot> unsettled = ConcurrentHashMap.newKeySet();
  /** Values and mod_revisions this process read or committed (see the design comment). */
  private final ReadCache cache = new ReadCache();
  /** Calls sent to etcd, retries included. */
  private final AtomicLong calls = new AtomicLong();

  private EtcdKv(Client client, byte[] prefix, Settings settings) {
    this.client = client;
    this.kv = client.getKVClient();
    this.prefix = prefix;
    this.settings = settings;
    this.limits = new Limits(settings.maxTxnOps(), settings.maxRequestBytes() - REQUEST_MARGIN);
  }

  /**
   * Connects to the cluster at {@code endpoints}, checks it answers and that {@code namespace}
   * holds no data of a newer format, and records the format in a new namespace.
   *
   * @throws IllegalArgumentException if an endpoint or the namespace is malformed
   * @throws AtomicDbException if the cluster cannot be reached within the operation timeout, or
   *     the namespace was written by a newer version
   */
  public static EtcdKv open(List<String> endpoints, String namespace, Settings settings) {
    return open(endpoints, namespace, settings, null);
  }

  /**
   * TLS to the cluster's client URLs ({@code https://}).
   *
   * @param trustedCa PEM file of the CA certificates to trust, or null for the JVM's default
   * @param clientCert PEM file of this client's certificate chain (etcd --client-cert-auth), or
   *     null
   * @param clientKey PEM file of its private key (PKCS#8), given exactly when clientCert is
   */
  public record Tls(Path trustedCa, Path clientCert, Path clientKey) {
    public Tls {
      if ((clientCert == null) != (clientKey == null)) {
        throw new IllegalArgumentException("clientCert and clientKey go together: give both or neither");
      }
      for (Path p : new Path[] {trustedCa, clientCert, clientKey}) {
        if (p != null && !Files.isReadable(p)) {
          throw new IllegalArgumentException("TLS file " + p + " does not exist or is not readable");
        }
      }
    }
  }

  /**
   * {@link #open(List, String, Settings)} over TLS when {@code tls} is not null: then every
   * endpoint must be {@code https://}; without it, every endpoint {@code http://}.
   */
  public static EtcdKv open(List<String> endpoints, String namespace, Settings settings, Tls tls) {
    Objects.requireNonNull(endpoints, "endpoints must not be null");
    Objects.requireNonNull(settings, "settings must not be null");
    byte[] prefix = prefixOf(namespace);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("endpoints must not be empty");
    }
    for (int i = 0; i < endpoints.size(); i++) {
      checkEndpoint(endpoints.get(i), "endpoints[" + i + "]");
    }
    checkSchemes(endpoints, tls != null);
    long deadlineMs = settings.requestTimeout().toMillis();
    ClientInterceptor deadline = new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(
          MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        // Unary calls only: a watch or lease stream must not end after requestTimeout.
        boolean unary = method.getType() == MethodDescriptor.MethodType.UNARY;
        return next.newCall(method, unary && options.getDeadline() == null
            ? options.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS) : options);
      }
    };
    ClientBuilder builder = Client.builder()
        .endpoints(endpoints.toArray(String[]::new))
        .retryMaxAttempts(0) // retries are ours (see the design comment)
        .waitForReady(false)
        .connectTimeout(Duration.ofMillis(Math.min(deadlineMs, 2000)))
        .maxInboundMessageSize(64 << 20)
        .interceptor(deadline);
    if (tls != null) {
      try {
        builder.sslContext(ssl -> {
          if (tls.trustedCa() != null) {
            ssl.trustManager(tls.trustedCa().toFile());
          }
          if (tls.clientCert() != null) {
            ssl.keyManager(tls.clientCert().toFile(), tls.clientKey().toFile());
          }
        });
      } catch (SSLException | RuntimeException e) {
        throw new IllegalArgumentException("cannot use the TLS files " + tls + ": " + e.getMessage(), e);
      }
    }
    Client client = builder.build();
    EtcdKv store = new EtcdKv(client, prefix, settings);
    try {
      store.checkFormat(namespace, endpoints);
      return store;
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** Checks that the endpoints are all https:// when {@code tls}, else all http://. */
  static void checkSchemes(List<String> endpoints, boolean tls) {
    String want = tls ? "https" : "http";
    for (int i = 0; i < endpoints.size(); i++) {
      if (!endpoints.get(i).startsWith(want + "://")) {
        throw new IllegalArgumentException("endpoints[" + i + "] is \"" + endpoints.get(i) + "\": "
            + (tls ? "with TLS every endpoint must be https://" : "an https:// endpoint needs TLS: call tls(...)")
            + " (all endpoints use one scheme)");
      }
    }
  }

  /**
   * Checks that {@code endpoint} is a client URL {@code http://host:port} or {@code
   * https://host:port}.
   *
   * @return {@code endpoint}
   */
  static String checkEndpoint(String endpoint, String field) {
    Objects.requireNonNull(endpoint, field + " must not be null");
    URI u;
    try {
      u = new URI(endpoint);
    } catch (URISyntaxException e) {
      u = null;
    }
    boolean ok = u != null && ("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
        && u.getHost() != null && u.getPort() > 0 && (u.getRawPath() == null || u.getRawPath().isEmpty()
            || u.getRawPath().equals("/")) && u.getRawQuery() == null && u.getRawUserInfo() == null;
    if (!ok) {
      throw new IllegalArgumentException(
          field + " must be an etcd client URL like http://host:port or https://host:port, was \""
              + endpoint + "\"");
    }
    return endpoint;
  }

  /** The key prefix of {@code namespace}: "atomicdb/" + namespace + "/". */
  static byte[] prefixOf(String namespace) {
    Objects.requireNonNull(namespace, "namespace must not be null");
    if (!NAMESPACE.matcher(namespace).matches()) {
      throw new IllegalArgumentException("namespace must be 1 to 128 characters of A-Z a-z 0-9 . _ -, was \""
          + namespace + "\"");
    }
    return ("atomicdb/" + namespace + "/").getBytes(StandardCharsets.US_ASCII);
  }

  private void checkFormat(String namespace, List<String> endpoints) {
    byte[] key = full(META_TAG, FORMAT_KEY);
    byte[] mine = Integer.toString(FORMAT_VERSION).getBytes(StandardCharsets.US_ASCII);
    TxnResponse r;
    try {
      // Put-if-absent: records the format in a new namespace, returns the stored one otherwise.
      r = call("open", false, attempt -> kv.txn()
          .If(new Cmp(seq(key), Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
          .Then(Op.put(seq(key), seq(mine), PutOption.DEFAULT))
          .Else(Op.get(seq(key), GetOption.DEFAULT))
          .commit());
    } catch (AtomicDbException e) {
      throw new AtomicDbException("cannot open etcd namespace \"" + namespace + "\" at " + endpoints
          + ": " + e.getMessage(), e);
    }
    if (!r.isSucceeded()) {
      List<KeyValue> kvs = r.getGetResponses().get(0).getKvs();
      String stored = kvs.isEmpty() ? "?" : kvs.get(0).getValue().toString(StandardCharsets.US_ASCII);
      int version;
      try {
        version = Integer.parseInt(stored);
      } catch (NumberFormatException e) {
        version = Integer.MAX_VALUE;
      }
      if (version > FORMAT_VERSION) {
        throw new AtomicDbException("etcd namespace \"" + namespace + "\" holds format " + stored
            + ", newer than this version reads (" + FORMAT_VERSION + ")");
      }
    }
  }

  /** The commit limits of this cluster: the engine must keep every commit within them. */
  public Limits limits() {
    return limits;
  }

  /** Other processes write the same namespace: every commit validates what it read. */
  @Override
  public boolean singleWriter() {
    return false;
  }

  /**
   * etcd's --max-txn-ops: the most distinct keys one commit writes (and, separately, the most
   * keys it validates).
   */
  @Override
  public int maxOpsPerCommit() {
    return limits.maxOps();
  }

  /**
   * etcd's --max-request-bytes, less what this backend adds to a commit of {@link
   * #maxOpsPerCommit()} writes and as many compares (namespace prefix and protobuf framing per
   * key): what is left for the engine's keys and values.
   */
  @Override
  public long maxBytesPerCommit() {
    long perKey = 2L * (prefix.length + 1) + PUT_OVERHEAD + CMP_OVERHEAD;
    return limits.maxBytes() - limits.maxOps() * perKey;
  }

  // ------------------------------------------------------------------ keys

  private static byte tag(Space space) {
    switch (space) {
      case ITEMS:
        return 'i';
      case LOCKS:
        return 'l';
      case QUEUE:
        return 'q';
      case QINDEX:
        return 'x';
      default:
        throw new IllegalArgumentException("no etcd tag for space " + space);
    }
  }

  private byte[] full(byte tag, byte[] key) {
    byte[] out = new byte[prefix.length + 1 + key.length];
    System.arraycopy(prefix, 0, out, 0, prefix.length);
    out[prefix.length] = tag;
    System.arraycopy(key, 0, out, prefix.length + 1, key.length);
    return out;
  }

  private byte[] full(Space space, byte[] key) {
    return full(tag(space), key);
  }

  /** The engine's key of a full etcd key. */
  private byte[] strip(ByteSequence key) {
    byte[] b = key.getBytes();
    return Arrays.copyOfRange(b, prefix.length + 1, b.length);
  }

  private static ByteSequence seq(byte[] b) {
    return ByteSequence.from(b);
  }

  // ------------------------------------------------------------------ reads

  @Override
  public byte[] get(Space space, byte[] key) {
    byte[] k = full(space, key);
    GetResponse r = call("get", false, attempt -> kv.get(seq(k), GetOption.DEFAULT));
    return learn(k, r.getKvs().isEmpty() ? null : r.getKvs().get(0), r.getHeader().getRevision());
  }

  /** Records in the cache what a read at {@code revision} returned for {@code fullKey}; its value. */
  private byte[] learn(byte[] fullKey, KeyValue e, long revision) {
    byte[] v = e == null ? null : e.getValue().getBytes();
    cache.learn(fullKey, v, e == null ? 0 : e.getModRevision(), revision, sequence.get());
    return v;
  }

  /** Records in the cache the writes of a commit acknowledged at {@code revision}. */
  private void learnWrites(TreeMap<byte[], byte[]> writes, long revision) {
    long stamp = sequence.get();
    for (Map.Entry<byte[], byte[]> w : writes.entrySet()) {
      boolean delete = w.getValue() == TOMBSTONE;
      cache.learn(w.getKey(), delete ? null : w.getValue(), delete ? 0 : revision, revision, stamp);
    }
  }

  /** Calls sent to etcd so far, retries included: tests count round trips with it. */
  long calls() {
    return calls.get();
  }

  /** The read cache, for tests. */
  ReadCache cache() {
    return cache;
  }

  @Override
  public List<byte[]> multiGet(Space space, List<byte[]> keys) {
    checkOpen();
    if (keys.isEmpty()) {
      return List.of();
    }
    if (keys.size() == 1) {
      return Collections.singletonList(get(space, keys.get(0)));
    }
    List<byte[]> out = new ArrayList<>(keys.size());
    long rev = 0;
    int chunk = limits.maxOps();
    int i = 0;
    while (i < keys.size()) {
      int n = Math.min(chunk, keys.size() - i);
      List<ByteSequence> ks = new ArrayList<>(n);
      for (int j = 0; j < n; j++) {
        ks.add(seq(full(space, keys.get(i + j))));
      }
      long at = rev;
      TxnResponse r;
      try {
        r = call("multiGet", false, attempt -> {
          GetOption opt = pinned(GetOption.builder(), at, attempt).build();
          return kv.txn().Then(ks.stream().map(k -> Op.get(k, opt)).toArray(Op[]::new)).commit();
        });
      } catch (ResponseTooLarge e) {
        chunk = Math.max(1, n / 2);
        continue;
      } catch (Compacted e) {
        // The revision of the first chunk is gone: start again from a fresh one.
        out.clear();
        rev = 0;
        i = 0;
        continue;
      }
      if (rev == 0) {
        rev = r.getHeader().getRevision();
      }
      for (GetResponse g : r.getGetResponses()) {
        out.add(g.getKvs().isEmpty() ? null : g.getKvs().get(0).getValue().getBytes());
      }
      i += n;
    }
    return out;
  }

  @Override
  public KvCursor scan(Space space, byte[] from, byte[] to, boolean reverse, int limitHint) {
    checkOpen();
    RangeCursor c = new RangeCursor(space, from, to, reverse, limitHint > 0 ? limitHint : PAGE, new Snapshot(0), null);
    c.prefetch(); // the snapshot is the state when scan is called, not at the first next()
    return c;
  }

  /**
   * The revision every read of one scan or transaction is pinned to.
   *
   * <p>A scan's first read is linearizable and its revision is the snapshot: the read happens
   * inside scan(). A transaction's first read comes later, somewhere in its body, but its
   * snapshot must be the state when transact() was called: its first read is linearizable (it
   * sees every commit acknowledged before transact(), from any process), and no commit this
   * store issued after transact() may be in it. So a transaction's snapshot waits in {@code
   * unsettled} from transact() to the end of its first read, and every commit this store issues
   * after transact() and sees acknowledged meanwhile lowers its {@code ceiling} to just below that
   * commit's revision (every commit acknowledged before transact() has a lower one). When the
   * first read's revision is above the ceiling, the read is done again at the ceiling. Commits of
   * other processes issued after transact() and applied before the first read are in the
   * snapshot: nothing in this process can have seen them before transact().
   */
  private static final class Snapshot {
    /** Position of the transaction's start among commit issues (sequence). */
    final long started;
    long revision; // 0: not read yet
    private long ceiling = Long.MAX_VALUE;

    Snapshot(long started) {
      this.started = started;
    }

    synchronized void lower(long rev) {
      ceiling = Math.min(ceiling, rev);
    }

    synchronized long ceiling() {
      return ceiling;
    }
  }

  /** After a commit issued at {@code issued} was acknowledged at {@code revision}. */
  private void committed(long issued, long revision) {
    for (Snapshot s : unsettled) {
      if (s.started < issued) {
        s.lower(revision - 1);
      }
    }
  }

  /**
   * The revision of a read pinned to {@code snapshot}: the snapshot's when it has one; else
   * fixes it from a first read that answered at {@code answered} and returns it (the caller reads
   * again when it differs from {@code answered}).
   */
  private long settle(Snapshot snapshot, long answered) {
    if (snapshot.revision == 0) {
      unsettled.remove(snapshot);
      snapshot.revision = Math.min(answered, snapshot.ceiling());
    }
    return snapshot.revision;
  }

  /**
   * Pages of {@code [from, to)} read at one revision (the first page's). In a transaction, a
   * compacted revision is a conflict; outside, an error (the scan cannot go on consistently).
   */
  private final class RangeCursor implements KvCursor {
    private final Space space;
    private final boolean reverse;
    private final Snapshot snapshot;
    /** The transaction the cursor reads in, or null. */
    private final Txn txn;
    private final boolean inTxn;
    private boolean done;
    private boolean positioned;
    private byte[] lo; // full key, inclusive
    private byte[] hi; // full key, exclusive
    private int pageSize;
    private List<KeyValue> page = List.of();
    private int i = -1;
    private boolean more = true;
    private byte[] key;
    private byte[] value;

    RangeCursor(Space space, byte[] from, byte[] to, boolean reverse, int firstPage, Snapshot snapshot, Txn txn) {
      this.space = space;
      this.reverse = reverse;
      this.snapshot = snapshot;
      this.txn = txn;
      this.inTxn = txn != null;
      this.lo = full(space, from);
      this.hi = to == null ? endOfSpace(space) : full(space, to);
      this.pageSize = firstPage;
      if (Arrays.compareUnsigned(lo, hi) >= 0) {
        more = false;
      }
    }

    /** Reads the first page now. */
    void prefetch() {
      if (more) {
        fetch();
      }
    }

    @Override
    public boolean next() {
      positioned = false;
      if (done) {
        return false;
      }
      if (closed.get()) {
        throw new IllegalStateException("the etcd store was closed while this cursor was open");
      }
      if (txn != null && txn.ended) {
        throw new IllegalStateException("the transaction that opened this cursor has ended");
      }
      if (++i < page.size()) {
        return current();
      }
      if (more) {
        fetch();
        if (++i < page.size()) {
          return current();
        }
      }
      close();
      return false;
    }

    private boolean current() {
      KeyValue e = page.get(i);
      key = strip(e.getKey());
      value = e.getValue().getBytes();
      positioned = true;
      return true;
    }

    private void fetch() {
      while (true) {
        GetOption.Builder b = GetOption.builder().withRange(seq(hi)).withLimit(pageSize);
        if (reverse) {
          b.withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.DESCEND);
        }
        long rev = snapshot.revision;
        ByteSequence from = seq(lo);
        GetResponse r;
        try {
          r = call("scan", false, attempt -> kv.get(from, pinned(b, rev, attempt).build()));
          long at = settle(snapshot, r.getHeader().getRevision());
          if (at != r.getHeader().getRevision()) {
            r = call("scan", false, attempt -> kv.get(from, pinned(b, at, attempt).build()));
          }
        } catch (ResponseTooLarge e) {
          if (pageSize == 1) {
            failed();
            throw new AtomicDbException("one etcd entry is larger than the client's inbound limit", e);
          }
          pageSize = Math.max(1, pageSize / 2);
          continue;
        } catch (Compacted e) {
          failed();
          if (inTxn) {
            throw new KvConflictException("the transaction's snapshot (etcd revision " + rev
                + ") was compacted while it ran", e);
          }
          throw new AtomicDbException("a scan's snapshot (etcd revision " + rev
              + ") was compacted while it ran; scan again", e);
        } catch (RuntimeException e) {
          failed();
          throw e;
        }
        page = r.getKvs();
        i = -1;
        more = r.isMore() && !page.isEmpty();
        if (!page.isEmpty()) {
          byte[] last = page.get(page.size() - 1).getKey().getBytes();
          if (reverse) {
            hi = last;
          } else {
            lo = Arrays.copyOf(last, last.length + 1); // the next key after last
          }
        }
        pageSize = PAGE;
        return;
      }
    }

    private void failed() {
      if (txn != null) {
        txn.storeFailed = true;
      }
    }

    @Override
    public byte[] key() {
      checkPositioned();
      return key;
    }

    @Override
    public byte[] value() {
      checkPositioned();
      return value;
    }

    private void checkPositioned() {
      if (!positioned) {
        throw new IllegalStateException("no current entry: call next() first, and only while it returns true");
      }
    }

    @Override
    public void close() {
      done = true;
      positioned = false;
      more = false;
      page = List.of();
      i = -1;
      key = null;
      value = null;
    }
  }

  /**
   * Pins a read to {@code rev} (0: none, a linearizable read of the latest state). The first
   * attempt is served serializable by whichever member answers; a retry (e.g. a member that had
   * not applied {@code rev} yet) goes through a linearizable read.
   */
  private static GetOption.Builder pinned(GetOption.Builder b, long rev, int attempt) {
    if (rev != 0) {
      b.withRevision(rev).withSerializable(attempt == 1);
    }
    return b;
  }

  private byte[] endOfSpace(Space space) {
    byte[] p = full(space, new byte[0]);
    p[p.length - 1]++;
    return p;
  }

  // ------------------------------------------------------------------ writes

  @Override
  public void write(List<KvOp> ops) {
    checkOpen();
    if (ops.isEmpty()) {
      return;
    }
    TreeMap<byte[], byte[]> writes = new TreeMap<>(Arrays::compareUnsigned);
    for (KvOp op : ops) {
      writes.put(full(op.space(), op.key()), op.value() == null ? TOMBSTONE : op.value());
    }
    Op[] then = checkedWrites(writes, 0, 0);
    long issued = sequence.incrementAndGet();
    TxnResponse r;
    try {
      r = call("write", true, attempt -> kv.txn().Then(then).commit());
    } catch (RuntimeException e) {
      writes.keySet().forEach(cache::forget); // perhaps applied, perhaps not
      throw e;
    }
    committed(issued, r.getHeader().getRevision());
    learnWrites(writes, r.getHeader().getRevision());
  }

  /** Runs of one transact() call whose body threw on a stale cached value (see below). */
  private static final int MAX_RUNS = 3;

  @Override
  public <T> T transact(Function<KvTxn, T> body) {
    checkOpen();
    for (int run = 1; ; run++) {
      Txn txn = new Txn(new Snapshot(sequence.incrementAndGet()));
      T result;
      try {
        result = runBody(txn, body);
      } catch (RuntimeException e) {
        // A body that threw on a value served from the cache must not have decided on a stale
        // one: unless its own reads failed, the served keys are validated; when one changed, the
        // body runs again in a new transaction, which reads those keys fresh.
        if (e instanceof KvConflictException || txn.storeFailed || txn.served.isEmpty() || closed.get()) {
          throw e;
        }
        boolean current;
        try {
          current = validate(txn, txn.served);
        } catch (RuntimeException v) {
          v.addSuppressed(e);
          throw v;
        }
        if (current) {
          throw e;
        }
        if (run == MAX_RUNS) {
          throw new KvConflictException("etcd: the transaction body threw (" + e + ") " + MAX_RUNS
              + " times after reading values cached by this process that another writer had changed", e);
        }
        continue;
      }
      return commit(txn, result);
    }
  }

  private <T> T runBody(Txn txn, Function<KvTxn, T> body) {
    unsettled.add(txn.snapshot);
    int[] depth = bodies.get();
    if (depth == null) {
      depth = new int[1];
      bodies.set(depth);
    }
    depth[0]++;
    try {
      return body.apply(txn);
    } finally {
      if (--depth[0] == 0) {
        bodies.remove();
      }
      txn.ended = true;
      unsettled.remove(txn.snapshot);
    }
  }

  /**
   * Whether each of {@code keys} (read for update by {@code txn}) still has the mod_revision the
   * transaction recorded: txns of compares only, at most maxOps each. A changed key is suspected
   * in the cache.
   */
  private boolean validate(Txn txn, List<byte[]> keys) {
    for (int i = 0; i < keys.size(); i += limits.maxOps()) {
      List<byte[]> part = keys.subList(i, Math.min(keys.size(), i + limits.maxOps()));
      Cmp[] ifs = part.stream()
          .map(k -> new Cmp(seq(k), Cmp.Op.EQUAL, CmpTarget.modRevision(txn.reads.get(k))))
          .toArray(Cmp[]::new);
      TxnResponse check = call("validate", false, attempt -> kv.txn().If(ifs).commit());
      if (!check.isSucceeded()) {
        suspect(txn, part, check.getHeader().getRevision());
        return false;
      }
    }
    return true;
  }

  /** {@code txn} found one of {@code keys} changed at etcd revision {@code revision}. */
  private void suspect(Txn txn, Iterable<byte[]> keys, long revision) {
    long stamp = sequence.get();
    long now = System.nanoTime();
    for (byte[] k : keys) {
      cache.suspect(k, txn.reads.get(k), revision, stamp, now);
    }
  }

  private String changed(Txn txn) {
    return "etcd: a key read for update changed after "
        + (txn.snapshot.revision == 0 ? "this process last read or wrote it" : "revision " + txn.snapshot.revision)
        + " (" + txn.reads.size() + " keys checked";
  }

  private <T> T commit(Txn txn, T result) {
    if (txn.writes.isEmpty() && txn.reads.isEmpty()) {
      return result;
    }
    checkOpen();
    if (txn.writes.isEmpty()) {
      // Read-only: each key read for update must still be as the snapshot held it (nothing is
      // written, so checking in several steps loses nothing).
      if (!validate(txn, new ArrayList<>(txn.reads.keySet()))) {
        throw new KvConflictException(changed(txn) + ")", null);
      }
      return result;
    }
    Cmp[] ifs = new Cmp[txn.reads.size()];
    int n = 0;
    int cmpBytes = 0;
    for (Map.Entry<byte[], Long> r : txn.reads.entrySet()) {
      ifs[n++] = new Cmp(seq(r.getKey()), Cmp.Op.EQUAL, CmpTarget.modRevision(r.getValue()));
      cmpBytes += r.getKey().length + CMP_OVERHEAD;
    }
    Op[] then = checkedWrites(txn.writes, ifs.length, cmpBytes);
    long issued = sequence.incrementAndGet();
    TxnResponse r;
    try {
      r = call("commit", true, attempt -> kv.txn().If(ifs).Then(then).commit());
    } catch (RuntimeException e) {
      txn.writes.keySet().forEach(cache::forget); // perhaps applied, perhaps not
      throw e;
    }
    long revision = r.getHeader().getRevision();
    if (!r.isSucceeded()) {
      suspect(txn, txn.reads.keySet(), revision);
      throw new KvConflictException(changed(txn) + "); nothing was written", null);
    }
    committed(issued, revision);
    long stamp = sequence.get();
    for (Map.Entry<byte[], Long> read : txn.reads.entrySet()) {
      if (!txn.writes.containsKey(read.getKey())) {
        // The commit's compare proved it unchanged up to this revision.
        byte[] v = txn.readValues.get(read.getKey());
        cache.learn(read.getKey(), v == TOMBSTONE ? null : v, read.getValue(), revision, stamp);
      }
    }
    learnWrites(txn.writes, revision);
    return result;
  }

  /**
   * The etcd ops of {@code writes}, after checking that they and {@code compares} checks of
   * {@code compareBytes} fit in one etcd transaction.
   */
  private Op[] checkedWrites(TreeMap<byte[], byte[]> writes, int compares, int compareBytes) {
    if (writes.size() > limits.maxOps() || compares > limits.maxOps()) {
      throw new IllegalArgumentException("commit too large for one etcd transaction: " + writes.size()
          + " keys written and " + compares + " keys checked, at most " + limits.maxOps()
          + " of each per transaction (etcd --max-txn-ops)");
    }
    long bytes = compareBytes;
    Op[] ops = new Op[writes.size()];
    int i = 0;
    for (Map.Entry<byte[], byte[]> w : writes.entrySet()) {
      byte[] v = w.getValue();
      if (v == TOMBSTONE) {
        bytes += w.getKey().length + DELETE_OVERHEAD;
        ops[i++] = Op.delete(seq(w.getKey()), DeleteOption.DEFAULT);
      } else {
        bytes += w.getKey().length + v.length + PUT_OVERHEAD;
        ops[i++] = Op.put(seq(w.getKey()), seq(v), PutOption.DEFAULT);
      }
    }
    if (bytes > limits.maxBytes()) {
      throw new IllegalArgumentException("commit too large for one etcd transaction: about " + bytes
          + " bytes, at most " + limits.maxBytes() + " per transaction (etcd --max-request-bytes "
          + settings.maxRequestBytes() + " less framing)");
    }
    return ops;
  }

  /** One transaction body's view: reads at one revision, buffered writes. Not thread-safe. */
  private final class Txn implements KvTxn {
    final Snapshot snapshot;
    /** Set when the body has returned or thrown: every method throws then. */
    boolean ended;
    /** Full key read for update to its mod_revision at the snapshot (0 = absent). */
    final TreeMap<byte[], Long> reads = new TreeMap<>(Arrays::compareUnsigned);
    /** Full key read for update to its value at the snapshot (TOMBSTONE = absent). */
    final TreeMap<byte[], byte[]> readValues = new TreeMap<>(Arrays::compareUnsigned);
    /** Full key to the value to write (TOMBSTONE = delete); last write wins. */
    final TreeMap<byte[], byte[]> writes = new TreeMap<>(Arrays::compareUnsigned);
    /** Full keys read for update whose value came from the cache. */
    final List<byte[]> served = new ArrayList<>();
    /** Set when one of this transaction's reads failed. */
    boolean storeFailed;

    Txn(Snapshot snapshot) {
      this.snapshot = snapshot;
    }

    private void checkLive() {
      if (ended) {
        throw new IllegalStateException("transaction already ended: use a KvTxn only inside its body");
      }
      checkOpen();
    }

    @Override
    public byte[] getForUpdate(Space space, byte[] key) {
      checkLive();
      byte[] k = full(space, key);
      byte[] own = writes.get(k);
      if (own != null) {
        return own == TOMBSTONE ? null : own;
      }
      byte[] seen = readValues.get(k);
      if (seen != null) {
        return seen == TOMBSTONE ? null : seen;
      }
      if (serve(k)) {
        seen = readValues.get(k);
        return seen == TOMBSTONE ? null : seen;
      }
      long rev = snapshot.revision;
      GetResponse r;
      long at;
      try {
        r = call("getForUpdate", false, attempt -> kv.get(seq(k), pinned(GetOption.builder(), rev, attempt).build()));
        at = settle(snapshot, r.getHeader().getRevision());
        if (at != r.getHeader().getRevision()) {
          r = call("getForUpdate", false, attempt -> kv.get(seq(k), pinned(GetOption.builder(), at, attempt).build()));
        }
      } catch (Compacted e) {
        storeFailed = true;
        throw new KvConflictException("the transaction's snapshot (etcd revision " + snapshot.revision
            + ") was compacted while it ran", e);
      } catch (RuntimeException e) {
        storeFailed = true;
        throw e;
      }
      return record(k, r.getKvs().isEmpty() ? null : r.getKvs().get(0), at);
    }

    /**
     * Takes {@code k}'s value from the cache when an entry may serve this transaction (learned
     * before it started, not hot): recorded like a read, compared at commit like one.
     */
    private boolean serve(byte[] k) {
      ReadCache.Entry e = cache.lookup(k, snapshot.started, System.nanoTime());
      if (e == null) {
        return false;
      }
      served.add(k);
      reads.put(k, e.modRevision());
      readValues.put(k, e.value() == null ? TOMBSTONE : e.value());
      return true;
    }

    /**
     * The keys not yet known to this transaction are read in read-only etcd txns of up to
     * maxTxnOps range ops: one round trip for up to 128 keys.
     */
    @Override
    public List<byte[]> getForUpdate(Space space, List<byte[]> keys) {
      checkLive();
      List<byte[]> fulls = new ArrayList<>(keys.size());
      List<byte[]> unknown = new ArrayList<>();
      for (byte[] key : keys) {
        byte[] k = full(space, key);
        fulls.add(k);
        if (!writes.containsKey(k) && !readValues.containsKey(k) && !serve(k)) {
          unknown.add(k);
        }
      }
      int chunk = limits.maxOps();
      for (int i = 0; i < unknown.size(); ) {
        if (unknown.size() - i == 1) {
          getForUpdate(space, Arrays.copyOfRange(unknown.get(i), prefix.length + 1, unknown.get(i).length));
          i++;
          continue;
        }
        List<ByteSequence> ks = new ArrayList<>();
        for (int j = i; j < Math.min(unknown.size(), i + chunk); j++) {
          ks.add(seq(unknown.get(j)));
        }
        long rev = snapshot.revision;
        TxnResponse r;
        long at;
        try {
          r = call("getForUpdate", false, attempt -> {
            GetOption opt = pinned(GetOption.builder(), rev, attempt).build();
            return kv.txn().Then(ks.stream().map(k -> Op.get(k, opt)).toArray(Op[]::new)).commit();
          });
          at = settle(snapshot, r.getHeader().getRevision());
          if (at != r.getHeader().getRevision()) {
            r = call("getForUpdate", false, attempt -> {
              GetOption opt = pinned(GetOption.builder(), at, attempt).build();
              return kv.txn().Then(ks.stream().map(k -> Op.get(k, opt)).toArray(Op[]::new)).commit();
            });
          }
        } catch (ResponseTooLarge e) {
          chunk = Math.max(1, chunk / 2);
          continue;
        } catch (Compacted e) {
          storeFailed = true;
          throw new KvConflictException("the transaction's snapshot (etcd revision " + snapshot.revision
              + ") was compacted while it ran", e);
        } catch (RuntimeException e) {
          storeFailed = true;
          throw e;
        }
        List<GetResponse> got = r.getGetResponses();
        for (int j = 0; j < ks.size(); j++) {
          record(unknown.get(i + j), got.get(j).getKvs().isEmpty() ? null : got.get(j).getKvs().get(0), at);
        }
        i += ks.size();
      }
      List<byte[]> out = new ArrayList<>(keys.size());
      for (byte[] k : fulls) {
        byte[] v = writes.get(k);
        if (v == null) {
          v = readValues.get(k);
        }
        out.add(v == TOMBSTONE ? null : v);
      }
      return out;
    }

    /** Records what the read at revision {@code at} returned for {@code fullKey}; its value. */
    private byte[] record(byte[] fullKey, KeyValue e, long at) {
      reads.put(fullKey, e == null ? 0L : e.getModRevision());
      byte[] v = learn(fullKey, e, at);
      readValues.put(fullKey, v == null ? TOMBSTONE : v);
      return v;
    }

    @Override
    public void put(Space space, byte[] key, byte[] value) {
      checkLive();
      Objects.requireNonNull(value, "value must not be null");
      writes.put(full(space, key), value);
    }

    @Override
    public void delete(Space space, byte[] key) {
      checkLive();
      writes.put(full(space, key), TOMBSTONE);
    }

    @Override
    public KvCursor scan(Space space, byte[] from, byte[] to, boolean reverse) {
      checkLive();
      return new RangeCursor(space, from, to, reverse, PAGE, snapshot, this);
    }
  }

  // ------------------------------------------------------------------ watches

  /**
   * An etcd watch on the prefix (puts only), opened before this returns: etcd has acknowledged
   * it (created notify), so every commit after the return is notified. jetcd resumes a watch
   * whose stream broke from the last revision it delivered; a watch it cannot resume (its
   * revision was compacted, the client closed) ends with {@link KvWatch.Listener#lost()}.
   *
   * @throws AtomicDbException if etcd did not acknowledge the watch within the request timeout
   */
  @Override
  public Optional<KvWatch> watch(Space space, byte[] prefix, KvWatch.Listener listener) {
    checkOpen();
    Objects.requireNonNull(listener, "listener must not be null");
    int strip = this.prefix.length + 1;
    CountDownLatch created = new CountDownLatch(1);
    AtomicBoolean ended = new AtomicBoolean();
    Runnable lose = () -> {
      if (ended.compareAndSet(false, true)) {
        listener.lost();
      }
    };
    Watch.Listener l = new Watch.Listener() {
      @Override
      public void onNext(WatchResponse r) {
        if (r.isCreatedNotify()) {
          created.countDown();
        }
        for (WatchEvent e : r.getEvents()) {
          if (e.getEventType() == WatchEvent.EventType.PUT && !ended.get()) {
            byte[] k = e.getKeyValue().getKey().getBytes();
            listener.put(Arrays.copyOfRange(k, strip, k.length));
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        lose.run();
      }

      @Override
      public void onCompleted() {
        lose.run();
      }
    };
    WatchOption opt = WatchOption.builder().isPrefix(true).withNoDelete(true).withCreateNotify(true).build();
    Watch.Watcher w = client.getWatchClient().watch(seq(full(space, prefix)), opt, l);
    boolean ok;
    try {
      ok = created.await(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ok = false;
    }
    if (!ok) {
      ended.set(true);
      w.close();
      throw new AtomicDbException("etcd did not acknowledge a watch within " + settings.requestTimeout().toMillis()
          + " ms");
    }
    return Optional.of(() -> {
      ended.set(true);
      w.close();
    });
  }

  // ------------------------------------------------------------------ calls and failures

  /** A read at a revision etcd has compacted. */
  private static final class Compacted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Compacted(Throwable cause) {
      super(cause.getMessage(), cause, false, false);
    }
  }

  /** An answer larger than the client's inbound message limit: ask for less. */
  private static final class ResponseTooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ResponseTooLarge(Throwable cause) {
      super(cause.getMessage(), cause, false, false);
    }
  }

  private enum Failure {
    /** Certainly not applied and worth trying again. */
    RETRY,
    /** Transient, but a write may have been applied. */
    AMBIGUOUS,
    COMPACTED,
    TOO_LARGE,
    /** Retrying will not help. */
    PERMANENT
  }

  static Status statusOf(Throwable t) {
    return Status.fromThrowable(t);
  }

  private static Failure classify(Throwable t) {
    if (t instanceof TimeoutException) {
      return Failure.AMBIGUOUS;
    }
    Status s = statusOf(t);
    String d = s.getDescription() == null ? "" : s.getDescription();
    switch (s.getCode()) {
      case UNAVAILABLE:
        if (hasCause(t, ConnectException.class) || d.contains("no leader") || d.contains("not capable")) {
          return Failure.RETRY; // never sent, or refused before being proposed
        }
        return Failure.AMBIGUOUS;
      case DEADLINE_EXCEEDED:
      case CANCELLED:
        return Failure.AMBIGUOUS;
      case RESOURCE_EXHAUSTED:
        if (d.contains("too many requests")) {
          return Failure.RETRY;
        }
        if (d.contains("exceeds maximum") || d.contains("larger than max")) {
          return Failure.TOO_LARGE;
        }
        return Failure.PERMANENT; // e.g. "database space exceeded"
      case OUT_OF_RANGE:
        if (d.contains("compacted")) {
          return Failure.COMPACTED;
        }
        return d.contains("future revision") ? Failure.RETRY : Failure.PERMANENT;
      case UNKNOWN:
        if (d.contains("proposal dropped")) {
          return Failure.RETRY;
        }
        if (d.contains("context deadline exceeded") || d.contains("context canceled")) {
          // The call's deadline passed inside etcd (e.g. a read waiting for a leader): transient.
          return Failure.AMBIGUOUS;
        }
        return s.getCause() instanceof java.io.IOException ? Failure.AMBIGUOUS : Failure.PERMANENT;
      default:
        return Failure.PERMANENT;
    }
  }

  private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }

  private static String describe(Throwable t) {
    if (t instanceof TimeoutException) {
      return "no answer in time";
    }
    Status s = statusOf(t);
    if (s.getCode() == Status.Code.UNKNOWN && s.getDescription() == null) {
      return String.valueOf(t);
    }
    return s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
  }

  /**
   * Runs {@code attempt} until it succeeds, a failure is final, or the operation deadline passes.
   *
   * @param mutation whether the call writes: then only failures that prove it was not applied are
   *     retried, and the others throw {@link KvOutcomeUnknownException}
   * @throws Compacted a read at a compacted revision
   * @throws ResponseTooLarge an answer too large for the client
   */
  private <T> T call(String what, boolean mutation, IntFunction<CompletableFuture<T>> attempt) {
    checkOpen();
    long start = System.nanoTime();
    long deadline = start + settings.operationTimeout().toNanos();
    long perCall = settings.requestTimeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
    long backoff = MIN_BACKOFF_NANOS;
    for (int attempts = 1; ; attempts++) {
      Throwable failure;
      CompletableFuture<T> f = null;
      calls.incrementAndGet();
      try {
        f = attempt.apply(attempts);
        long wait = Math.max(1, Math.min(perCall, deadline - System.nanoTime()));
        return f.get(wait, TimeUnit.NANOSECONDS);
      } catch (ExecutionException e) {
        failure = e.getCause() == null ? e : e.getCause();
      } catch (TimeoutException e) {
        f.cancel(true);
        failure = e;
      } catch (InterruptedException e) {
        if (f != null) {
          f.cancel(true);
        }
        Thread.currentThread().interrupt();
        if (mutation) {
          throw new KvOutcomeUnknownException("interrupted while waiting for etcd to answer " + what
              + "; it may have been applied", e);
        }
        throw new AtomicDbException("interrupted while waiting for etcd to answer " + what, e);
      } catch (RuntimeException e) {
        failure = e; // jetcd refused the call before sending it (e.g. client closed)
      }
      if (closed.get()) {
        throw new IllegalStateException("store is closed");
      }
      Failure kind = classify(failure);
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      switch (kind) {
        case COMPACTED:
          throw new Compacted(failure);
        case TOO_LARGE:
          throw new ResponseTooLarge(failure);
        case PERMANENT:
          throw new AtomicDbException("etcd refused " + what + ": " + describe(failure), failure);
        case AMBIGUOUS:
          if (mutation) {
            throw new KvOutcomeUnknownException("etcd " + what + " outcome unknown after " + elapsedMs
                + " ms (" + describe(failure) + "): it may have been applied or may still be", failure);
          }
          break;
        case RETRY:
        default:
          break;
      }
      long sleep = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
      if (System.nanoTime() + sleep >= deadline) {
        throw new AtomicDbException("etcd did not complete " + what + " within "
            + settings.operationTimeout().toMillis() + " ms (" + attempts
            + " attempts; is a quorum of the cluster up and reachable?): last error: " + describe(failure),
            failure);
      }
      try {
        TimeUnit.NANOSECONDS.sleep(sleep);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AtomicDbException("interrupted while retrying etcd " + what, e);
      }
      backoff = Math.min(MAX_BACKOFF_NANOS, backoff * 2);
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("store is closed");
    }
  }

  /**
   * Closes the jetcd client; calls in flight then fail with IllegalStateException. Idempotent.
   *
   * @throws IllegalStateException if called from inside one of this store's transaction bodies
   */
  @Override
  public void close() {
    if (bodies.get() != null) {
      throw new IllegalStateException("close() of the etcd store called from inside one of its transaction bodies");
    }
    if (closed.compareAndSet(false, true)) {
      client.close();
    }
  }
}
