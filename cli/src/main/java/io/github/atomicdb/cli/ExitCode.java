package io.github.atomicdb.cli;

/**
 * The exit codes of {@code atomicdb}; the README's "Command line" section lists the same.
 *
 * <pre>
 *  0  success
 *  1  the command ran and the answer is "no": verify found problems, get found no item
 *  2  usage: unknown command or option, bad argument value, refused input (bad key, bad file)
 *  3  no store: the directory does not exist or is not an atomic-db store
 *  4  store in use: another process (or this one) has the store open
 *  5  store or I/O failure: disk, permissions, damaged data met outside verify
 * 70  internal error (a bug: please report it with the --verbose output)
 * 130 interrupted (Ctrl-C)
 * </pre>
 */
final class ExitCode {
  private ExitCode() {}

  static final int OK = 0;
  static final int NEGATIVE = 1;
  static final int USAGE = 2;
  static final int NO_STORE = 3;
  static final int IN_USE = 4;
  static final int IO = 5;
  static final int INTERNAL = 70;
  static final int INTERRUPTED = 130;
}
