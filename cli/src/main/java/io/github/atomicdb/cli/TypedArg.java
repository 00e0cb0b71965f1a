package io.github.atomicdb.cli;

import picocli.CommandLine.Option;

/** {@code --typed} of the commands that show stored values. A picocli mixin. */
final class TypedArg {
  @Option(names = "--typed", description = "Show data in the typed JSON form of export files.")
  boolean typed;
}
