package io.github.atomicdb.spi;

import io.github.atomicdb.internal.Registrations;
import java.util.Map;

/**
 * The {@code register(type, id)} calls of a backend's builder, checked as every store's builder
 * checks them (ids from 100, one id per class, one class per id), refused at once. Not
 * thread-safe.
 */
public final class TypeRegistry {
  private final Registrations registrations = new Registrations();

  /**
   * Gives {@code type} the stable serialization id {@code id}.
   *
   * @throws IllegalArgumentException if the id is below 100, or the id or the class is already
   *     registered to another
   */
  public void register(Class<?> type, int id) {
    registrations.add(type, id);
  }

  /** What was registered, as an immutable map. */
  public Map<Class<?>, Integer> asMap() {
    return registrations.asMap();
  }
}
