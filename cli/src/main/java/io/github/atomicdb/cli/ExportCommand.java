package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.Records;
import io.github.atomicdb.spi.Space;
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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/*
 * Export file (JSON Lines, UTF-8), one object per line:
 *   {"atomicdb":"export","version":1,"formatVersion":F,"exportedAt":"..."}      header
 *   {"kind":"item","pk":..,"sk":..,"ttl":SECONDS|null,"data":TYPED}            every live item
 *   {"kind":"queue","pk":..,"sk":..,"enqueuedAt":MILLIS,"attempts":N,"data":TYPED}
 *   {"kind":"end","items":N,"queueEntries":M}                                   trailer
 * TYPED is Values' typed form. Locks are not exported (they are leases, not data). The file is
 * written beside FILE and renamed into place at the end, so FILE is never half-written.
 */
@Command(
    mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    name = "export",
    description = "Write every live item and queue entry of a store to FILE (JSON Lines) that"
        + " `import` reads back exactly: built-in types keep their exact class, TTLs are kept,"
        + " values of user classes are kept as raw bytes.")
final class ExportCommand implements Callable<Integer> {
  static final int VERSION = 1;
  private final Main main;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The store directory.")
  Path dir;

  @Parameters(index = "1", paramLabel = "FILE", description = "The file to write (replaced if it exists).")
  Path file;

  @Option(names = "--json", description = "Print the summary as JSON.")
  boolean json;

  ExportCommand(Main main) {
    this.main = main;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path abs = file.toAbsolutePath();
    Path tmp = abs.resolveSibling(abs.getFileName() + ".part");
    long[] n = new long[3]; // items, queue entries, expired items skipped
    try (AtomicDb db = main.openExisting(dir)) {
      RawStore raw = new RawStore(db);
      long now = raw.nowMillis();
      try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
          Progress p = new Progress(spec.commandLine().getErr(), Progress.terminal(), "exporting", 0)) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("atomicdb", "export");
        h.put("version", VERSION);
        h.put("formatVersion", main.backend.formatVersion(db));
        h.put("exportedAt", Instant.ofEpochMilli(now).toString());
        line(w, h);
        raw.forEach(Space.ITEMS, kv -> {
          var key = KeyCodec.decode(kv[0]);
          RawStore.StoredItem it = raw.item(key.pk(), key.sk(), kv[1], now);
          if (it == null) {
            n[2]++;
            return;
          }
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("kind", "item");
          m.put("pk", it.pk());
          m.put("sk", it.sk());
          m.put("ttl", it.ttl());
          m.put("data", Values.typed(it.value()));
          line(w, m);
          n[0]++;
          p.step(1, "records");
        });
        raw.forEach(Space.QUEUE, kv -> {
          RawStore.StoredEntry e = raw.entry(kv[0], kv[1]);
          Records.Entry r = e.entry();
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("kind", "queue");
          m.put("pk", e.pk());
          m.put("sk", e.sk());
          m.put("enqueuedAt", r.enqueuedAt());
          m.put("attempts", r.attempts());
          m.put("data", Values.typed(e.value()));
          line(w, m);
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
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("file", abs.toString());
      m.put("items", n[0]);
      m.put("queueEntries", n[1]);
      m.put("expiredItemsSkipped", n[2]);
      out.println(Json.write(m));
    } else {
      out.println("exported " + n[0] + " items and " + n[1] + " queue entries to " + file
          + (n[2] > 0 ? " (" + n[2] + " expired items skipped)" : ""));
    }
    out.flush();
    return ExitCode.OK;
  }

  private static void line(BufferedWriter w, Map<String, Object> m) {
    try {
      w.write(Json.write(m));
      w.write('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
