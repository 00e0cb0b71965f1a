package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, versionProvider = Main.Version.class, name = "query", description = "List the items of partition PK in sort-key order.")
final class QueryCommand implements Callable<Integer> {
  private final Main main;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The store directory.")
  Path dir;

  @Parameters(index = "1", paramLabel = "PK", description = "Partition key.")
  String pk;

  @Option(names = "--prefix", paramLabel = "P", description = "Only sort keys starting with P.")
  String prefix;

  @Option(names = "--reverse", description = "Descending sort-key order.")
  boolean reverse;

  @Option(names = "--limit", paramLabel = "N", description = "At most N items (default: all).")
  int limit;

  @Option(names = "--json", description = "Print a JSON array instead of text.")
  boolean json;

  @Option(names = "--typed", description = "Show data in the typed JSON form of export files.")
  boolean typed;

  QueryCommand(Main main) {
    this.main = main;
  }

  @Override
  public Integer call() {
    if (limit < 0) {
      throw new CliException(ExitCode.USAGE, "--limit must be >= 0 (0 = all), was " + limit);
    }
    PrintWriter out = spec.commandLine().getOut();
    try (AtomicDb db = main.openExisting(dir)) {
      List<RawStore.StoredItem> items = new RawStore(db).query(pk, prefix, reverse, limit);
      if (json) {
        List<Object> l = new ArrayList<>();
        for (RawStore.StoredItem it : items) {
          l.add(GetCommand.itemJson(it, typed));
        }
        out.println(Json.write(l));
      } else {
        Table t = new Table("sk", "ttl", "data");
        for (RawStore.StoredItem it : items) {
          Object data = typed ? Values.typed(it.value()) : Values.plain(it.value());
          t.row(it.sk(), it.ttl() == null ? "-" : it.ttl(), Json.write(data));
        }
        t.print(out);
        out.println("(" + items.size() + " item" + (items.size() == 1 ? "" : "s") + ")");
      }
      out.flush();
      return ExitCode.OK;
    }
  }
}
