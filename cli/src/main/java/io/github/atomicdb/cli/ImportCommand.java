package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.internal.EngineAccess;
import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.Records;
import io.github.atomicdb.internal.ValueCodec;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.Space;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * Two passes over FILE. The first parses and encodes every line and checks the trailer's counts,
 * so a malformed or truncated file is refused before anything is written. The second writes
 * batches of BATCH records, each batch one atomic commit: items are written as their exact
 * record bytes (a user-class value byte for byte), replacing any item at the same key; queue
 * entries are added as available entries (attempts reset, push time kept) unless an entry with
 * the same (pk, sk) is already queued, which is left alone.
 */
@Command(
    mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    name = "import",
    description = "Read a file written by `export` into a store (created if missing). The whole"
        + " file is checked before anything is written; then it is written in atomic batches.")
final class ImportCommand implements Callable<Integer> {
  static final int BATCH = 1000;
  private final Main main;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The store directory (created if missing).")
  Path dir;

  @Parameters(index = "1", paramLabel = "FILE", description = "A file written by `atomicdb export`.")
  Path file;

  @Option(names = "--json", description = "Print the summary as JSON.")
  boolean json;

  ImportCommand(Main main) {
    this.main = main;
  }

  record ItemRec(String pk, String sk, Long ttl, Object value) {}

  record QueueRec(String pk, String sk, long enqueuedAt, Object value) {}

  @Override
  public Integer call() throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new CliException(ExitCode.USAGE, "no export file at " + file + "; give a file written"
          + " by `atomicdb export`");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    long itemsWritten = 0;
    long expired = 0;
    long queued = 0;
    long present = 0;
    // Check the whole file before the store is even opened (or created): built-in values encode
    // the same whatever classes a store registers, and raw values are written as they are.
    long[] counts = check(new ValueCodec(Map.of()));
    long total = counts[0] + counts[1];
    try (AtomicDb db = main.open(dir)) {
      RawStore raw = new RawStore(db);
      try (BufferedReader r = reader();
          Progress p = new Progress(err, Progress.terminal(), "importing", total)) {
        List<KvOp> items = new ArrayList<>();
        List<EngineAccess.RawQueueEntry> entries = new ArrayList<>();
        String line;
        int no = 0;
        long now = raw.nowMillis();
        while ((line = r.readLine()) != null) {
          no++;
          Object rec = parse(line, no, raw.codec);
          if (rec instanceof ItemRec it) {
            if (it.ttl() != null && now > it.ttl() * 1000L) {
              expired++;
              p.step(1, "records");
              continue;
            }
            items.add(KvOp.put(Space.ITEMS, KeyCodec.encode(it.pk(), it.sk()),
                Records.item(kryo(raw.codec, it.value()), it.ttl())));
            if (items.size() >= BATCH) {
              raw.kv.write(items);
              itemsWritten += items.size();
              p.step(items.size(), "records");
              items = new ArrayList<>();
            }
          } else if (rec instanceof QueueRec q) {
            entries.add(new EngineAccess.RawQueueEntry(q.pk(), q.sk(), kryo(raw.codec, q.value()), q.enqueuedAt()));
            if (entries.size() >= BATCH) {
              int added = EngineAccess.get().importQueueEntries(db, entries);
              queued += added;
              present += entries.size() - added;
              p.step(entries.size(), "records");
              entries = new ArrayList<>();
            }
          }
        }
        if (!items.isEmpty()) {
          raw.kv.write(items);
          itemsWritten += items.size();
        }
        if (!entries.isEmpty()) {
          int added = EngineAccess.get().importQueueEntries(db, entries);
          queued += added;
          present += entries.size() - added;
        }
      }
    }
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("file", file.toString());
      m.put("items", itemsWritten);
      m.put("expiredItemsSkipped", expired);
      m.put("queueEntries", queued);
      m.put("queueEntriesAlreadyPresent", present);
      out.println(Json.write(m));
    } else {
      String extra = (expired > 0 ? expired + " items already expired, skipped" : "")
          + (expired > 0 && present > 0 ? "; " : "")
          + (present > 0 ? present + " queue entries already queued, left alone" : "");
      out.println("imported " + itemsWritten + " items and " + queued + " queue entries from "
          + file + (extra.isEmpty() ? "" : " (" + extra + ")"));
    }
    out.flush();
    return ExitCode.OK;
  }

  private BufferedReader reader() throws IOException {
    return new BufferedReader(new InputStreamReader(Files.newInputStream(file),
        StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)));
  }

  /** Pass 1: every line parses, encodes, and the trailer matches. Returns {items, entries}. */
  private long[] check(ValueCodec codec) throws IOException {
    long items = 0;
    long entries = 0;
    boolean header = false;
    boolean end = false;
    int no = 0;
    try (BufferedReader r = reader()) {
      String line;
      while ((line = r.readLine()) != null) {
        no++;
        if (end) {
          throw bad(no, "text after the end line");
        }
        Object rec = parse(line, no, codec);
        if (no == 1) {
          if (!(rec instanceof Map<?, ?> h) || !"export".equals(h.get("atomicdb"))) {
            throw bad(no, "this is not an atomic-db export file (no export header)");
          }
          if (!(h.get("version") instanceof BigDecimal v) || v.intValue() != ExportCommand.VERSION) {
            throw bad(no, "export file version " + h.get("version") + "; this atomicdb reads version "
                + ExportCommand.VERSION);
          }
          header = true;
          continue;
        }
        if (rec instanceof ItemRec it) {
          kryo(codec, it.value(), no);
          items++;
        } else if (rec instanceof QueueRec q) {
          kryo(codec, q.value(), no);
          entries++;
        } else if (rec instanceof Map<?, ?> m && "end".equals(m.get("kind"))) {
          if (!(m.get("items") instanceof BigDecimal ni) || ni.longValue() != items
              || !(m.get("queueEntries") instanceof BigDecimal nq) || nq.longValue() != entries) {
            throw bad(no, "the end line counts " + m.get("items") + " items and "
                + m.get("queueEntries") + " queue entries, but the file holds " + items + " and "
                + entries);
          }
          end = true;
        } else {
          throw bad(no, "unexpected line");
        }
      }
    } catch (CharacterCodingException e) {
      throw bad(no + 1, "the file is not valid UTF-8");
    }
    if (!header) {
      throw bad(1, "the file is empty");
    }
    if (!end) {
      throw bad(no, "the file ends without its end line: it is truncated");
    }
    return new long[] {items, entries};
  }

  private CliException bad(int line, String what) {
    return new CliException(ExitCode.USAGE, file + " line " + line + ": " + what
        + "; nothing was imported");
  }

  /** An ItemRec, a QueueRec, or the parsed object of a header or end line. */
  private Object parse(String line, int no, ValueCodec codec) {
    Object tree;
    try {
      tree = Json.parse(line);
    } catch (Json.ParseException e) {
      throw bad(no, "malformed JSON: " + e.getMessage());
    }
    if (!(tree instanceof Map<?, ?> m)) {
      throw bad(no, "expected a JSON object");
    }
    Object kind = m.get("kind");
    if (!"item".equals(kind) && !"queue".equals(kind)) {
      return m;
    }
    if (!(m.get("pk") instanceof String pk) || !(m.get("sk") instanceof String sk)) {
      throw bad(no, "\"pk\" and \"sk\" must be strings");
    }
    try {
      KeyCodec.encode(pk, sk);
    } catch (IllegalArgumentException e) {
      throw bad(no, e.getMessage());
    }
    Object value;
    try {
      value = Values.fromTyped(m.get("data"));
    } catch (Values.BadValueException e) {
      throw bad(no, "data: " + e.getMessage());
    }
    if ("item".equals(kind)) {
      Object t = m.get("ttl");
      Long ttl = null;
      if (t != null) {
        if (!(t instanceof BigDecimal d)) {
          throw bad(no, "\"ttl\" must be epoch seconds or null");
        }
        try {
          ttl = d.longValueExact();
        } catch (ArithmeticException e) {
          throw bad(no, "\"ttl\" must be whole epoch seconds, was " + d);
        }
        if (ttl < 0 || ttl > Long.MAX_VALUE / 1_000_000L) {
          throw bad(no, "\"ttl\" " + ttl + " is out of range");
        }
      }
      return new ItemRec(pk, sk, ttl, value);
    }
    if (!(m.get("enqueuedAt") instanceof BigDecimal at)) {
      throw bad(no, "\"enqueuedAt\" must be epoch milliseconds");
    }
    try {
      return new QueueRec(pk, sk, at.longValueExact(), value);
    } catch (ArithmeticException e) {
      throw bad(no, "\"enqueuedAt\" must be whole epoch milliseconds");
    }
  }

  private byte[] kryo(ValueCodec codec, Object v, int no) {
    try {
      return kryo(codec, v);
    } catch (IllegalArgumentException e) {
      throw bad(no, "data: " + e.getMessage());
    }
  }

  private static byte[] kryo(ValueCodec codec, Object v) {
    return v instanceof Values.Raw r ? r.kryo() : codec.encode(v);
  }
}
