package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
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
    name = "get",
    description = "Show the item at PK/SK. Exit code 1 if there is none (or it expired).")
final class GetCommand implements Callable<Integer> {
  private final Main main;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The store directory.")
  Path dir;

  @Parameters(index = "1", paramLabel = "PK", description = "Partition key.")
  String pk;

  @Parameters(index = "2", paramLabel = "SK", description = "Sort key.")
  String sk;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  boolean json;

  @Option(names = "--typed", description = "Show data in the typed JSON form of export files.")
  boolean typed;

  GetCommand(Main main) {
    this.main = main;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (AtomicDb db = main.openExisting(dir)) {
      RawStore.StoredItem it = new RawStore(db).get(pk, sk);
      if (it == null) {
        spec.commandLine().getErr().println("atomicdb: no item at (pk '" + pk + "', sk '" + sk + "')");
        spec.commandLine().getErr().flush();
        return ExitCode.NEGATIVE;
      }
      Map<String, Object> m = itemJson(it, typed);
      if (json) {
        out.println(Json.write(m));
        out.flush();
      } else {
        Table.pairs(out, "pk", it.pk(), "sk", it.sk(), "ttl", ttlText(it.ttl()),
            "data", Json.write(m.get("data")));
      }
      return ExitCode.OK;
    }
  }

  static Map<String, Object> itemJson(RawStore.StoredItem it, boolean typed) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pk", it.pk());
    m.put("sk", it.sk());
    m.put("ttl", it.ttl());
    m.put("data", typed ? Values.typed(it.value()) : Values.plain(it.value()));
    return m;
  }

  static String ttlText(Long ttl) {
    return ttl == null ? "none" : ttl + " (" + Instant.ofEpochSecond(ttl) + ")";
  }
}
