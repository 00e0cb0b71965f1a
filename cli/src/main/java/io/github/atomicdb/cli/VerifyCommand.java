package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.CorruptDataException;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.internal.EngineAccess;
import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.Records;
import io.github.atomicdb.spi.Space;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/*
 * Reads every record of every space. Per record: the key follows the key layout and re-encodes
 * to the same bytes (valid UTF-8, canonical); the record opens (envelope, format byte, CRC32C)
 * through Records.open*; a value of a built-in type decodes (user-class values cannot be
 * decoded without their class and are checked only as far as the envelope). Across records: each
 * queue entry has its index record, each index record its entry, and each queue's counters
 * match its entries. RocksDB verifies its own block checksums on every read; a damaged file
 * stops the scan of that space and is reported. Keeps one set of index keys in memory.
 */
@Command(
    mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    name = "verify",
    description = "Read every record of the store and check keys, envelopes, checksums, values"
        + " and queue indexes. Exit code 1 if any problem is found; each is listed with its key.")
final class VerifyCommand implements Callable<Integer> {
  private static final int MAX_LISTED = 1000;
  private final Main main;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The store directory.")
  Path dir;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  boolean json;

  VerifyCommand(Main main) {
    this.main = main;
  }

  private final List<Map<String, Object>> problems = new ArrayList<>();
  private long problemCount;

  private void problem(Space space, String key, String what) {
    problemCount++;
    if (problems.size() < MAX_LISTED) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("space", space.name().toLowerCase(java.util.Locale.ROOT));
      m.put("key", key);
      m.put("problem", what);
      problems.add(m);
    }
  }

  /** The key as text, or its hex if it does not decode. */
  private static String keyText(byte[] k) {
    try {
      ItemKey key = KeyCodec.decode(k);
      return "(pk '" + key.pk() + "', sk '" + key.sk() + "')";
    } catch (RuntimeException e) {
      return "0x" + KeyCodec.hex(k);
    }
  }

  /** Checks an item-layout key; null if fine, else the problem. */
  private static String checkKey(byte[] k) {
    try {
      ItemKey key = KeyCodec.decode(k);
      byte[] again = KeyCodec.join(KeyCodec.utf8(key.pk(), "pk"), KeyCodec.utf8(key.sk(), "sk"));
      if (!Arrays.equals(again, k) || key.pk().isEmpty() || key.sk().isEmpty()) {
        return "key is not in canonical form (bad UTF-8 or empty pk/sk): 0x" + KeyCodec.hex(k);
      }
      return null;
    } catch (RuntimeException e) {
      return "key does not follow the key layout: " + e.getMessage();
    }
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    long[] counts = new long[Space.values().length];
    try (AtomicDb db = main.openExisting(dir);
        Progress p = new Progress(spec.commandLine().getErr(), !json && Progress.terminal(), "verifying", 0)) {
      RawStore raw = new RawStore(db);
      EngineAccess.Accessor access = EngineAccess.get();
      Map<ByteBuffer, String> expectedIndex = new HashMap<>();
      Map<String, long[]> tally = new HashMap<>();
      for (Space space : Space.values()) {
        try {
          raw.forEach(space, kv -> {
            counts[space.ordinal()]++;
            p.step(1, "records");
            byte[] k = kv[0];
            byte[] v = kv[1];
            if (space != Space.QINDEX) {
              String bad = checkKey(k);
              if (bad != null) {
                problem(space, "0x" + KeyCodec.hex(k), bad);
                return;
              }
            }
            String key = space == Space.QINDEX ? "0x" + KeyCodec.hex(k) : keyText(k);
            try {
              switch (space) {
                case ITEMS -> {
                  Records.ItemView iv = Records.openItem(v, key);
                  Values.decode(raw.codec, iv.buf(), iv.kryoOffset(), iv.kryoLength(), key);
                }
                case LOCKS -> Records.openLock(v, key);
                case QUEUE -> {
                  RawStore.StoredEntry e = raw.entry(k, v);
                  long[] t = tally.computeIfAbsent(e.pk(), x -> new long[3]);
                  t[e.entry().state() == Records.READY ? 0 : e.entry().state() == Records.IN_FLIGHT ? 1 : 2]++;
                  expectedIndex.put(ByteBuffer.wrap(access.queueIndexKey(e.pk(), e.sk(), e.entry())),
                      "(pk '" + e.pk() + "', sk '" + e.sk() + "')");
                }
                case QINDEX -> checkIndex(k, v, key, expectedIndex, tally, access);
              }
            } catch (CorruptDataException e) {
              problem(space, key, e.getMessage());
            }
          });
        } catch (CorruptDataException e) {
          problem(space, "-", "reading stopped: " + e.getMessage());
        }
      }
      for (String entry : new java.util.TreeSet<>(expectedIndex.values())) {
        problem(Space.QUEUE, entry, "queue entry has no index record (a pull would never find it)");
      }
      for (Map.Entry<String, long[]> t : tally.entrySet()) {
        long[] c = t.getValue();
        if (c[0] + c[1] + c[2] != 0) {
          problem(Space.QINDEX, "queue '" + t.getKey() + "'", "queue has " + c[0] + " ready, " + c[1]
              + " in-flight and " + c[2] + " delayed entries that its counters do not account for");
        }
      }
    }
    long total = Arrays.stream(counts).sum();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("store", dir.toString());
      m.put("records", total);
      m.put("items", counts[Space.ITEMS.ordinal()]);
      m.put("locks", counts[Space.LOCKS.ordinal()]);
      m.put("queueEntries", counts[Space.QUEUE.ordinal()]);
      m.put("queueIndexRecords", counts[Space.QINDEX.ordinal()]);
      m.put("ok", problemCount == 0);
      m.put("problemCount", problemCount);
      m.put("problems", problems);
      out.println(Json.write(m));
    } else {
      for (Map<String, Object> pr : problems) {
        out.println(pr.get("space") + " " + pr.get("key") + ": " + pr.get("problem"));
      }
      if (problemCount > problems.size()) {
        out.println("... and " + (problemCount - problems.size()) + " more problems");
      }
      out.println("verified " + total + " records (" + counts[Space.ITEMS.ordinal()] + " items, "
          + counts[Space.LOCKS.ordinal()] + " locks, " + counts[Space.QUEUE.ordinal()]
          + " queue entries, " + counts[Space.QINDEX.ordinal()] + " queue index records): "
          + (problemCount == 0 ? "no problems" : problemCount + " problem" + (problemCount == 1 ? "" : "s")));
    }
    out.flush();
    return problemCount == 0 ? ExitCode.OK : ExitCode.NEGATIVE;
  }

  /** A QINDEX record: counters (0x00), ready index (0x01) or timed index (0x02). */
  private void checkIndex(byte[] k, byte[] v, String key, Map<ByteBuffer, String> expected,
      Map<String, long[]> tally, EngineAccess.Accessor access) {
    if (k.length == 0) {
      problem(Space.QINDEX, key, "empty key");
      return;
    }
    switch (k[0]) {
      case 0x00 -> {
        String pk;
        try {
          pk = KeyCodec.decode(k, 1).pk();
        } catch (RuntimeException e) {
          problem(Space.QINDEX, key, "counters key does not name a queue");
          return;
        }
        long[] c = Records.openCounters(v, "counters of queue '" + pk + "'");
        if (c[0] < 0 || c[1] < 0 || c[2] < 0) {
          problem(Space.QINDEX, "queue '" + pk + "'", "negative counters " + Arrays.toString(c));
        }
        long[] t = tally.computeIfAbsent(pk, x -> new long[3]);
        if (!Arrays.equals(access.queueCountersKey(pk), k)) {
          problem(Space.QINDEX, key, "counters key is not canonical");
        }
        // Subtract: what is left after all records is the mismatch (checked at the end).
        for (int i = 0; i < 3; i++) {
          t[i] -= c[i];
        }
      }
      case 0x01, 0x02 -> {
        if (expected.remove(ByteBuffer.wrap(k)) == null) {
          problem(Space.QINDEX, key + " (" + indexText(k) + ")",
              "index record without a matching queue entry");
        }
      }
      default -> problem(Space.QINDEX, key, "unknown index record type " + k[0]);
    }
  }

  private static String indexText(byte[] k) {
    try {
      String pk = KeyCodec.decode(k, 1).pk();
      int sk = KeyCodec.skOffset(k, 1) + (k[0] == 0x02 ? 8 : 0);
      return "queue '" + pk + "', sk '" + new String(k, Math.min(sk, k.length), Math.max(0, k.length - sk),
          StandardCharsets.UTF_8) + "'";
    } catch (RuntimeException e) {
      return "undecodable";
    }
  }
}
