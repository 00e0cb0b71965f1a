package io.github.atomicdb;

/**
 * A stored value names a class id that this store was not built with: the data is intact, but
 * the {@code register(type, id)} call of the class that wrote it is missing (or gives that class
 * another id). Register the class under the id named in the message and open the store again;
 * nothing stored is changed or lost meanwhile. Apart from {@link CorruptDataException}, so that
 * alerts on damaged data stay meaningful.
 */
public class UnregisteredTypeException extends AtomicDbException {
  private static final long serialVersionUID = 1L;

  private final int classId;

  public UnregisteredTypeException(String message, int classId, Throwable cause) {
    super(message, cause);
    this.classId = classId;
  }

  /** The class id the stored value names. */
  public int classId() {
    return classId;
  }
}
