/**
 * The {@code atomicdb} command line: a demo, inspection and operations on a store directory.
 * Not part of the library API; it ships as {@code cli/target/atomicdb.jar} (run it with {@code
 * ./atomicdb} or {@code java -jar}). The README's "Command line" section is its user manual.
 *
 * <h2>Rules that hold for every command</h2>
 *
 * <ul>
 *   <li><b>Stores.</b> Every command opens the store once, in try-with-resources, and closes it
 *       before it exits (the demo also on Ctrl-C, through a shutdown hook). Only {@code demo}
 *       and {@code import} create a missing store; the others refuse a directory that holds no
 *       store (exit code 3). RocksDB lets one process open a store: a store open elsewhere is
 *       reported as in use (exit code 4).
 *   <li><b>Writes.</b> Every write is an atomic commit of the engine: {@code import} writes
 *       atomic batches after checking the whole file, {@code export} writes a temporary file
 *       and renames it, {@code backup} is a RocksDB checkpoint into a new directory. No command
 *       leaves a record half-written.
 *   <li><b>Output.</b> Results on stdout, aligned text by default and one JSON document with
 *       {@code --json}; progress (only on a terminal) and errors on stderr. An error is one line
 *       saying what is wrong and what to do, with an {@link io.github.atomicdb.cli.ExitCode}
 *       exit code; {@code --verbose} adds the stack trace.
 *   <li><b>Values.</b> Built-in types print as JSON; values of user classes, which the command
 *       line cannot decode, print as their class id and size and are exported as raw bytes.
 *   <li><b>Raw access.</b> Record-level reads and the queue import go through {@link
 *       io.github.atomicdb.internal.EngineAccess}, a tool hook that is not API either.
 * </ul>
 */
package io.github.atomicdb.cli;
