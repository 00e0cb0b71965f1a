/**
 * The queue console of atomic-db: {@link io.github.atomicdb.console.AtomicConsole} serves a page
 * in the browser for an open store, on the JDK's own HTTP server. It reads only what the library
 * exports (the API and the operator API {@code io.github.atomicdb.tools}).
 */
module io.github.atomicdb.console {
  requires io.github.atomicdb;
  requires jdk.httpserver;
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.datatype.jsr310;

  exports io.github.atomicdb.console;
}
