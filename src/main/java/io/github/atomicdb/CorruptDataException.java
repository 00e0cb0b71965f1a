package io.github.atomicdb;

/**
 * A stored record could not be read back: its checksum does not match, its envelope is
 * malformed, or it names a class id that is not registered. The message names the key. No
 * partial or guessed data is ever returned instead.
 */
public class CorruptDataException extends AtomicDbException {
  private static final long serialVersionUID = 1L;

  public CorruptDataException(String message) {
    super(message);
  }

  public CorruptDataException(String message, Throwable cause) {
    super(message, cause);
  }
}
