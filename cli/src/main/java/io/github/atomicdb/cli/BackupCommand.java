package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import java.io.PrintWriter;
import java.nio.file.Files;
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
    name = "backup",
    description = "Write a consistent copy of the store in DIR to the new directory DEST (a"
        + " RocksDB checkpoint: hard links where possible). DEST is itself a store: open it, or"
        + " copy it back in place of DIR to restore.")
final class BackupCommand implements Callable<Integer> {
  private final Main main;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The store directory.")
  Path dir;

  @Parameters(index = "1", paramLabel = "DEST", description = "A directory that does not exist yet.")
  Path dest;

  @Option(names = "--json", description = "Print the summary as JSON.")
  boolean json;

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
    try (AtomicDb db = main.openExisting(dir)) {
      main.backend.checkpoint(db, dest);
    }
    long size = RawStore.sizeOnDisk(dest);
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("store", dir.toString());
      m.put("backup", dest.toString());
      m.put("sizeOnDiskBytes", size);
      out.println(Json.write(m));
    } else {
      out.println("backed up " + dir + " to " + dest + " (" + RawStore.humanBytes(size) + ")");
    }
    out.flush();
    return ExitCode.OK;
  }
}
