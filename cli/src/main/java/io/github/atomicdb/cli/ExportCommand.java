package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.tools.ItemRecord;
import io.github.atomicdb.tools.QueueRecord;
import io.github.atomicdb.tools.StoreTools;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/*
 * Export file (JSON Lines, UTF-8), one object per line:
 *   {"atomicdb":"export","version":1,"formatVersion":F,"exportedAt":"..."}      header
 *   {"kind":"item","pk":..,"sk":..,"ttl":SECONDS|null,"data":TYPED}            every live item
 *   {"kind":"queue","pk":..,"sk":..,"enqueuedAt":MILLIS,"attempts":N,"data":TYPED}
 *   {"kind":"end","items":N,"queueEntries":M}                                   trailer
 * TYPED is Values' typed form. Locks are not exported (they are leases, not data). The file is
 * written beside FILE, owner-only, and renamed into place at the end, so FILE is never
 * half-written.
 */
@Command(
    name = "export",
    description = "Write every live item and queue entry of a store to FILE (JSON Lines) that"
        + " `import` reads back exactly: built-in types keep their exact class, TTLs are kept,"
        + " values of user classes are kept as raw bytes. FILE is readable by its owner only.")
final class ExportCommand implements Callable<Integer> {
  static final int VERSION = 1;
  private final Main main;

  @Spec CommandSpec spec;

  @Mixin StoreArgs store;

  @Parameters(index = "1", paramLabel = "FILE", description = "The file to write (replaced if it exists).")
  Path file;

  ExportCommand(Main main) {
    this.main = main;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path abs = file.toAbsolutePath();
    Path parent = abs.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new CliException(ExitCode.USAGE, "the directory " + parent + " of " + file
          + " does not exist; create it first or give another FILE");
    }
    if (Files.isDirectory(abs)) {
      throw new CliException(ExitCode.USAGE, file + " is a directory; give the name of the file"
          + " to write");
    }
    Path tmp = abs.resolveSibling(abs.getFileName() + ".part");
    long[] n = new long[3]; // items, queue entries, expired items skipped
    try (AtomicDb db = main.openForReading(store.dir, spec.commandLine().getErr())) {
      StoreTools tools = StoreTools.of(db);
      Files.deleteIfExists(tmp);
      OwnerOnlyFiles.create(tmp);
      try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
          Progress p = new Progress(spec.commandLine().getErr(), Progress.terminal(), "exporting", 0)) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("atomicdb", "export");
        h.put("version", VERSION);
        h.put("formatVersion", tools.formatVersion());
        h.put("exportedAt", Instant.now().toString());
        line(w, h);
        n[2] = tools.exportItems(it -> {
          line(w, itemLine(it));
          n[0]++;
          p.step(1, "records");
        });
        tools.exportQueueEntries(e -> {
          line(w, queueLine(e));
          n[1]++;
          p.step(1, "records");
        });
        Map<String, Object> end = new LinkedHashMap<>();
        end.put("kind", "end");
        end.put("items", n[0]);
        end.put("queueEntries", n[1]);
        line(w, end);
      } catch (RuntimeException | IOException e) {
        Files.deleteIfExists(tmp);
        throw e instanceof UncheckedIOException u ? u.getCause() : e;
      }
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
    if (store.json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("file", abs.toString());
      m.put("items", n[0]);
      m.put("queueEntries", n[1]);
      m.put("expiredItemsSkipped", n[2]);
      out.println(Json.write(m));
    } else {
      out.println("exported " + Table.count(n[0], "item", "items") + " and "
          + Table.count(n[1], "queue entry", "queue entries") + " to " + file
          + (n[2] > 0 ? " (" + Table.count(n[2], "expired item", "expired items") + " skipped)" : ""));
    }
    out.flush();
    return ExitCode.OK;
  }

  private static Map<String, Object> itemLine(ItemRecord it) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", "item");
    m.put("pk", it.pk());
    m.put("sk", it.sk());
    m.put("ttl", it.ttl());
    m.put("data", Values.typed(it.value()));
    return m;
  }

  private static Map<String, Object> queueLine(QueueRecord e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", "queue");
    m.put("pk", e.pk());
    m.put("sk", e.sk());
    m.put("enqueuedAt", e.enqueuedAtMillis());
    m.put("attempts", e.attempts());
    m.put("data", Values.typed(e.value()));
    return m;
  }

  private static void line(BufferedWriter w, Map<String, Object> m) {
    try {
      w.write(Json.exportLine(m));
      w.write('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
