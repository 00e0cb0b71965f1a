package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    name = "compact",
    description = "Compact the whole store: removes deleted records and expired items from disk.")
final class CompactCommand implements Callable<Integer> {
  private final Main main;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The store directory.")
  Path dir;

  @Option(names = "--json", description = "Print the summary as JSON.")
  boolean json;

  CompactCommand(Main main) {
    this.main = main;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    long before;
    try (AtomicDb db = main.openExisting(dir)) {
      before = RawStore.sizeOnDisk(dir);
      if (!json && Progress.terminal()) {
        spec.commandLine().getErr().print("compacting...\r");
        spec.commandLine().getErr().flush();
      }
      main.backend.compact(db);
    }
    long after = RawStore.sizeOnDisk(dir);
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("store", dir.toString());
      m.put("sizeBeforeBytes", before);
      m.put("sizeAfterBytes", after);
      out.println(Json.write(m));
    } else {
      out.println("compacted " + dir + ": " + RawStore.humanBytes(before) + " -> "
          + RawStore.humanBytes(after));
    }
    out.flush();
    return ExitCode.OK;
  }
}
