package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.tools.ItemRecord;
import io.github.atomicdb.tools.StoreTools;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "get",
    description = "Show the item at PK/SK. Exit code 1 if there is none (or it expired); with"
        + " --json that answer is {\"pk\":..,\"sk\":..,\"found\":false}.")
final class GetCommand implements Callable<Integer> {
  private final Main main;

  @Spec CommandSpec spec;

  @Mixin StoreArgs store;

  @Parameters(index = "1", paramLabel = "PK", description = "Partition key.")
  String pk;

  @Parameters(index = "2", paramLabel = "SK", description = "Sort key.")
  String sk;

  @Mixin TypedArg typed;

  GetCommand(Main main) {
    this.main = main;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (AtomicDb db = main.openForReading(store.dir, spec.commandLine().getErr())) {
      ItemRecord it = StoreTools.of(db).item(pk, sk).orElse(null);
      if (it == null) {
        if (store.json) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("pk", pk);
          m.put("sk", sk);
          m.put("found", false);
          out.println(Json.write(m));
          out.flush();
        } else {
          spec.commandLine().getErr().println("atomicdb: no item at (pk '" + pk + "', sk '" + sk + "')");
          spec.commandLine().getErr().flush();
        }
        return ExitCode.NEGATIVE;
      }
      Map<String, Object> m = itemJson(it, typed.typed);
      if (store.json) {
        m.put("found", true);
        out.println(Json.write(m));
        out.flush();
      } else {
        Table.pairs(out, "pk", it.pk(), "sk", it.sk(), "ttl", ttlText(it.ttl()),
            "data", Json.write(m.get("data")));
      }
      return ExitCode.OK;
    }
  }

  static Map<String, Object> itemJson(ItemRecord it, boolean typed) {
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
