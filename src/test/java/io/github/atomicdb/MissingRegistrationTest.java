package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.contract.ContractTypes;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store reopened without the {@code register(type, id)} of a class it holds reports that as
 * {@link UnregisteredTypeException} (naming the id and the fix), never as corruption; the data is
 * intact and reads back once the class is registered again.
 */
class MissingRegistrationTest {
  @TempDir Path dir;

  @Test
  void readingAValueOfAClassNotRegisteredAtReopenSaysSoAndIsNotCorruption() {
    try (AtomicDb db = AtomicRocksDb.builder(dir).register(ContractTypes.Point.class, 100).open()) {
      db.set(Item.of("p", "point", new ContractTypes.Point(1, 2)));
      db.set(Item.of("p", "list", List.of(new ContractTypes.Point(3, 4))));
    }
    try (AtomicDb db = AtomicRocksDb.open(dir)) {
      for (String sk : List.of("point", "list")) {
        UnregisteredTypeException e =
            assertThrows(UnregisteredTypeException.class, () -> db.get(ItemKey.of("p", sk)));
        assertFalse(CorruptDataException.class.isInstance(e), "not reported as corruption");
        assertEquals(100, e.classId());
        assertTrue(e.getMessage().contains("class id 100") && e.getMessage().contains("register(")
            && e.getMessage().contains("'" + sk + "'"), e.getMessage());
      }
      assertThrows(UnregisteredTypeException.class, () -> db.query(Query.of("p")));
    }
    try (AtomicDb db = AtomicRocksDb.builder(dir).register(ContractTypes.Point.class, 100).open()) {
      assertEquals(new ContractTypes.Point(1, 2), db.get(ItemKey.of("p", "point")).orElseThrow().data());
    }
  }
}
