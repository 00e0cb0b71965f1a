package io.github.atomicdb;

import io.github.atomicdb.contract.ContractTypes;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Test-scope main that wrote src/test/resources/format-v1 (run once, by hand; the output is
 * checked in and must never be regenerated for format 1):
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(deps) io.github.atomicdb.FormatV1Generator \
 *     src/test/resources/format-v1
 * </pre>
 *
 * It prints the lock version it created; {@link FormatV1Test} pins it. The store is flushed and
 * closed cleanly (data in SST files, an empty WAL), and its informational LOG files are deleted.
 */
public final class FormatV1Generator {
  static final Instant NOW = Instant.parse("2026-11-27T00:00:00Z");
  static final long FAR_TTL = 4102444800L; // 2100-01-01T00:00:00Z

  private FormatV1Generator() {}

  static AtomicRocksDb.Builder builder(Path dir) {
    AtomicRocksDb.Builder b = AtomicRocksDb.builder(dir).clock(Clock.fixed(NOW, ZoneOffset.UTC));
    ContractTypes.registerAll(b::register);
    return b;
  }

  /** The items the fixture holds, in query order of partition "fixture". */
  static List<Item> items() {
    return List.of(
        Item.of("fixture", "bytes", new byte[] {1, 2, 3, (byte) 0xFF}),
        Item.of("fixture", "decimal", new BigDecimal("12345.6789")),
        Item.of("fixture", "instant", Instant.parse("2026-01-02T03:04:05.123456789Z")),
        Item.of("fixture", "int", 7),
        Item.of("fixture", "list", List.of("a", "b", "c")),
        Item.of("fixture", "long", 42L),
        Item.of("fixture", "map", Map.of("k", 1L)),
        Item.of("fixture", "point", new ContractTypes.Point(3, 4)),
        Item.of("fixture", "string", "hello, w\u00f6rld \u2713"),
        Item.of("fixture", "ttl", "lives long").withTtl(FAR_TTL),
        Item.of("fixture", "uuid", UUID.fromString("123e4567-e89b-12d3-a456-426614174000")));
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    try (AtomicRocksDb db = builder(dir).open()) {
      db.set(items());
      db.set(Item.of("fixture2", "a", "other partition"));
      ItemLock lock = db.getLock(ItemKey.of("fixture", "long"));
      db.queuePush(List.of(
          QueueItemInput.of("jobs", "001", "first"),
          QueueItemInput.of("jobs", "002", "second"),
          QueueItemInput.of("jobs", "003", "third")));
      QueueItem inFlight = db.queuePull(QueuePullOptions.of("jobs").withTtlSeconds(300)).orElseThrow();
      System.out.println("lock version " + lock.version() + " ttl " + lock.ttl());
      System.out.println("in flight " + inFlight.sk() + " receipt " + inFlight.receipt());
      db.flush();
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        if (p.getFileName().toString().startsWith("LOG")) {
          Files.delete(p);
        }
      }
    }
  }
}
