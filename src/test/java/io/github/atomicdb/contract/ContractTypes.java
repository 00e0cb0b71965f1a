package io.github.atomicdb.contract;

import java.util.List;
import java.util.Map;
import java.util.function.ObjIntConsumer;

/**
 * User types the contract suite stores. Every factory registers them with these ids, e.g.
 * {@code ContractTypes.registerAll(builder::register)}.
 */
public final class ContractTypes {
  private ContractTypes() {}

  /** A registered record. */
  public record Point(int x, int y) {}

  /** A registered record holding collections. */
  public record Order(String id, List<String> lines, Map<String, Integer> counts) {}

  /** A mutable registered class, to prove copies on the way in and out. */
  public static final class Box {
    public List<String> items = new java.util.ArrayList<>();

    @Override
    public boolean equals(Object o) {
      return o instanceof Box b && b.items.equals(items);
    }

    @Override
    public int hashCode() {
      return items.hashCode();
    }
  }

  /** Never registered: storing it must fail. */
  public record Unregistered(String s) {}

  public static void registerAll(ObjIntConsumer<Class<?>> register) {
    register.accept(Point.class, 100);
    register.accept(Order.class, 101);
    register.accept(Box.class, 102);
  }
}
