package io.github.atomicdb.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What every command on a store takes: the store directory first, {@code --json}, and the
 * standard {@code --help} and {@code --version}. A picocli mixin.
 */
@Command(mixinStandardHelpOptions = true, versionProvider = Main.Version.class)
final class StoreArgs {
  @Parameters(index = "0", paramLabel = "DIR", description = "The store directory.")
  Path dir;

  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;
}
