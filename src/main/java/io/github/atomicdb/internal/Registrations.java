package io.github.atomicdb.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** Collects {@code register(type, id)} calls of a builder, refusing clashes at once. Not thread-safe. */
public final class Registrations {
  private final Map<Class<?>, Integer> byType = new LinkedHashMap<>();
  private final Map<Integer, Class<?>> byId = new LinkedHashMap<>();

  /**
   * @throws IllegalArgumentException if the id is below 100, or the id or the class is already
   *     registered to another
   */
  public void add(Class<?> type, int id) {
    Objects.requireNonNull(type, "type must not be null");
    if (id < ValueCodec.FIRST_USER_ID) {
      throw new IllegalArgumentException(
          "register(" + type.getName() + ", " + id + "): ids below " + ValueCodec.FIRST_USER_ID
              + " are reserved for built-in types; use an id >= " + ValueCodec.FIRST_USER_ID);
    }
    if (ValueCodec.builtIns().containsValue(type) || type.isPrimitive() || type == String.class) {
      throw new IllegalArgumentException(
          "register(" + type.getName() + ", " + id + "): " + type.getName()
              + " is a built-in type and needs no registration");
    }
    Class<?> other = byId.get(id);
    if (other != null && other != type) {
      throw new IllegalArgumentException(
          "register(" + type.getName() + ", " + id + "): id " + id + " is already registered to "
              + other.getName() + "; pick another id");
    }
    Integer prev = byType.get(type);
    if (prev != null && prev != id) {
      throw new IllegalArgumentException(
          "register(" + type.getName() + ", " + id + "): the class is already registered with id "
              + prev + "; a class has one id");
    }
    byType.put(type, id);
    byId.put(id, type);
  }

  public Map<Class<?>, Integer> asMap() {
    return Map.copyOf(byType);
  }
}
