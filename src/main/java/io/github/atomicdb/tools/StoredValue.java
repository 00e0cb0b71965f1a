package io.github.atomicdb.tools;

import io.github.atomicdb.internal.ValueCodec;
import java.util.Arrays;
import java.util.Objects;

/**
 * A stored value as the operator API reads and writes it: its serialized bytes and class id and,
 * when the store can decode it, the Java value.
 *
 * <p>A value read from a store always has its bytes and class id. It is also decoded when every
 * class in it is built in or registered with the store; otherwise ({@link #isDecoded()} false) it
 * is kept as bytes, which {@link StoreTools#importItems} and {@link
 * StoreTools#importQueueEntries} write back unchanged, so a value of a class the tool does not
 * know survives an export and import byte for byte.
 *
 * <p>To import, make one with {@link #of(Object)} (a Java value, serialized by the store as
 * {@code set} does) or {@link #raw(byte[])} (bytes exported earlier). Immutable.
 */
public final class StoredValue {
  /** Class ids from this one on belong to classes registered by the application. */
  public static final int FIRST_USER_CLASS_ID = ValueCodec.FIRST_USER_ID;

  private final int classId;
  private final byte[] bytes;
  private final Object value;
  private final boolean decoded;

  private StoredValue(int classId, byte[] bytes, Object value, boolean decoded) {
    this.classId = classId;
    this.bytes = bytes;
    this.value = value;
    this.decoded = decoded;
  }

  /**
   * A Java value to import; the store serializes it when it is written (an unregistered class is
   * refused then, as by {@code set}). Its {@link #classId()} is -1 and it has no {@link #bytes()}.
   */
  public static StoredValue of(Object value) {
    return new StoredValue(-1, null, value, true);
  }

  /**
   * Serialized bytes as a store holds them (as {@link #bytes()} returned them), to import
   * unchanged.
   *
   * @throws NullPointerException if {@code bytes} is null
   * @throws IllegalArgumentException if they do not start with a class id
   */
  public static StoredValue raw(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes must not be null");
    int id = classIdAt(bytes);
    if (id == -1) {
      throw new IllegalArgumentException(
          "raw value bytes (" + bytes.length + ") do not start with a class id");
    }
    return new StoredValue(id, bytes.clone(), null, false);
  }

  /**
   * A value read from a store and decoded: its serialized bytes and the Java value they hold. An
   * import writes the bytes (after checking them), not the value.
   *
   * @throws NullPointerException if {@code bytes} is null
   * @throws IllegalArgumentException if they do not start with a class id
   */
  public static StoredValue decoded(byte[] bytes, Object value) {
    StoredValue raw = raw(bytes);
    return new StoredValue(raw.classId, raw.bytes, value, true);
  }

  private static int classIdAt(byte[] b) {
    return ValueCodec.classIdAt(b, 0, b.length);
  }

  /**
   * The id of the value's top-level class: below {@link #FIRST_USER_CLASS_ID} for built-in types,
   * the id given to {@code register(type, id)} for the application's classes, -2 for null; -1 for
   * a value made by {@link #of(Object)}.
   */
  public int classId() {
    return classId;
  }

  /** The serialized bytes (a copy), or null for a value made by {@link #of(Object)}. */
  public byte[] bytes() {
    return bytes == null ? null : bytes.clone();
  }

  /** Size of the serialized bytes, or -1 for a value made by {@link #of(Object)}. */
  public int size() {
    return bytes == null ? -1 : bytes.length;
  }

  /** Whether {@link #value()} is available: every class in the value is known to the store. */
  public boolean isDecoded() {
    return decoded;
  }

  /**
   * The Java value.
   *
   * @throws IllegalStateException if it could not be decoded (see {@link #isDecoded()})
   */
  public Object value() {
    if (!decoded) {
      throw new IllegalStateException("the value of class id " + classId + " (" + bytes.length
          + " bytes) names a class this store has not registered; only its bytes are available");
    }
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StoredValue s && classId == s.classId && decoded == s.decoded
        && Arrays.equals(bytes, s.bytes) && Objects.equals(value, s.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(classId, Arrays.hashCode(bytes), decoded);
  }

  @Override
  public String toString() {
    return decoded ? "StoredValue[" + value + "]"
        : "StoredValue[class id " + classId + ", " + bytes.length + " bytes]";
  }
}
