package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.QueueStats;
import io.github.atomicdb.internal.Records;
import io.github.atomicdb.spi.Space;
import java.io.PrintWriter;
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

@Command(
    mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    name = "info",
    description = "Show a store's format, item, lock and queue counts, size on disk, and every"
        + " queue with its stats.")
final class InfoCommand implements Callable<Integer> {
  private final Main main;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The store directory.")
  Path dir;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  boolean json;

  InfoCommand(Main main) {
    this.main = main;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (AtomicDb db = main.openExisting(dir)) {
      RawStore raw = new RawStore(db);
      long now = raw.nowMillis();
      long[] items = new long[2];
      long[] locks = new long[1];
      long[] entries = new long[1];
      try (Progress p = new Progress(spec.commandLine().getErr(), !json && Progress.terminal(), "counting", 0)) {
        raw.forEach(Space.ITEMS, kv -> {
          Long ttl = Records.openItem(kv[1], "item").ttl();
          items[ttl != null && now > ttl * 1000L ? 1 : 0]++;
          p.step(1, "records");
        });
        raw.forEach(Space.LOCKS, kv -> {
          locks[0]++;
          p.step(1, "records");
        });
        raw.forEach(Space.QUEUE, kv -> {
          entries[0]++;
          p.step(1, "records");
        });
      }
      List<Map<String, Object>> queues = new ArrayList<>();
      for (RawStore.QueueCounters q : raw.queues()) {
        QueueStats s = db.queueStats(q.pk());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pk", q.pk());
        m.put("available", s.available());
        m.put("inFlight", s.inFlight());
        m.put("delayed", s.delayed());
        m.put("oldestAvailableAgeSeconds", s.oldestAvailableAgeSeconds());
        queues.add(m);
      }
      long size = RawStore.sizeOnDisk(dir);
      if (json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("store", dir.toAbsolutePath().normalize().toString());
        m.put("formatVersion", main.backend.formatVersion(db));
        m.put("recordFormat", (int) Records.FORMAT);
        m.put("sizeOnDiskBytes", size);
        m.put("items", items[0]);
        m.put("expiredItems", items[1]);
        m.put("locks", locks[0]);
        m.put("queueEntries", entries[0]);
        m.put("queues", queues);
        out.println(Json.write(m));
        out.flush();
        return ExitCode.OK;
      }
      Table.pairs(out,
          "store", dir.toAbsolutePath().normalize(),
          "format version", main.backend.formatVersion(db) + " (records: " + Records.FORMAT + ")",
          "size on disk", RawStore.humanBytes(size) + " (" + size + " bytes)",
          "items", items[0] + (items[1] > 0 ? " (+ " + items[1] + " expired, removed by compaction)" : ""),
          "locks", locks[0],
          "queue entries", entries[0],
          "queues", queues.size());
      if (!queues.isEmpty()) {
        out.println();
        Table t = new Table("queue", ">available", ">in flight", ">delayed", ">oldest available (s)");
        for (Map<String, Object> q : queues) {
          t.row(q.get("pk"), q.get("available"), q.get("inFlight"), q.get("delayed"),
              q.get("oldestAvailableAgeSeconds"));
        }
        t.print(out);
      }
      return ExitCode.OK;
    }
  }
}
