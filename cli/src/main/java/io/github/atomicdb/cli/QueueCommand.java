package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.QueueStats;
import io.github.atomicdb.tools.QuarantinedEntry;
import io.github.atomicdb.tools.QueueRecord;
import io.github.atomicdb.tools.StoreTools;
import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

@Command(mixinStandardHelpOptions = true, versionProvider = Main.Version.class, name = "queue",
    description = "Inspect and move queue entries: stats, peek, redrive, quarantine.")
final class QueueCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  static CommandLine commandLine(Main main) {
    CommandLine cl = new CommandLine(new QueueCommand());
    cl.addSubcommand(new Stats(main));
    cl.addSubcommand(new Peek(main));
    cl.addSubcommand(new Redrive(main));
    cl.addSubcommand(new Quarantine(main));
    return cl;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCode.USAGE;
  }

  @Command(name = "stats", description = "Show a queue's available, in-flight and delayed counts.")
  static final class Stats implements Callable<Integer> {
    private final Main main;

    @Spec CommandSpec spec;

    @Mixin StoreArgs store;

    @Parameters(index = "1", paramLabel = "PK", description = "The queue.")
    String pk;

    Stats(Main main) {
      this.main = main;
    }

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (AtomicDb db = main.openForReading(store.dir, spec.commandLine().getErr())) {
        boolean exists = StoreTools.of(db).queueExists(pk);
        QueueStats s = exists ? db.queueStats(pk) : new QueueStats(0, 0, 0, 0);
        long quarantined = StoreTools.of(db).quarantinedCount(pk);
        if (store.json) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("pk", pk);
          m.put("exists", exists);
          m.put("available", s.available());
          m.put("inFlight", s.inFlight());
          m.put("delayed", s.delayed());
          m.put("oldestAvailableAgeSeconds", s.oldestAvailableAgeSeconds());
          m.put("quarantined", quarantined);
          out.println(Json.write(m));
          out.flush();
        } else {
          Table.pairs(out, "queue", pk + (exists ? "" : " (no such queue in this store)"), "available", s.available(), "in flight", s.inFlight(),
              "delayed", s.delayed(), "oldest available", s.oldestAvailableAgeSeconds() + " s",
              "quarantined", quarantined + (quarantined == 0 ? ""
                  : " damaged entries set aside (`atomicdb queue quarantine DIR " + pk + "`)"));
        }
        return ExitCode.OK;
      }
    }
  }

  @Command(
      name = "peek",
      description = "Show a queue's entries in queue order without pulling them (nothing changes).")
  static final class Peek implements Callable<Integer> {
    private final Main main;

    @Spec CommandSpec spec;

    @Mixin StoreArgs store;

    @Parameters(index = "1", paramLabel = "PK", description = "The queue.")
    String pk;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20",
        description = "At most N entries (default: ${DEFAULT-VALUE}; 0 = all).")
    int limit;

    Peek(Main main) {
      this.main = main;
    }

    @Override
    public Integer call() {
      if (limit < 0) {
        throw new CliException(ExitCode.USAGE, "--limit must be >= 0 (0 = all), was " + limit);
      }
      PrintWriter out = spec.commandLine().getOut();
      try (AtomicDb db = main.openForReading(store.dir, spec.commandLine().getErr())) {
        long now = System.currentTimeMillis();
        List<QueueRecord> entries = StoreTools.of(db).peek(pk, limit);
        if (store.json) {
          List<Object> l = new ArrayList<>();
          for (QueueRecord e : entries) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pk", e.pk());
            m.put("sk", e.sk());
            m.put("state", e.state().label());
            m.put("attempts", e.attempts());
            m.put("until", e.untilMillis() == 0 ? null : Instant.ofEpochMilli(e.untilMillis()).toString());
            m.put("enqueuedAt", Instant.ofEpochMilli(e.enqueuedAtMillis()).toString());
            m.put("data", Values.plain(e.value()));
            l.add(m);
          }
          out.println(Json.write(l));
        } else {
          Table t = new Table("sk", "state", ">attempts", "until", ">age (s)", "data");
          for (QueueRecord e : entries) {
            t.row(e.sk(), e.state().label(), e.attempts(),
                e.untilMillis() == 0 ? "-" : Instant.ofEpochMilli(e.untilMillis()),
                Math.max(0, (now - e.enqueuedAtMillis()) / 1000),
                Json.write(Values.plain(e.value())));
          }
          t.print(out);
          out.println("(" + entries.size() + " entr" + (entries.size() == 1 ? "y" : "ies")
              + (limit > 0 && entries.size() == limit ? " shown; --limit 0 shows all" : "") + ")");
        }
        out.flush();
        return ExitCode.OK;
      }
    }
  }

  @Command(
        name = "redrive",
      description = "Move every entry of queue FROM that is not being processed to the end of"
          + " queue TO (for example back from a dead-letter queue).")
  static final class Redrive implements Callable<Integer> {
    private final Main main;

    @Spec CommandSpec spec;

    @Mixin StoreArgs store;

    @Parameters(index = "1", paramLabel = "FROM", description = "The queue to empty.")
    String from;

    @Parameters(index = "2", paramLabel = "TO", description = "The queue to fill.")
    String to;

    Redrive(Main main) {
      this.main = main;
    }

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (AtomicDb db = main.openExisting(store.dir)) {
        StoreTools tools = StoreTools.of(db);
        tools.queueExists(to); // checks the name
        if (from.equals(to)) {
          throw new CliException(ExitCode.USAGE, "FROM and TO must differ (both '" + from + "')");
        }
        long moved = tools.queueExists(from) ? db.queueRedrive(from, to) : 0;
        if (store.json) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("from", from);
          m.put("to", to);
          m.put("moved", moved);
          out.println(Json.write(m));
        } else {
          out.println("moved " + moved + " entr" + (moved == 1 ? "y" : "ies") + " from '" + from
              + "' to '" + to + "'");
        }
        out.flush();
        return ExitCode.OK;
      }
    }
  }

  @Command(
      name = "quarantine",
      description = "Show the damaged entries queues set aside (their bytes as found, and why),"
          + " export them to FILE, or delete them; --sweep sets aside the damaged entries of PK"
          + " that no operation has met yet. Without PK: every queue.")
  static final class Quarantine implements Callable<Integer> {
    private final Main main;

    @Spec CommandSpec spec;

    @Mixin StoreArgs store;

    @Parameters(index = "1", arity = "0..1", paramLabel = "PK", description = "The queue (default: every queue).")
    String pk;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20",
        description = "Show at most N entries (default: ${DEFAULT-VALUE}; 0 = all).")
    int limit;

    @Option(names = "--export", paramLabel = "FILE",
        description = "Write every quarantined entry (of PK, or of every queue) to FILE, one JSON"
            + " object a line with its bytes in hex; FILE is readable by its owner only.")
    Path export;

    @Option(names = "--delete", paramLabel = "SK",
        description = "Delete the quarantined entries with this sk (needs PK; repeatable).")
    List<String> delete = new ArrayList<>();

    @Option(names = "--delete-all",
        description = "Delete every quarantined entry of PK (needs PK).")
    boolean deleteAll;

    @Option(names = "--sweep",
        description = "First read every entry of PK (needs PK) and set each damaged one aside, as a"
            + " pull meeting it would; intact entries are not touched.")
    boolean sweep;

    Quarantine(Main main) {
      this.main = main;
    }

    private static Map<String, Object> json(QuarantinedEntry e) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("pk", e.pk());
      m.put("sk", e.sk());
      m.put("quarantinedAt", Instant.ofEpochMilli(e.quarantinedAtMillis()).toString());
      m.put("reason", e.reason());
      m.put("intact", e.intact());
      m.put("bytes", HexFormat.of().formatHex(e.bytes()));
      return m;
    }

    @Override
    public Integer call() throws Exception {
      if (limit < 0) {
        throw new CliException(ExitCode.USAGE, "--limit must be >= 0 (0 = all), was " + limit);
      }
      if ((deleteAll || !delete.isEmpty() || sweep) && pk == null) {
        throw new CliException(ExitCode.USAGE, "--delete, --delete-all and --sweep need the queue: give PK");
      }
      if (deleteAll && !delete.isEmpty()) {
        throw new CliException(ExitCode.USAGE, "give --delete SK or --delete-all, not both");
      }
      PrintWriter out = spec.commandLine().getOut();
      try (AtomicDb db = main.openExisting(store.dir)) {
        StoreTools tools = StoreTools.of(db);
        long swept = 0;
        if (sweep) {
          long n = tools.setAsideDamaged(pk);
          swept = n;
          if (!store.json) {
            out.println("set aside " + n + " damaged entr" + (n == 1 ? "y" : "ies") + " of queue '" + pk + "'");
          }
        }
        if (export != null) {
          long n = export(tools);
          say(out, "exported", n, export.toString());
          return ExitCode.OK;
        }
        if (deleteAll || !delete.isEmpty()) {
          List<String> sks = new ArrayList<>(delete);
          if (deleteAll) {
            for (QuarantinedEntry e : tools.quarantined(pk, 0)) {
              if (!sks.contains(e.sk())) {
                sks.add(e.sk());
              }
            }
          }
          long n = 0;
          for (String sk : sks) {
            n += tools.deleteQuarantined(pk, sk);
          }
          say(out, "deleted", n, null);
          return ExitCode.OK;
        }
        long total = tools.quarantinedCount(pk);
        List<QuarantinedEntry> shown = tools.quarantined(pk, limit);
        if (store.json) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("pk", pk);
          if (sweep) {
            m.put("setAside", swept);
          }
          m.put("quarantined", total);
          List<Object> l = new ArrayList<>();
          for (QuarantinedEntry e : shown) {
            l.add(json(e));
          }
          m.put("entries", l);
          out.println(Json.write(m));
        } else {
          Table t = new Table("queue", "sk", "quarantined at", ">bytes", "reason");
          for (QuarantinedEntry e : shown) {
            t.row(e.pk(), e.sk(), Instant.ofEpochMilli(e.quarantinedAtMillis()), e.bytes().length,
                (e.intact() ? "" : "(record damaged too) ") + e.reason());
          }
          t.print(out);
          out.println("(" + total + " quarantined entr" + (total == 1 ? "y" : "ies")
              + (shown.size() < total ? ", " + shown.size() + " shown; --limit 0 shows all" : "")
              + (total > 0 ? "; --export FILE saves them, --delete SK removes them" : "") + ")");
        }
        out.flush();
        return ExitCode.OK;
      }
    }

    private void say(PrintWriter out, String what, long n, String file) {
      if (store.json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pk", pk);
        m.put(what, n);
        if (file != null) {
          m.put("file", file);
        }
        out.println(Json.write(m));
      } else {
        out.println(what + " " + n + " quarantined entr" + (n == 1 ? "y" : "ies")
            + (pk == null ? "" : " of queue '" + pk + "'") + (file == null ? "" : " to " + file));
      }
      out.flush();
    }

    /** Writes beside FILE, owner-only, and renames into place, so FILE is never half-written. */
    private long export(StoreTools tools) throws Exception {
      Path abs = export.toAbsolutePath();
      Path parent = abs.getParent();
      if (parent != null && !Files.isDirectory(parent)) {
        throw new CliException(ExitCode.USAGE, "the directory " + parent + " of " + export
            + " does not exist; create it first or give another FILE");
      }
      if (Files.isDirectory(abs)) {
        throw new CliException(ExitCode.USAGE, export + " is a directory; give the name of the file to write");
      }
      Path tmp = abs.resolveSibling(abs.getFileName() + ".part");
      Files.deleteIfExists(tmp);
      OwnerOnlyFiles.create(tmp);
      long n = 0;
      try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        for (QuarantinedEntry e : tools.quarantined(pk, 0)) {
          w.write(Json.write(json(e)));
          w.newLine();
          n++;
        }
      } catch (Exception e) {
        Files.deleteIfExists(tmp);
        throw e;
      }
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return n;
    }
  }
}
