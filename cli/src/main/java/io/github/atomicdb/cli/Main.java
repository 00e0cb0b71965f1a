package io.github.atomicdb.cli;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.AtomicDbException;
import io.github.atomicdb.CorruptDataException;
import io.github.atomicdb.tools.ReadPosition;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * The {@code atomicdb} command: a demo of the store, inspection, and operations (export,
 * import, backup, compact, verify) on a store directory.
 *
 * <p>Errors are one line on stderr saying what is wrong and what to do, with a distinct {@link
 * ExitCode}; {@code --verbose} adds the stack trace.
 */
@Command(
    name = "atomicdb",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Demo, inspect and operate an atomic-db store directory.",
    footerHeading = "%nExit codes:%n",
    footer = {
      "   0  success",
      "   1  negative answer: verify found problems, get found no item",
      "   2  usage: bad command, option or argument; refused input",
      "   3  no store: the directory does not exist or is not an atomic-db store",
      "   4  store in use by another process",
      "   5  store or I/O failure (disk, permissions, damaged data)",
      "  70  internal error (please report it with --verbose output)",
      " 130  interrupted"
    })
public final class Main implements Callable<Integer> {
  final Backend backend;

  @Spec CommandSpec spec;

  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description = "On an error, print its stack trace too.")
  boolean verbose;

  Main(Backend backend) {
    this.backend = backend;
  }

  /** Runs the command and exits the JVM with its exit code. */
  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int code = commandLine(new RocksBackend(), out, err).execute(args);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** The command line over {@code backend}, writing to {@code out} and {@code err}. */
  static CommandLine commandLine(Backend backend, PrintWriter out, PrintWriter err) {
    Main main = new Main(backend);
    CommandLine cl = new CommandLine(main);
    cl.addSubcommand(new DemoCommand(main));
    cl.addSubcommand(new InfoCommand(main));
    cl.addSubcommand(new GetCommand(main));
    cl.addSubcommand(new QueryCommand(main));
    cl.addSubcommand(QueueCommand.commandLine(main));
    cl.addSubcommand(new ExportCommand(main));
    cl.addSubcommand(new ImportCommand(main));
    cl.addSubcommand(new BackupCommand(main));
    cl.addSubcommand(new CompactCommand(main));
    cl.addSubcommand(new VerifyCommand(main));
    cl.addSubcommand(new ConsoleCommand(main));
    cl.setOut(out);
    cl.setErr(err);
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          CommandLine c = ex.getCommandLine();
          c.getErr().println("atomicdb: " + ex.getMessage() + "; see `"
              + c.getCommandSpec().qualifiedName() + " --help`");
          c.getErr().flush();
          return ExitCode.USAGE;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, parseResult) -> {
          CliException e = map(ex);
          c.getErr().println("atomicdb: " + e.getMessage());
          boolean verbose = Arrays.asList(parseResult.originalArgs().toArray(new String[0]))
              .stream().anyMatch(a -> a.equals("-v") || a.equals("--verbose"));
          if (verbose) {
            ex.printStackTrace(c.getErr());
          }
          c.getErr().flush();
          return e.exitCode();
        });
    return cl;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCode.USAGE;
  }

  /** Turns any failure into one line and an exit code. */
  static CliException map(Throwable ex) {
    if (ex instanceof CliException c) {
      return c;
    }
    String m = String.valueOf(ex.getMessage());
    if (ex instanceof CorruptDataException) {
      return new CliException(ExitCode.IO, "the store's data is damaged: " + m
          + "; run `./atomicdb verify DIR` to list every damaged record", ex);
    }
    if (ex instanceof AtomicDbException) {
      if (m.contains("already open")) {
        return new CliException(ExitCode.IN_USE, "the store is in use by another process: " + m, ex);
      }
      if (m.contains("not an atomic-db store") || m.contains("holds no RocksDB")
          || m.contains("newer atomic-db") || m.contains("cannot be read as a RocksDB")
          || m.contains("exists and is not a directory")) {
        return new CliException(ExitCode.NO_STORE, m, ex);
      }
      return new CliException(ExitCode.IO, m, ex);
    }
    if (ex instanceof UncheckedIOException || ex instanceof IOException) {
      return new CliException(ExitCode.IO, "I/O error: " + m + "; check the path, free space and"
          + " permissions", ex);
    }
    if (ex instanceof UnsupportedOperationException) {
      return new CliException(ExitCode.USAGE, m, ex);
    }
    if (ex instanceof IllegalArgumentException || ex instanceof NullPointerException) {
      return new CliException(ExitCode.USAGE, m, ex);
    }
    return new CliException(ExitCode.INTERNAL, "internal error: " + ex
        + "; please report it with the output of --verbose", ex);
  }

  /** Opens an existing store. */
  AtomicDb openExisting(Path dir) {
    backend.requireStore(dir);
    return open(dir);
  }

  /** Opens a store, creating it if absent, for a command that writes. */
  AtomicDb open(Path dir) {
    try {
      return backend.open(dir);
    } catch (AtomicDbException e) {
      CliException c = map(e);
      if (c.exitCode() == ExitCode.IN_USE) {
        throw new CliException(ExitCode.IN_USE, "the store at " + dir + " is in use by another"
            + " process (or already open in this one), and this command writes, so it needs the"
            + " store to itself: stop that process and try again, or do it in the application"
            + " that holds the store (AtomicRocksDb checkpoint(), compact(), tools() for import"
            + " and queue redrive). Commands that only read (info, get, query, queue stats, queue"
            + " peek, export, verify) work on a store in use", e);
      }
      throw c;
    }
  }

  /**
   * Opens an existing store for a command that only reads. A store another process holds is
   * read through a read-only follower (no lock taken, nothing written), and a line on {@code
   * err} says so and how fresh what follows is.
   */
  AtomicDb openForReading(Path dir, PrintWriter err) {
    backend.requireStore(dir);
    try {
      return backend.open(dir);
    } catch (AtomicDbException e) {
      if (map(e).exitCode() != ExitCode.IN_USE) {
        throw map(e);
      }
    }
    AtomicDb db;
    try {
      db = backend.openFollower(dir);
    } catch (AtomicDbException e) {
      throw map(e);
    }
    backend.readPosition(db).ifPresent(p -> {
      err.println("atomicdb: " + freshness(dir, p));
      err.flush();
    });
    return db;
  }

  /** The line that says a held store is read live, and as of when. */
  static String freshness(Path dir, ReadPosition p) {
    return "live store " + dir + " is held by another process; read-only view as of "
        + p.caughtUpAt().truncatedTo(ChronoUnit.MILLIS) + ", caught up to sequence "
        + p.sequence() + " (later writes are not shown)";
  }

  /** The version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"atomicdb " + (v == null ? "(development build)" : v)};
    }
  }
}
