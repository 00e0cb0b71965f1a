package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.Query;
import io.github.atomicdb.tools.ItemRecord;
import io.github.atomicdb.tools.StoreTools;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "query", description = "List the items of partition PK in sort-key order.")
final class QueryCommand implements Callable<Integer> {
  private final Main main;

  @Spec CommandSpec spec;

  @Mixin StoreArgs store;

  @Parameters(index = "1", paramLabel = "PK", description = "Partition key.")
  String pk;

  @Option(names = "--prefix", paramLabel = "P", description = "Only sort keys starting with P.")
  String prefix;

  @Option(names = "--reverse", description = "Descending sort-key order.")
  boolean reverse;

  @Option(names = "--limit", paramLabel = "N", description = "At most N items (default: all).")
  int limit;

  @Mixin TypedArg typed;

  QueryCommand(Main main) {
    this.main = main;
  }

  @Override
  public Integer call() {
    if (limit < 0) {
      throw new CliException(ExitCode.USAGE, "--limit must be >= 0 (0 = all), was " + limit);
    }
    PrintWriter out = spec.commandLine().getOut();
    try (AtomicDb db = main.openForReading(store.dir, spec.commandLine().getErr())) {
      List<ItemRecord> items = StoreTools.of(db).query(new Query(pk, prefix, reverse, limit));
      if (store.json) {
        List<Object> l = new ArrayList<>();
        for (ItemRecord it : items) {
          l.add(GetCommand.itemJson(it, typed.typed));
        }
        out.println(Json.write(l));
      } else {
        Table t = new Table("sk", "ttl", "data");
        for (ItemRecord it : items) {
          Object data = typed.typed ? Values.typed(it.value()) : Values.plain(it.value());
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
