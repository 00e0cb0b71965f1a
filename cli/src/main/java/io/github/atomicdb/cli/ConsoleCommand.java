package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.console.AtomicConsole;
import io.github.atomicdb.console.ConsoleOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "console",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Serve the queue console in the browser for a store not in use: queues with their depth,"
          + " dead-letter queues, peek, redrive and delete (after a confirmation), items by pk and"
          + " sort-key prefix.",
      "Prints the URL to open, with its token (treat it as a password). Runs until Ctrl-C, then"
          + " closes the store. An application shows its own open store with"
          + " AtomicConsole.start(db, options) instead."
    })
final class ConsoleCommand implements Callable<Integer> {
  private final Main main;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The store directory.")
  Path dir;

  @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only).")
  String host;

  @Option(names = "--port", paramLabel = "N", defaultValue = "0",
      description = "Port to listen on (default: any free port).")
  int port;

  @Option(names = "--read-only", description = "Refuse redrive and delete: only look.")
  boolean readOnly;

  @Option(names = "--dead-letter", paramLabel = "DLQ=QUEUE",
      description = "Show queue DLQ as the dead-letter queue of QUEUE (one named otherwise than"
          + " QUEUE-dlq); may be repeated.")
  Map<String, String> deadLetters = new LinkedHashMap<>();

  ConsoleCommand(Main main) {
    this.main = main;
  }

  @Override
  public Integer call() {
    ConsoleOptions options;
    try {
      options = ConsoleOptions.defaults().withHost(host).withPort(port).withReadOnly(readOnly);
      for (Map.Entry<String, String> e : deadLetters.entrySet()) {
        options = options.withDeadLetterQueue(e.getKey(), e.getValue());
      }
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCode.USAGE, e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    AtomicDb db = main.openExisting(dir);
    AtomicConsole console;
    try {
      console = AtomicConsole.start(db, options);
    } catch (RuntimeException e) {
      db.close();
      if (e instanceof java.io.UncheckedIOException) {
        throw new CliException(ExitCode.USAGE, e.getMessage(), e);
      }
      throw e;
    }
    Thread stop = new Thread(() -> {
      console.close();
      db.close();
    }, "atomicdb-console-stop");
    Runtime.getRuntime().addShutdownHook(stop);
    out.println("queue console for " + dir + (readOnly ? " (read-only)" : "") + ":");
    out.println("  " + console.url());
    out.println("Open it in a browser; the token in it is the console's password. Ctrl-C stops"
        + " the console and closes the store.");
    out.flush();
    try {
      new CountDownLatch(1).await();
      return ExitCode.OK;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExitCode.INTERRUPTED;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(stop);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or has run: it closes both
      }
      console.close();
      db.close();
    }
  }
}
