package io.github.atomicdb.cli;

import java.io.PrintWriter;

/**
 * A one-line progress display on the terminal, redrawn at most ten times a second; silent when
 * disabled (output piped or redirected, or tests). Not thread-safe.
 */
final class Progress implements AutoCloseable {
  private static final int WIDTH = 30;
  private final PrintWriter err;
  private final boolean enabled;
  private final String label;
  private final long total;
  private long done;
  private long lastDraw;
  private boolean drawn;

  /**
   * @param total the amount of work (0 = unknown: show counts only)
   */
  Progress(PrintWriter err, boolean enabled, String label, long total) {
    this.err = err;
    this.enabled = enabled;
    this.label = label;
    this.total = total;
  }

  /** Whether a progress line can be shown: a terminal is attached. */
  static boolean terminal() {
    return System.console() != null;
  }

  void step(long by, String unit) {
    done += by;
    if (!enabled) {
      return;
    }
    long now = System.nanoTime();
    if (drawn && now - lastDraw < 100_000_000L) {
      return;
    }
    lastDraw = now;
    drawn = true;
    draw(unit);
  }

  void set(long value, String unit) {
    step(value - done, unit);
  }

  private void draw(String unit) {
    StringBuilder sb = new StringBuilder("\r").append(label).append(' ');
    if (total > 0) {
      int filled = (int) Math.min(WIDTH, done * WIDTH / total);
      sb.append('[').append("#".repeat(filled)).append(" ".repeat(WIDTH - filled)).append("] ");
      sb.append(Math.min(100, done * 100 / total)).append("% ");
    }
    sb.append(done).append(' ').append(unit).append("   ");
    err.print(sb);
    err.flush();
  }

  /** Clears the line. */
  @Override
  public void close() {
    if (enabled && drawn) {
      err.print("\r" + " ".repeat(label.length() + WIDTH + 40) + "\r");
      err.flush();
    }
  }
}
