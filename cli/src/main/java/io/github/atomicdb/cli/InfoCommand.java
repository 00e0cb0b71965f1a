package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.QueueStats;
import io.github.atomicdb.tools.DiskUsage;
import io.github.atomicdb.tools.ReadPosition;
import io.github.atomicdb.tools.StoreCounts;
import io.github.atomicdb.tools.StoreTools;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "info",
    description = "Show a store's format, item, lock and queue counts, live data size, and every"
        + " queue with its stats.")
final class InfoCommand implements Callable<Integer> {
  private final Main main;

  @Spec CommandSpec spec;

  @Mixin StoreArgs store;

  InfoCommand(Main main) {
    this.main = main;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    StoreCounts counts;
    int formatVersion;
    long quarantined;
    List<Map<String, Object>> queues = new ArrayList<>();
    ReadPosition live;
    try (AtomicDb db = main.openForReading(store.dir, spec.commandLine().getErr())) {
      live = main.backend.readPosition(db).orElse(null);
      StoreTools tools = StoreTools.of(db);
      formatVersion = tools.formatVersion();
      try (Progress p = new Progress(spec.commandLine().getErr(), !store.json && Progress.terminal(), "counting", 0)) {
        counts = tools.counts(n -> p.set(n, "records"));
      }
      for (String pk : tools.queueNames()) {
        QueueStats s = db.queueStats(pk);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pk", pk);
        m.put("available", s.available());
        m.put("inFlight", s.inFlight());
        m.put("delayed", s.delayed());
        m.put("oldestAvailableAgeSeconds", s.oldestAvailableAgeSeconds());
        m.put("quarantined", tools.quarantinedCount(pk));
        queues.add(m);
      }
      quarantined = tools.quarantinedCount(null);
    }
    // Measured once closed: no background compaction is half-way through a file then.
    DiskUsage disk = main.backend.diskUsage(store.dir);
    if (store.json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("store", store.dir.toAbsolutePath().normalize().toString());
      m.put("formatVersion", formatVersion);
      if (live != null) {
        m.put("live", Map.of("readAsOf", live.caughtUpAt().toString(), "sequence", live.sequence()));
      }
      m.put("liveDataBytes", disk.liveBytes());
      m.put("housekeepingBytes", disk.otherBytes());
      m.put("items", counts.items());
      m.put("expiredItems", counts.expiredItems());
      m.put("locks", counts.locks());
      m.put("queueEntries", counts.queueEntries());
      m.put("quarantinedQueueEntries", quarantined);
      m.put("queues", queues);
      out.println(Json.write(m));
      out.flush();
      return ExitCode.OK;
    }
    Table.pairs(out,
        "store", store.dir.toAbsolutePath().normalize(),
        "format version", formatVersion,
        "read", live == null ? "with the store to itself"
            : "live, held by another process: as of " + live.caughtUpAt() + ", sequence "
                + live.sequence(),
        "live data", Table.humanBytes(disk.liveBytes()) + " (" + disk.liveBytes() + " bytes; "
            + "RocksDB's housekeeping files apart: " + Table.humanBytes(disk.otherBytes()) + ")",
        "items", counts.items() + (counts.expiredItems() > 0
            ? " (+ " + counts.expiredItems() + " expired, removed by compaction)" : ""),
        "locks", counts.locks(),
        "queue entries", counts.queueEntries() + (quarantined == 0 ? ""
            : " (+ " + quarantined + " damaged, set aside: `atomicdb queue quarantine DIR`)"),
        "queues", queues.size());
    if (!queues.isEmpty()) {
      out.println();
      Table t = new Table("queue", ">available", ">in flight", ">delayed", ">oldest available (s)",
          ">quarantined");
      for (Map<String, Object> q : queues) {
        t.row(q.get("pk"), q.get("available"), q.get("inFlight"), q.get("delayed"),
            q.get("oldestAvailableAgeSeconds"), q.get("quarantined"));
      }
      t.print(out);
    }
    return ExitCode.OK;
  }
}
