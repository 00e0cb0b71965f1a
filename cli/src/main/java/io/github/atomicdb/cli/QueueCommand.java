package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.QueueStats;
import io.github.atomicdb.internal.EngineAccess;
import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.spi.Space;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
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
import picocli.CommandLine;

@Command(mixinStandardHelpOptions = true, versionProvider = Main.Version.class, name = "queue", description = "Inspect and move queue entries: stats, peek, redrive.")
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

  /** Whether queue {@code pk} has a counters record (was ever pushed to); checks the name. */
  static boolean exists(AtomicDb db, String pk) {
    KeyCodec.checkPk(pk);
    return EngineAccess.get().kv(db).get(Space.QINDEX, EngineAccess.get().queueCountersKey(pk)) != null;
  }

  @Command(mixinStandardHelpOptions = true, versionProvider = Main.Version.class, name = "stats", description = "Show a queue's available, in-flight and delayed counts.")
  static final class Stats implements Callable<Integer> {
    private final Main main;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The store directory.")
    Path dir;

    @Parameters(index = "1", paramLabel = "PK", description = "The queue.")
    String pk;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    Stats(Main main) {
      this.main = main;
    }

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (AtomicDb db = main.openExisting(dir)) {
        // The engine's stats call writes the queue's counters back: do not create a record for
        // a queue that does not exist.
        boolean exists = exists(db, pk);
        QueueStats s = exists ? db.queueStats(pk) : new QueueStats(0, 0, 0, 0);
        if (json) {
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
      mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
      name = "peek",
      description = "Show a queue's entries in queue order without pulling them (nothing changes).")
  static final class Peek implements Callable<Integer> {
    private final Main main;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The store directory.")
    Path dir;

    @Parameters(index = "1", paramLabel = "PK", description = "The queue.")
    String pk;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20",
        description = "At most N entries (default: ${DEFAULT-VALUE}; 0 = all).")
    int limit;

    @Option(names = "--json", description = "Print a JSON array instead of text.")
    boolean json;

    Peek(Main main) {
      this.main = main;
    }

    @Override
    public Integer call() {
      if (limit < 0) {
        throw new CliException(ExitCode.USAGE, "--limit must be >= 0 (0 = all), was " + limit);
      }
      PrintWriter out = spec.commandLine().getOut();
      try (AtomicDb db = main.openExisting(dir)) {
        RawStore raw = new RawStore(db);
        long now = raw.nowMillis();
        List<RawStore.StoredEntry> entries = raw.peek(pk, limit);
        if (json) {
          List<Object> l = new ArrayList<>();
          for (RawStore.StoredEntry e : entries) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pk", e.pk());
            m.put("sk", e.sk());
            m.put("state", e.stateName(now));
            m.put("attempts", e.entry().attempts());
            m.put("until", e.entry().time() == 0 ? null : Instant.ofEpochMilli(e.entry().time()).toString());
            m.put("enqueuedAt", Instant.ofEpochMilli(e.entry().enqueuedAt()).toString());
            m.put("data", Values.plain(e.value()));
            l.add(m);
          }
          out.println(Json.write(l));
        } else {
          Table t = new Table("sk", "state", ">attempts", "until", ">age (s)", "data");
          for (RawStore.StoredEntry e : entries) {
            t.row(e.sk(), e.stateName(now), e.entry().attempts(),
                e.entry().time() == 0 ? "-" : Instant.ofEpochMilli(e.entry().time()),
                Math.max(0, (now - e.entry().enqueuedAt()) / 1000),
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
      mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
      name = "redrive",
      description = "Move every entry of queue FROM that is not being processed to the end of"
          + " queue TO (for example back from a dead-letter queue).")
  static final class Redrive implements Callable<Integer> {
    private final Main main;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The store directory.")
    Path dir;

    @Parameters(index = "1", paramLabel = "FROM", description = "The queue to empty.")
    String from;

    @Parameters(index = "2", paramLabel = "TO", description = "The queue to fill.")
    String to;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    Redrive(Main main) {
      this.main = main;
    }

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (AtomicDb db = main.openExisting(dir)) {
        KeyCodec.checkPk(to);
        if (from.equals(to)) {
          throw new CliException(ExitCode.USAGE, "FROM and TO must differ (both '" + from + "')");
        }
        long moved = exists(db, from) ? db.queueRedrive(from, to) : 0;
        if (json) {
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
