package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.QueueStats;
import io.github.atomicdb.tools.QueueRecord;
import io.github.atomicdb.tools.StoreTools;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
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
    description = "Inspect and move queue entries: stats, peek, redrive.")
final class QueueCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  static CommandLine commandLine(Main main) {
    CommandLine cl = new CommandLine(new QueueCommand());
    cl.addSubcommand(new Stats(main));
    cl.addSubcommand(new Peek(main));
    cl.addSubcommand(new Redrive(main));
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
        if (store.json) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("pk", pk);
          m.put("exists", exists);
          m.put("available", s.available());
          m.put("inFlight", s.inFlight());
          m.put("delayed", s.delayed());
          m.put("oldestAvailableAgeSeconds", s.oldestAvailableAgeSeconds());
          out.println(Json.write(m));
          out.flush();
        } else {
          Table.pairs(out, "queue", pk + (exists ? "" : " (no such queue in this store)"), "available", s.available(), "in flight", s.inFlight(),
              "delayed", s.delayed(), "oldest available", s.oldestAvailableAgeSeconds() + " s");
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
}
