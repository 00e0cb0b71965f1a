package io.github.atomicdb.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.Query;
import io.github.atomicdb.contract.ContractTypes.Box;
import io.github.atomicdb.contract.ContractTypes.Order;
import io.github.atomicdb.contract.ContractTypes.Point;
import io.github.atomicdb.contract.ContractTypes.Unregistered;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Items: keys, data round trips, copies, ordering, TTL, query and stream. */
public interface ItemContract extends ContractFixture {

  private static ItemKey k(String pk, String sk) {
    return ItemKey.of(pk, sk);
  }

  private Object roundTrip(Object data) {
    db().set(Item.of("rt", "k", data));
    return db().get(k("rt", "k")).orElseThrow().data();
  }

  // ------------------------------------------------------------ seed README flows

  @Test
  default void seedFlowSetGetQueryDelete() {
    db().set(Item.of("user#1", "profile", Map.of("name", "Ada")));
    db().set(Item.of("user#1", "order#2", 20));
    db().set(Item.of("user#1", "order#1", 10));
    assertEquals(
        Map.of("name", "Ada"), db().get(k("user#1", "profile")).orElseThrow().data());
    List<Item> orders = db().query(Query.of("user#1").withSkPrefix("order#"));
    assertEquals(List.of("order#1", "order#2"), orders.stream().map(Item::sk).toList());
    assertEquals(List.of(10, 20), orders.stream().map(Item::data).toList());
    db().delete(k("user#1", "order#1"));
    assertTrue(db().get(k("user#1", "order#1")).isEmpty());
    assertEquals(2, db().query(Query.of("user#1")).size());
  }

  @Test
  default void getOfAbsentKeyIsEmpty() {
    assertEquals(Optional.empty(), db().get(k("nobody", "nothing")));
  }

  @Test
  default void setReplacesAndReturnsTtl() {
    db().set(Item.of("p", "s", "one"));
    db().set(Item.of("p", "s", "two").withTtl(clock().seconds() + 100));
    Item got = db().get(k("p", "s")).orElseThrow();
    assertEquals("two", got.data());
    assertEquals(clock().seconds() + 100, got.ttl());
    assertEquals("p", got.pk());
    assertEquals("s", got.sk());
  }

  @Test
  default void getManyKeepsLengthAndOrder() {
    db().set(List.of(Item.of("m", "a", 1), Item.of("m", "c", 3)));
    List<Optional<Item>> got = db().getMany(List.of(k("m", "c"), k("m", "b"), k("m", "a"), k("m", "c")));
    assertEquals(4, got.size());
    assertEquals(3, got.get(0).orElseThrow().data());
    assertTrue(got.get(1).isEmpty());
    assertEquals(1, got.get(2).orElseThrow().data());
    assertEquals(3, got.get(3).orElseThrow().data());
    assertEquals(List.of(), db().getMany(List.of()));
  }

  @Test
  default void setListIsAtomicOnRefusal() {
    List<Item> items = List.of(Item.of("a", "1", 1), Item.of("a", "2", new Unregistered("x")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> db().set(items));
    assertTrue(e.getMessage().contains("Unregistered"), e.getMessage());
    assertTrue(db().get(k("a", "1")).isEmpty(), "nothing written");
  }

  @Test
  default void setListRefusesDuplicateKeys() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> db().set(List.of(Item.of("a", "1", 1), Item.of("a", "1", 2))));
    assertTrue(e.getMessage().contains("twice"), e.getMessage());
    assertTrue(db().get(k("a", "1")).isEmpty());
  }

  @Test
  default void deleteListRemovesAll() {
    db().set(List.of(Item.of("d", "1", 1), Item.of("d", "2", 2), Item.of("d", "3", 3)));
    db().delete(List.of(k("d", "1"), k("d", "3"), k("d", "404")));
    assertEquals(List.of("2"), db().query(Query.of("d")).stream().map(Item::sk).toList());
  }

  // ------------------------------------------------------------ data

  @Test
  default void builtInTypesRoundTripByValue() {
    List<Object> values =
        Arrays.asList(
            "text", "", "ünï©ødé \uD83D\uDE00", 42, -7L, 3.5d, 2.5f, (short) 3, (byte) 9, 'c', true,
            new BigDecimal("12345678901234567890.000123"), new BigInteger("-98765432109876543210"),
            UUID.fromString("123e4567-e89b-12d3-a456-426614174000"),
            Instant.parse("2026-11-27T10:15:30.123456789Z"), LocalDate.of(2026, 2, 28),
            LocalDateTime.of(2026, 1, 2, 3, 4, 5), Duration.ofMillis(1234),
            ZonedDateTime.of(2026, 3, 29, 2, 30, 0, 0, ZoneId.of("Europe/Paris")),
            new ArrayList<>(List.of(1, 2, 3)), List.of(), List.of("a"), List.of("a", "b", "c"),
            Set.of(1), Set.of(1, 2, 3), Map.of("k", 1), Map.of("a", 1, "b", List.of(2)),
            new HashMap<>(Map.of("x", "y")), new TreeMap<>(Map.of("b", 2, "a", 1)),
            new LinkedHashMap<>(Map.of("z", 26)), Collections.emptyList(), Collections.singletonList(5),
            Arrays.asList(1, null, 3), Stream.of("s", null).toList(),
            Collections.unmodifiableList(new ArrayList<>(List.of(1))),
            new Point(3, 4), new Order("o1", List.of("x", "y"), Map.of("x", 2)));
    for (Object v : values) {
      assertEquals(v, roundTrip(v), "round trip of " + v.getClass().getName());
    }
    assertEquals(null, roundTrip(null));
  }

  @Test
  default void arraysRoundTripByValue() {
    assertArrayEquals(new byte[] {0, 1, -1, 127}, (byte[]) roundTrip(new byte[] {0, 1, -1, 127}));
    assertArrayEquals(new int[] {1, 2}, (int[]) roundTrip(new int[] {1, 2}));
    assertArrayEquals(new String[] {"a", null}, (String[]) roundTrip(new String[] {"a", null}));
    assertArrayEquals(new long[] {Long.MIN_VALUE}, (long[]) roundTrip(new long[] {Long.MIN_VALUE}));
  }

  @Test
  default void immutableCollectionsStayImmutable() {
    Object l = roundTrip(List.of(1, 2, 3));
    assertThrows(UnsupportedOperationException.class, () -> ((List<Object>) l).add(4));
    Object m = roundTrip(Map.of("a", 1));
    assertThrows(UnsupportedOperationException.class, () -> ((Map<Object, Object>) m).put("b", 2));
  }

  @Test
  default void mutatingAfterSetChangesNothingStored() {
    Box box = new Box();
    box.items.add("a");
    List<String> list = new ArrayList<>(List.of("x"));
    byte[] bytes = {1, 2, 3};
    db().set(List.of(Item.of("iso", "box", box), Item.of("iso", "list", list), Item.of("iso", "bytes", bytes)));
    box.items.add("b");
    list.add("y");
    bytes[0] = 9;
    assertEquals(List.of("a"), db().get(k("iso", "box")).orElseThrow().data(Box.class).items);
    assertEquals(List.of("x"), db().get(k("iso", "list")).orElseThrow().data());
    assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) db().get(k("iso", "bytes")).orElseThrow().data());
  }

  @Test
  default void mutatingAfterGetChangesNothingStored() {
    Box box = new Box();
    box.items.add("a");
    db().set(Item.of("iso", "box", box));
    Box first = db().get(k("iso", "box")).orElseThrow().data(Box.class);
    first.items.add("changed");
    Box second = db().get(k("iso", "box")).orElseThrow().data(Box.class);
    assertNotSame(first, second);
    assertEquals(List.of("a"), second.items);
    List<String> l = db().getMany(List.of(k("iso", "box"))).get(0).orElseThrow().data(Box.class).items;
    l.add("also changed");
    assertEquals(List.of("a"), db().query(Query.of("iso")).get(0).data(Box.class).items);
  }

  @Test
  default void unregisteredClassFailsNamingClassAndRegister() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> db().set(Item.of("u", "1", new Unregistered("x"))));
    assertTrue(e.getMessage().contains(Unregistered.class.getName().replace('$', '.')), e.getMessage());
    assertTrue(e.getMessage().contains("register("), e.getMessage());
    assertTrue(db().get(k("u", "1")).isEmpty());
    // nested inside a built-in collection too
    assertThrows(
        IllegalArgumentException.class,
        () -> db().set(Item.of("u", "2", List.of(new Unregistered("y")))));
    assertTrue(db().get(k("u", "2")).isEmpty());
  }

  // ------------------------------------------------------------ keys

  @Test
  default void nullKeyPartsThrowNpeNamingTheField() {
    NullPointerException e = assertThrows(NullPointerException.class, () -> db().get(ItemKey.of(null, "s")));
    assertTrue(e.getMessage().contains("pk"), e.getMessage());
    NullPointerException e2 = assertThrows(NullPointerException.class, () -> db().set(Item.of("p", null, 1)));
    assertTrue(e2.getMessage().contains("sk"), e2.getMessage());
    assertThrows(NullPointerException.class, () -> db().get(null));
    assertThrows(NullPointerException.class, () -> db().set((Item) null));
  }

  @Test
  default void emptyKeyPartsAreRefusedNamingTheField() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> db().get(k("", "s")));
    assertTrue(e.getMessage().contains("pk"), e.getMessage());
    IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> db().set(Item.of("p", "", 1)));
    assertTrue(e2.getMessage().contains("sk"), e2.getMessage());
    assertThrows(IllegalArgumentException.class, () -> db().query(Query.of("")));
  }

  @Test
  default void oversizedKeysAreRefusedWithLimitAndSize() {
    String pk2048 = "p".repeat(2048);
    String sk1024 = "s".repeat(1024);
    db().set(Item.of(pk2048, sk1024, 1));
    assertEquals(1, db().get(k(pk2048, sk1024)).orElseThrow().data());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> db().set(Item.of("p".repeat(2049), "s", 1)));
    assertTrue(e.getMessage().contains("pk") && e.getMessage().contains("2048") && e.getMessage().contains("2049"),
        e.getMessage());
    // 512 two-byte characters + 1 = 1026 bytes
    IllegalArgumentException e2 =
        assertThrows(IllegalArgumentException.class, () -> db().set(Item.of("p", "é".repeat(513), 1)));
    assertTrue(e2.getMessage().contains("sk") && e2.getMessage().contains("1024") && e2.getMessage().contains("1026"),
        e2.getMessage());
  }

  @Test
  default void loneSurrogatesAreRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> db().set(Item.of("p", "bad\uD800", 1)));
    assertTrue(e.getMessage().contains("sk") && e.getMessage().contains("UTF-16"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> db().get(k("\uDC00", "s")));
    assertThrows(IllegalArgumentException.class, () -> db().set(Item.of("p\uDBFF", "s", 1)));
  }

  @Test
  default void reservedPrefixesAreRefused() {
    for (String reserved : List.of("__LOCK__", "__LOCK__x", "__ATOMICDB__meta")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> db().set(Item.of(reserved, "s", 1)));
      assertTrue(e.getMessage().contains("reserved"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> db().set(Item.of("p", reserved, 1)));
      assertThrows(IllegalArgumentException.class, () -> db().get(k(reserved, "s")));
    }
    db().set(Item.of("_LOCK__", "__LOCK_", 1)); // near misses are fine
    assertEquals(1, db().get(k("_LOCK__", "__LOCK_")).orElseThrow().data());
  }

  @Test
  default void keysWithSeparatorsAndNulsNeverCollide() {
    List<ItemKey> keys =
        List.of(k("a", "b:c"), k("a:b", "c"), k("a", "b\u0000c"), k("a\u0000", "bc"), k("a\u0000b", "c"),
            k("a", "\u0000"), k("a\u0000\u0000", "x"), k("a#", "1"), k("a", "#1"));
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      items.add(Item.of(keys.get(i).pk(), keys.get(i).sk(), i));
    }
    db().set(items);
    for (int i = 0; i < keys.size(); i++) {
      assertEquals(i, db().get(keys.get(i)).orElseThrow().data(), "key " + keys.get(i));
    }
    assertEquals(
        Set.of("b:c", "b\u0000c", "\u0000", "#1"),
        db().query(Query.of("a")).stream().map(Item::sk).collect(Collectors.toSet()));
    assertEquals(List.of("bc"), db().query(Query.of("a\u0000")).stream().map(Item::sk).toList());
  }

  @Test
  default void partitionThatIsPrefixOfAnotherNeverSeesIt() {
    db().set(List.of(Item.of("user#1", "a", 1), Item.of("user#10", "a", 10), Item.of("user#1", "z", 2),
        Item.of("user#", "m", 0), Item.of("user#1\u0000", "x", 99)));
    assertEquals(List.of(1, 2), db().query(Query.of("user#1")).stream().map(Item::data).toList());
    assertEquals(List.of(10), db().query(Query.of("user#10")).stream().map(Item::data).toList());
    assertEquals(List.of(0), db().query(Query.of("user#")).stream().map(Item::data).toList());
    assertEquals(List.of(2, 1), db().query(Query.of("user#1").reversed()).stream().map(Item::data).toList());
  }

  @Test
  default void itemsSortByCodePointNotUtf16() {
    // U+FF5E (fullwidth tilde, 3 UTF-8 bytes) sorts before U+1F600 (emoji, 4 bytes, a surrogate
    // pair in UTF-16 whose high surrogate 0xD83D < 0xFF5E would sort first under compareTo).
    List<String> sks = List.of("\uD83D\uDE00", "\uFF5E", "z", "a", "Z", "é", "\u0000", "a\u0000", "ab", "A");
    List<Item> items = new ArrayList<>();
    for (String s : sks) {
      items.add(Item.of("order", s, s));
    }
    db().set(items);
    List<String> expected = new ArrayList<>(sks);
    expected.sort((x, y) -> Arrays.compareUnsigned(
        x.getBytes(java.nio.charset.StandardCharsets.UTF_8), y.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertEquals(List.of("\u0000", "A", "Z", "a", "a\u0000", "ab", "z", "é", "\uFF5E", "\uD83D\uDE00"), expected);
    assertEquals(expected, db().query(Query.of("order")).stream().map(Item::sk).toList());
    List<String> rev = new ArrayList<>(expected);
    Collections.reverse(rev);
    assertEquals(rev, db().query(Query.of("order").reversed()).stream().map(Item::sk).toList());
  }

  // ------------------------------------------------------------ query and stream

  @Test
  default void queryPrefixReverseAndLimit() {
    for (int i = 0; i < 20; i++) {
      db().set(Item.of("q", String.format("item#%02d", i), i));
    }
    db().set(Item.of("q", "other", -1));
    db().set(Item.of("q", "item", -2)); // equals the prefix itself
    assertEquals(21, db().query(Query.of("q").withSkPrefix("item")).size());
    assertEquals(20, db().query(Query.of("q").withSkPrefix("item#")).size());
    assertEquals(List.of(0, 1, 2),
        db().query(Query.of("q").withSkPrefix("item#").withLimit(3)).stream().map(Item::data).toList());
    assertEquals(List.of(19, 18),
        db().query(Query.of("q").withSkPrefix("item#").reversed().withLimit(2)).stream().map(Item::data).toList());
    assertEquals(List.of(10, 11, 12, 13, 14, 15, 16, 17, 18, 19),
        db().query(Query.of("q").withSkPrefix("item#1")).stream().map(Item::data).toList());
    assertEquals(22, db().query(Query.of("q").withLimit(0)).size());
    assertEquals(List.of(), db().query(Query.of("q").withSkPrefix("nothing")));
    assertEquals(List.of(), db().query(Query.of("empty-partition")));
    assertThrows(IllegalArgumentException.class, () -> Query.of("q").withLimit(-1));
  }

  @Test
  default void streamIsLazyAndClosable() {
    for (int i = 0; i < 100; i++) {
      db().set(Item.of("s", String.format("%03d", i), i));
    }
    try (Stream<Item> s = db().stream(Query.of("s"))) {
      Iterator<Item> it = s.iterator();
      assertEquals(0, it.next().data());
      assertEquals(1, it.next().data());
    }
    try (Stream<Item> s = db().stream(Query.of("s").reversed().withLimit(5))) {
      assertEquals(List.of(99, 98, 97, 96, 95), s.map(Item::data).toList());
    }
    try (Stream<Item> s = db().stream(Query.of("s").withSkPrefix("05"))) {
      assertEquals(10, s.count());
    }
  }

  @Test
  default void streamReadsASnapshot() {
    for (int i = 0; i < 10; i++) {
      db().set(Item.of("snap", "k" + i, i));
    }
    try (Stream<Item> s = db().stream(Query.of("snap"))) {
      Iterator<Item> it = s.iterator();
      assertEquals(0, it.next().data());
      db().set(Item.of("snap", "k5", 500));
      db().delete(ItemKey.of("snap", "k9"));
      db().set(Item.of("snap", "k99", 99));
      List<Object> rest = new ArrayList<>();
      it.forEachRemaining(i -> rest.add(i.data()));
      assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9), rest);
    }
  }

  /**
   * A limit with expired items in the range: the stream reads past the limit's worth of keys,
   * and still reads the snapshot taken when it began.
   */
  @Test
  default void streamWithALimitReadsOneSnapshotPastExpiredItems() {
    long past = clock().seconds() - 1;
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      items.add(Item.of("lim", "a" + i, "a" + i));
    }
    for (int i = 0; i < 30; i++) {
      items.add(Item.of("lim", String.format("b%02d", i), "expired").withTtl(past));
    }
    for (int i = 0; i < 3; i++) {
      items.add(Item.of("lim", "c" + i, "c" + i));
    }
    db().set(items);
    for (boolean reverse : new boolean[] {false, true}) {
      Query q = reverse ? Query.of("lim").reversed().withLimit(5) : Query.of("lim").withLimit(5);
      try (Stream<Item> s = db().stream(q)) {
        Iterator<Item> it = s.iterator();
        List<Object> got = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          got.add(it.next().data());
        }
        // the two items the limit still admits are deleted, and a new one lands between them
        String[] later = reverse ? new String[] {"a2", "a1", "a10"} : new String[] {"c0", "c1", "c00"};
        db().delete(List.of(k("lim", later[0]), k("lim", later[1])));
        db().set(Item.of("lim", later[2], "new"));
        it.forEachRemaining(i -> got.add(i.data()));
        assertEquals(reverse ? List.of("c2", "c1", "c0", "a2", "a1") : List.of("a0", "a1", "a2", "c0", "c1"), got);
        db().set(List.of(Item.of("lim", later[0], later[0]), Item.of("lim", later[1], later[1])));
        db().delete(k("lim", later[2]));
      }
    }
  }

  // ------------------------------------------------------------ TTL

  @Test
  default void expiredItemsAreInvisibleEverywhere() {
    long now = clock().seconds();
    db().set(List.of(
        Item.of("ttl", "a", "short").withTtl(now + 10),
        Item.of("ttl", "b", "long").withTtl(now + 1000),
        Item.of("ttl", "c", "forever")));
    assertEquals(3, db().query(Query.of("ttl")).size());
    clock().advanceSeconds(10); // now == ttl: still visible (expired only when now > ttl)
    assertTrue(db().get(k("ttl", "a")).isPresent());
    clock().advance(Duration.ofMillis(1));
    assertTrue(db().get(k("ttl", "a")).isEmpty());
    assertTrue(db().getMany(List.of(k("ttl", "a"))).get(0).isEmpty());
    assertEquals(List.of("b", "c"), db().query(Query.of("ttl")).stream().map(Item::sk).toList());
    try (Stream<Item> s = db().stream(Query.of("ttl").reversed())) {
      assertEquals(List.of("c", "b"), s.map(Item::sk).toList());
    }
    assertEquals(List.of("b"), db().query(Query.of("ttl").withLimit(1)).stream().map(Item::sk).toList());
    clock().advanceSeconds(2000);
    assertEquals(List.of("c"), db().query(Query.of("ttl")).stream().map(Item::sk).toList());
  }

  @Test
  default void pastTtlIsInvisibleAtOnceAndBadTtlRefused() {
    db().set(Item.of("ttl", "past", 1).withTtl(clock().seconds() - 1));
    assertTrue(db().get(k("ttl", "past")).isEmpty());
    db().set(Item.of("ttl", "past", 2)); // overwrite without ttl
    assertEquals(2, db().get(k("ttl", "past")).orElseThrow().data());
    assertThrows(IllegalArgumentException.class, () -> db().set(Item.of("ttl", "neg", 1).withTtl(-5)));
    assertThrows(IllegalArgumentException.class, () -> db().set(Item.of("ttl", "huge", 1).withTtl(Long.MAX_VALUE)));
  }

  // ------------------------------------------------------------ lifecycle

  @Test
  default void closeIsIdempotentAndUseAfterCloseThrows() {
    AtomicDb other = openAnother();
    other.set(Item.of("c", "1", 1));
    other.close();
    other.close();
    assertThrows(IllegalStateException.class, () -> other.get(k("c", "1")));
    assertThrows(IllegalStateException.class, () -> other.set(Item.of("c", "2", 2)));
    assertThrows(IllegalStateException.class, () -> other.query(Query.of("c")));
    assertFalse(db().get(k("c", "1")).isPresent(), "stores are independent");
  }
}
