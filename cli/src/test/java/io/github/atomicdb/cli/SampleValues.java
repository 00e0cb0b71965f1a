package io.github.atomicdb.cli;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/** One value of every built-in type, and a comparison that also checks classes. */
final class SampleValues {
  private SampleValues() {}

  static List<Object> all() {
    Map<Object, Object> hash = new HashMap<>();
    hash.put(1, "one");
    hash.put("two", 2L);
    hash.put(null, List.of());
    Map<String, Object> linked = new LinkedHashMap<>();
    linked.put("z", 1);
    linked.put("a", new BigDecimal("2.50"));
    return Arrays.asList(
        null, "text with \"quotes\", é and 😀", "", true, false, 42, Integer.MIN_VALUE,
        5L, Long.MAX_VALUE, (short) -3, (byte) 7, 'c', 1.5d, Double.NaN, -0.0d,
        Double.POSITIVE_INFINITY, 0.1f, new BigDecimal("1.50"), new BigDecimal("-1E+3"),
        new BigInteger("123456789012345678901234567890"), UUID.fromString("0190c6a2-7f3e-7c1a-9c2e-1b2a3c4d5e6f"),
        Instant.parse("2026-11-27T07:00:00.123456789Z"), LocalDate.of(2026, 2, 28),
        LocalTime.of(23, 59, 1, 5), LocalDateTime.of(2026, 1, 2, 3, 4, 5),
        ZonedDateTime.of(2026, 3, 29, 2, 30, 0, 0, ZoneId.of("Europe/Paris")),
        OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.ofHours(-5)),
        OffsetTime.of(12, 0, 0, 0, ZoneOffset.ofHoursMinutes(5, 30)), Duration.ofMillis(90061001),
        Period.of(1, 2, 3), Year.of(-44), YearMonth.of(2026, 11), MonthDay.of(2, 29),
        ZoneOffset.ofHours(2), ZoneId.of("America/New_York"), new Date(1_700_000_000_123L),
        new byte[] {0, -1, 127}, new ArrayList<>(List.of(1, "a")), new LinkedList<>(List.of(2L)),
        hash, linked, new TreeMap<>(Map.of("b", 1, "a", 2)), new HashSet<>(Set.of(1, 2, 3)),
        new LinkedHashSet<>(List.of("x", "y")), new TreeSet<>(Set.of(3, 1, 2)), List.of(),
        List.of(1), List.of(1, 2), List.of(1, 2, 3), Set.of(), Set.of("a"), Set.of(1, 2, 3),
        Map.of(), Map.of("k", 1), Map.of(1, "a", 2, "b"), Collections.emptyList(),
        Collections.emptySet(), Collections.emptyMap(), Collections.singletonList("s"),
        Collections.singleton(9), Collections.singletonMap("k", 'v'),
        Collections.unmodifiableList(new ArrayList<>(List.of(1, 2))),
        Collections.unmodifiableSet(new LinkedHashSet<>(List.of(1, 2))),
        Collections.unmodifiableMap(new LinkedHashMap<>(Map.of("a", 1))),
        Collections.unmodifiableCollection(new ArrayList<>(List.of("c"))), Arrays.asList(1, null, 3),
        new int[] {1, -2}, new long[] {Long.MIN_VALUE}, new double[] {1.25, Double.NaN},
        new String[] {"a", null}, new Object[] {1, "b", null, List.of(2)}, new boolean[] {true, false},
        new char[] {'h', 'i'}, new short[] {5}, new float[] {Float.MIN_VALUE},
        new ArrayDeque<>(List.of(1, 2, 3)),
        Map.of("nested", List.of(new BigDecimal("2.0"), Map.of(), new ArrayList<>(List.of(5L)))));
  }

  /** Equal values of the same class (arrays by content, ArrayDeque by elements). */
  static boolean same(Object a, Object b) {
    if (a == null || b == null) {
      return a == b;
    }
    if (a.getClass() != b.getClass()) {
      return false;
    }
    if (a instanceof java.util.Collection<?> x && !(a instanceof List) && !(a instanceof Set)) {
      // ArrayDeque and unmodifiableCollection have identity equals: compare elements
      return new ArrayList<>(x).equals(new ArrayList<>((java.util.Collection<?>) b));
    }
    if (a instanceof Double || a instanceof Float) {
      return a.equals(b); // NaN equals NaN, -0.0 differs from 0.0
    }
    if (a instanceof Object[] x) {
      Object[] y = (Object[]) b;
      if (x.length != y.length) {
        return false;
      }
      for (int i = 0; i < x.length; i++) {
        if (!same(x[i], y[i]) && !Objects.equals(x[i], y[i])) {
          return false;
        }
      }
      return true;
    }
    return Objects.deepEquals(a, b);
  }
}
