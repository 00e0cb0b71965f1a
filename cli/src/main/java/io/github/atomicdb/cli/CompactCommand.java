package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.tools.DiskUsage;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "compact",
    description = "Compact the whole store: removes deleted records and expired items from disk."
        + " Prints the live data size (data files and write-ahead log) before and after.")
final class CompactCommand implements Callable<Integer> {
  private final Main main;

  @Spec CommandSpec spec;

  @Mixin StoreArgs store;

  CompactCommand(Main main) {
    this.main = main;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    DiskUsage before;
    DiskUsage after;
    try (AtomicDb db = main.openExisting(store.dir)) {
      before = main.backend.diskUsage(store.dir);
      if (!store.json && Progress.terminal()) {
        spec.commandLine().getErr().print("compacting...\r");
        spec.commandLine().getErr().flush();
      }
      main.backend.compact(db);
    }
    after = main.backend.diskUsage(store.dir); // closed: files the compaction replaced are gone
    if (store.json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("store", store.dir.toString());
      m.put("liveDataBytesBefore", before.liveBytes());
      m.put("liveDataBytesAfter", after.liveBytes());
      out.println(Json.write(m));
    } else {
      out.println("compacted " + store.dir + ": live data " + Table.humanBytes(before.liveBytes()) + " -> "
          + Table.humanBytes(after.liveBytes()));
    }
    out.flush();
    return ExitCode.OK;
  }
}
