package io.github.atomicdb;

import java.util.Optional;

/**
 * A stored record could not be read back: its checksum does not match (its bytes were damaged,
 * or it was copied from another key), or its envelope is malformed. The message names the key,
 * and so does {@link #key()} for a damaged item or lock. No partial or guessed data is ever
 * returned instead.
 *
 * <p>A damaged item is reported by every read that meets it: {@code get} and {@code getMany} of
 * its key, and {@code query} or {@code stream} of a range holding it (a stream returns the items
 * before it, then throws). Nothing is skipped silently. {@code delete} of its key never reads the
 * record, so it always removes a damaged item and its lock; {@code set} overwrites it. A class id
 * that is not registered is not damage: see {@link UnregisteredTypeException}.
 */
public class CorruptDataException extends AtomicDbException {
  private static final long serialVersionUID = 1L;

  private final String pk;
  private final String sk;

  public CorruptDataException(String message) {
    this(message, null, null);
  }

  public CorruptDataException(String message, Throwable cause) {
    this(message, null, cause);
  }

  /** A damaged item or lock at {@code key} (null when the record is not one). */
  public CorruptDataException(String message, ItemKey key, Throwable cause) {
    super(message, cause);
    this.pk = key == null ? null : key.pk();
    this.sk = key == null ? null : key.sk();
  }

  /** The key of the damaged item or lock, when the record is one (e.g. to {@code delete} it). */
  public Optional<ItemKey> key() {
    return pk == null ? Optional.empty() : Optional.of(ItemKey.of(pk, sk));
  }
}
