/**
 * A queue console in the browser for an open store: {@link
 * io.github.atomicdb.console.AtomicConsole#start(io.github.atomicdb.AtomicDb,
 * io.github.atomicdb.console.ConsoleOptions)}.
 *
 * <p>The console shows every queue with its depth (available, in flight, delayed), the age of
 * its oldest available entry and its dead-letter queue; peeks at entries (data as JSON, cut to a
 * size); redrives a dead-letter queue and deletes an entry after a confirmation; and browses items
 * by pk and sort-key prefix. The page updates itself by polling.
 *
 * <p><b>Security.</b> It binds to 127.0.0.1 unless told otherwise. Every request needs the
 * console's token: the URL printed at start carries it once ({@code /?token=...}), the console
 * answers with an HttpOnly, SameSite=Strict cookie and a redirect that drops the token from the
 * address bar; API clients may send it in the {@code X-Console-Token} header instead. Writes are
 * POST only, with a JSON body and the token in the {@code X-Console-Token} header (the page reads
 * it from {@code /api/session}, which no other site can read): a cookie alone never authorizes a
 * write, and a request whose {@code Origin} is another origin or whose {@code Sec-Fetch-Site} is
 * not {@code same-origin} is refused, so a form or script of another site cannot write. Stored
 * data is only ever sent as JSON ({@code application/json}, {@code nosniff}) and put into the
 * page as text; the page's Content-Security-Policy allows only the console's own script and
 * style files.
 *
 * <p>Nothing here is a dependency of the library itself: the console is its own artifact.
 */
package io.github.atomicdb.console;
