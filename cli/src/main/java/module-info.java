/**
 * The {@code atomicdb} command line. It reads only what the library exports (the API and the
 * operator API {@code io.github.atomicdb.tools}): the compiler checks that it reaches into no
 * other package of the library.
 */
module io.github.atomicdb.cli {
  requires io.github.atomicdb;
  requires io.github.atomicdb.console;
  requires info.picocli;
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.datatype.jsr310;

  opens io.github.atomicdb.cli to
      info.picocli;
}
