package io.github.atomicdb.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicMemoryDb;
import io.github.atomicdb.tools.ImportResult;
import io.github.atomicdb.tools.ItemRecord;
import io.github.atomicdb.tools.QueueRecord;
import io.github.atomicdb.tools.StoreTools;
import io.github.atomicdb.tools.StoredValue;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/*
 * Two passes over FILE. The first parses every line, checks each batch of records by importing
 * it into a scratch in-memory store (the same checks the real import makes: keys, ttl, values
 * that serialize, raw bytes that decode), and checks the trailer's counts, so a malformed or
 * truncated file is refused before the store is even opened. The second imports batches of BATCH
 * records through StoreTools, each batch one atomic commit: items replace any item at the same
 * key (a user-class value byte for byte); queue entries are added as available entries (attempts
 * reset, push time kept) unless an entry with the same (pk, sk) is already queued, which is left
 * alone.
 */
@Command(
    name = "import",
    description = "Read a file written by `export` into a store (created if missing). The whole"
        + " file is checked before anything is written; then it is written in atomic batches.")
final class ImportCommand implements Callable<Integer> {
  static final int BATCH = 1000;
  private final Main main;

  @Spec CommandSpec spec;

  @Mixin StoreArgs store;

  @Parameters(index = "1", paramLabel = "FILE", description = "A file written by `atomicdb export`.")
  Path file;

  ImportCommand(Main main) {
    this.main = main;
  }

  @Override
  public Integer call() throws IOException {
    if (Files.isDirectory(file)) {
      throw new CliException(ExitCode.USAGE, file + " is a directory, not an export file; the"
          + " arguments are DIR (the store) then FILE (written by `atomicdb export`)"
          + (Files.isRegularFile(store.dir) ? ": did you swap them?" : ""));
    }
    if (!Files.isRegularFile(file)) {
      throw new CliException(ExitCode.USAGE, "no export file at " + file + "; give a file written"
          + " by `atomicdb export`");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    // Check the whole file before the store is even opened (or created).
    long total = check();
    ImportResult items;
    ImportResult entries;
    try (AtomicDb db = main.open(store.dir);
        BufferedReader r = reader();
        Progress p = new Progress(err, Progress.terminal(), "importing", total)) {
      Batches b = new Batches(StoreTools.of(db), p);
      String line;
      int no = 0;
      while ((line = r.readLine()) != null) {
        b.add(parse(line, ++no));
      }
      items = b.flushItems();
      entries = b.flushEntries();
    }
    if (store.json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("file", file.toString());
      m.put("items", items.written());
      m.put("expiredItemsSkipped", items.skipped());
      m.put("queueEntries", entries.written());
      m.put("queueEntriesAlreadyPresent", entries.skipped());
      out.println(Json.write(m));
    } else {
      String extra = (items.skipped() > 0
              ? Table.count(items.skipped(), "item", "items") + " already expired, skipped" : "")
          + (items.skipped() > 0 && entries.skipped() > 0 ? "; " : "")
          + (entries.skipped() > 0 ? Table.count(entries.skipped(), "queue entry", "queue entries")
              + " already queued, left alone" : "");
      out.println("imported " + Table.count(items.written(), "item", "items") + " and "
          + Table.count(entries.written(), "queue entry", "queue entries") + " from "
          + file + (extra.isEmpty() ? "" : " (" + extra + ")"));
    }
    out.flush();
    return ExitCode.OK;
  }

  /** Records gathered into batches of BATCH, each imported in one call; counts what was done. */
  private static final class Batches {
    private final StoreTools tools;
    private final Progress progress;
    private final List<ItemRecord> items = new ArrayList<>();
    /** Keys in {@link #items}: a key given again starts a new batch (one import takes a key once). */
    private final java.util.Set<List<String>> itemKeys = new java.util.HashSet<>();
    private final List<QueueRecord> entries = new ArrayList<>();
    private long itemsWritten;
    private long itemsSkipped;
    private long entriesWritten;
    private long entriesSkipped;

    Batches(StoreTools tools, Progress progress) {
      this.tools = tools;
      this.progress = progress;
    }

    void add(Object rec) {
      if (rec instanceof ItemRecord it) {
        if (!itemKeys.add(List.of(it.pk(), it.sk()))) {
          flushItems();
          itemKeys.add(List.of(it.pk(), it.sk()));
        }
        items.add(it);
        if (items.size() >= BATCH) {
          flushItems();
        }
      } else if (rec instanceof QueueRecord q) {
        entries.add(q);
        if (entries.size() >= BATCH) {
          flushEntries();
        }
      }
    }

    ImportResult flushItems() {
      if (!items.isEmpty()) {
        ImportResult r = tools.importItems(items);
        itemsWritten += r.written();
        itemsSkipped += r.skipped();
        progress.step(items.size(), "records");
        items.clear();
        itemKeys.clear();
      }
      return new ImportResult(itemsWritten, itemsSkipped);
    }

    ImportResult flushEntries() {
      if (!entries.isEmpty()) {
        ImportResult r = tools.importQueueEntries(entries);
        entriesWritten += r.written();
        entriesSkipped += r.skipped();
        progress.step(entries.size(), "records");
        entries.clear();
      }
      return new ImportResult(entriesWritten, entriesSkipped);
    }
  }

  private BufferedReader reader() throws IOException {
    return new BufferedReader(new InputStreamReader(Files.newInputStream(file),
        StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)));
  }

  /**
   * Pass 1: every line parses and imports into a scratch memory store (a new one every BATCH
   * records, so memory stays bounded), and the trailer matches. Returns the number of records.
   */
  private long check() throws IOException {
    long items = 0;
    long entries = 0;
    boolean header = false;
    boolean end = false;
    int no = 0;
    AtomicMemoryDb scratch = new AtomicMemoryDb();
    try (BufferedReader r = reader()) {
      String line;
      while ((line = r.readLine()) != null) {
        no++;
        if (end) {
          throw bad(no, "text after the end line");
        }
        Object rec = parse(line, no);
        if (no == 1) {
          if (!(rec instanceof JsonNode h) || !"export".equals(h.path("atomicdb").asText())) {
            throw bad(no, "this is not an atomic-db export file (no export header)");
          }
          if (!h.path("version").isInt() || h.get("version").intValue() != ExportCommand.VERSION) {
            throw bad(no, "export file version " + h.get("version") + "; this atomicdb reads version "
                + ExportCommand.VERSION);
          }
          header = true;
          continue;
        }
        if (items + entries > 0 && (items + entries) % BATCH == 0) {
          scratch.close();
          scratch = new AtomicMemoryDb();
        }
        try {
          if (rec instanceof ItemRecord it) {
            scratch.tools().importItems(List.of(it));
            items++;
            continue;
          }
          if (rec instanceof QueueRecord q) {
            scratch.tools().importQueueEntries(List.of(q));
            entries++;
            continue;
          }
        } catch (IllegalArgumentException e) {
          throw bad(no, e.getMessage());
        }
        if (rec instanceof JsonNode m && "end".equals(m.path("kind").asText())) {
          if (!m.path("items").isIntegralNumber() || m.get("items").longValue() != items
              || !m.path("queueEntries").isIntegralNumber()
              || m.get("queueEntries").longValue() != entries) {
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
    } finally {
      scratch.close();
    }
    if (!header) {
      throw bad(1, "the file is empty");
    }
    if (!end) {
      throw bad(no, "the file ends without its end line: it is truncated");
    }
    return items + entries;
  }

  private CliException bad(int line, String what) {
    return new CliException(ExitCode.USAGE, file + " line " + line + ": " + what
        + "; nothing was imported");
  }

  /** An ItemRecord, a QueueRecord, or the parsed object of a header or end line. */
  private Object parse(String line, int no) {
    JsonNode m;
    try {
      m = Json.parse(line);
    } catch (JsonProcessingException e) {
      throw bad(no, "malformed JSON: " + e.getOriginalMessage());
    }
    if (!m.isObject()) {
      throw bad(no, "expected a JSON object");
    }
    String kind = m.path("kind").asText("");
    if (!kind.equals("item") && !kind.equals("queue")) {
      return m;
    }
    if (!m.path("pk").isTextual() || !m.path("sk").isTextual()) {
      throw bad(no, "\"pk\" and \"sk\" must be strings");
    }
    String pk = m.get("pk").textValue();
    String sk = m.get("sk").textValue();
    StoredValue value;
    try {
      value = Values.stored(m.get("data"));
    } catch (Values.BadValueException e) {
      throw bad(no, "data: " + e.getMessage());
    }
    if (kind.equals("item")) {
      JsonNode t = m.path("ttl");
      Long ttl = null;
      if (!t.isNull() && !t.isMissingNode()) {
        if (!t.isIntegralNumber() || !t.canConvertToLong()) {
          throw bad(no, "\"ttl\" must be whole epoch seconds or null, was " + t);
        }
        ttl = t.longValue();
      }
      return new ItemRecord(pk, sk, ttl, value);
    }
    JsonNode at = m.path("enqueuedAt");
    if (!at.isIntegralNumber() || !at.canConvertToLong()) {
      throw bad(no, "\"enqueuedAt\" must be whole epoch milliseconds, was " + at);
    }
    return QueueRecord.toImport(pk, sk, at.longValue(), value);
  }
}
