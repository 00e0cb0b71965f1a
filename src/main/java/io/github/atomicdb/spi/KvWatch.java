package io.github.atomicdb.spi;

/**
 * A subscription to the commits of a key range, from {@link KvStore#watch}. Closing it stops the
 * notifications; idempotent. Thread-safe.
 */
public interface KvWatch extends AutoCloseable {
  /**
   * What a watch calls. Calls come on a backend thread, one at a time per watch; they must return
   * quickly and must not call the store.
   */
  interface Listener {
    /** A commit put {@code key} (the engine's key, without space); do not mutate it. */
    void put(byte[] key);

    /**
     * Notifications may have been lost (the watch broke and will not resume): any key of the
     * range may have changed. No call follows; the caller opens a new watch if it still wants one.
     */
    void lost();
  }

  @Override
  void close();
}
