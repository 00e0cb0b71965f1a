package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.tools.StoreTools;
import io.github.atomicdb.tools.VerifyReport;
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

/** Runs {@link StoreTools#verify} and prints what it found. */
@Command(
    name = "verify",
    description = "Read every record of the store and check keys, envelopes, checksums, values"
        + " and queue indexes. Exit code 1 if any problem is found; each is listed with its key.")
final class VerifyCommand implements Callable<Integer> {
  private static final int MAX_LISTED = 1000;
  private final Main main;

  @Spec CommandSpec spec;

  @Mixin StoreArgs store;

  VerifyCommand(Main main) {
    this.main = main;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    VerifyReport r;
    try (AtomicDb db = main.openForReading(store.dir, spec.commandLine().getErr());
        Progress p = new Progress(spec.commandLine().getErr(), !store.json && Progress.terminal(), "verifying", 0)) {
      r = StoreTools.of(db).verify(MAX_LISTED, n -> p.set(n, "records"));
    }
    if (store.json) {
      List<Map<String, Object>> problems = new ArrayList<>();
      for (VerifyReport.Problem pr : r.problems()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("space", pr.space());
        m.put("key", pr.key());
        m.put("problem", pr.problem());
        problems.add(m);
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("store", store.dir.toString());
      m.put("records", r.records());
      m.put("items", r.items());
      m.put("locks", r.locks());
      m.put("queueEntries", r.queueEntries());
      m.put("queueIndexRecords", r.queueIndexRecords());
      m.put("ok", r.ok());
      m.put("problemCount", r.problemCount());
      m.put("problems", problems);
      out.println(Json.write(m));
    } else {
      for (VerifyReport.Problem pr : r.problems()) {
        out.println(pr.space() + " " + pr.key() + ": " + pr.problem());
      }
      if (r.problemCount() > r.problems().size()) {
        out.println("... and " + (r.problemCount() - r.problems().size()) + " more problems");
      }
      out.println("verified " + r.records() + " records (" + r.items() + " items, " + r.locks()
          + " locks, " + r.queueEntries() + " queue entries, " + r.queueIndexRecords()
          + " queue index records): " + (r.ok() ? "no problems"
              : r.problemCount() + " problem" + (r.problemCount() == 1 ? "" : "s")));
    }
    out.flush();
    return r.ok() ? ExitCode.OK : ExitCode.NEGATIVE;
  }
}
