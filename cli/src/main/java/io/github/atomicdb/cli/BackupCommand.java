package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "backup",
    description = "Write a consistent copy of the store in DIR to the new directory DEST (a"
        + " RocksDB checkpoint: hard links where possible), readable by its owner only. DEST is"
        + " itself a store: open it, or copy it back in place of DIR to restore.")
final class BackupCommand implements Callable<Integer> {
  private final Main main;

  @Spec CommandSpec spec;

  @Mixin StoreArgs store;

  @Parameters(index = "1", paramLabel = "DEST", description = "A directory that does not exist yet.")
  Path dest;

  BackupCommand(Main main) {
    this.main = main;
  }

  @Override
  public Integer call() {
    if (Files.exists(dest)) {
      throw new CliException(ExitCode.USAGE, dest + " already exists; give a new directory for"
          + " the backup");
    }
    Path parent = dest.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new CliException(ExitCode.USAGE, "the parent directory " + parent + " of " + dest
          + " does not exist; create it first");
    }
    PrintWriter out = spec.commandLine().getOut();
    try (AtomicDb db = main.openExisting(store.dir)) {
      main.backend.checkpoint(db, dest);
    }
    long size = main.backend.diskUsage(dest).liveBytes();
    if (store.json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("store", store.dir.toString());
      m.put("backup", dest.toString());
      m.put("liveDataBytes", size);
      out.println(Json.write(m));
    } else {
      out.println("backed up " + store.dir + " to " + dest + " (" + Table.humanBytes(size) + " of live data)");
    }
    out.flush();
    return ExitCode.OK;
  }
}
