package io.github.atomicdb.tools;

/** Where a queue entry stands, as of the moment it was read. */
public enum QueueEntryState {
  /** Waiting to be pulled: never pulled, released, or put back. */
  AVAILABLE("available", true),
  /** Delivered, and its processing timeout has passed: the next pull may take it again. */
  LEASE_EXPIRED("available (lease expired)", true),
  /** Pushed with a delay that has passed: the next pull may take it. */
  DELAY_PASSED("available (delay passed)", true),
  /** Delivered and being processed until its processing timeout. */
  IN_FLIGHT("in flight", false),
  /** Pushed with a delay that has not passed yet. */
  DELAYED("delayed", false);

  private final String label;
  private final boolean available;

  QueueEntryState(String label, boolean available) {
    this.label = label;
    this.available = available;
  }

  /** Whether a pull may take the entry now. */
  public boolean available() {
    return available;
  }

  /** A short description for people, e.g. {@code "in flight"}. */
  public String label() {
    return label;
  }
}
