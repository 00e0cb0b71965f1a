package io.github.atomicdb.cli;

import io.github.atomicdb.CorruptDataException;
import io.github.atomicdb.internal.ValueCodec;
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
import java.time.temporal.TemporalAccessor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/*
 * Stored values as JSON, in two forms.
 *
 * Typed (export/import): a JSON string, boolean, null or integer number stands for itself
 * (String, Boolean, null, Integer); every other value is {"t": TAG, "v": ...} naming its exact
 * class, so import rebuilds an equal value of the same class: {"t":"BigDecimal","v":"1.50"},
 * {"t":"Long","v":5}, {"t":"Double","v":"NaN"}, {"t":"ArrayList","v":[...]},
 * {"t":"HashMap","v":[[k,v],...]}, {"t":"List.of","v":[...]}, {"t":"bytes","v":base64}.
 * A value the CLI cannot decode (a user class, id >= 100, or a built-in holding one) is
 * {"t":"raw","class":ID,"v":base64 of its Kryo bytes}; import writes those bytes back as they were.
 *
 * Plain (display): the natural JSON of the value (numbers, strings, arrays, objects when every
 * key is a string); a raw value shows as {"class": ID, "bytes": N}.
 */
final class Values {
  private Values() {}

  /** A value the CLI cannot decode: its top-level class id and Kryo bytes. */
  record Raw(int classId, byte[] kryo) {}

  /** A typed JSON value that import cannot understand. */
  static final class BadValueException extends Exception {
    private static final long serialVersionUID = 1L;

    BadValueException(String message) {
      super(message);
    }
  }

  /**
   * Decodes stored Kryo bytes; a {@link Raw} for user classes.
   *
   * @throws CorruptDataException if the bytes are damaged
   */
  static Object decode(ValueCodec codec, byte[] buf, int off, int len, Object where) {
    int id = ValueCodec.classIdAt(buf, off, len);
    if (id >= ValueCodec.FIRST_USER_ID) {
      return new Raw(id, Arrays.copyOfRange(buf, off, off + len));
    }
    try {
      return codec.decode(buf, off, len, where);
    } catch (CorruptDataException e) {
      if (String.valueOf(e.getMessage()).contains("which is not registered")) {
        return new Raw(id, Arrays.copyOfRange(buf, off, off + len));
      }
      throw e;
    }
  }

  // ------------------------------------------------------------------ display

  static Object plain(Object v) {
    if (v == null || v instanceof String || v instanceof Boolean || v instanceof Integer
        || v instanceof Long || v instanceof Short || v instanceof Byte || v instanceof BigInteger
        || v instanceof BigDecimal || v instanceof Double || v instanceof Float) {
      return v;
    }
    if (v instanceof Raw r) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("class", r.classId());
      m.put("bytes", r.kryo().length);
      return m;
    }
    if (v instanceof Character || v instanceof UUID || v instanceof TemporalAccessor
        || v instanceof Duration || v instanceof Period || v instanceof ZoneId) {
      return v.toString();
    }
    if (v instanceof Date d) {
      return d.toInstant().toString();
    }
    if (v instanceof byte[] b) {
      return Base64.getEncoder().encodeToString(b);
    }
    if (v instanceof char[] c) {
      return new String(c);
    }
    if (v.getClass().isArray()) {
      int n = java.lang.reflect.Array.getLength(v);
      List<Object> l = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        l.add(plain(java.lang.reflect.Array.get(v, i)));
      }
      return l;
    }
    if (v instanceof Collection<?> c) {
      List<Object> l = new ArrayList<>(c.size());
      for (Object o : c) {
        l.add(plain(o));
      }
      return l;
    }
    if (v instanceof Map<?, ?> m) {
      boolean stringKeys = m.keySet().stream().allMatch(k -> k instanceof String);
      if (stringKeys) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, x) -> out.put((String) k, plain(x)));
        return out;
      }
      List<Object> pairs = new ArrayList<>();
      m.forEach((k, x) -> pairs.add(Arrays.asList(plain(k), plain(x))));
      return pairs;
    }
    return v.toString();
  }

  // ------------------------------------------------------------------ typed

  private static final String LIST_OF = "java.util.ImmutableCollections$List";
  private static final String SET_OF = "java.util.ImmutableCollections$Set";
  private static final String MAP_OF = "java.util.ImmutableCollections$Map";

  private static Map<String, Object> tagged(String t, Object v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("t", t);
    if (v != NONE) {
      m.put("v", v);
    }
    return m;
  }

  private static final Object NONE = new Object();

  /** The typed JSON tree of a decoded value (or {@link Raw}). */
  static Object typed(Object v) {
    if (v == null || v instanceof String || v instanceof Boolean || v instanceof Integer) {
      return v;
    }
    if (v instanceof Raw r) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("t", "raw");
      m.put("class", r.classId());
      m.put("v", Base64.getEncoder().encodeToString(r.kryo()));
      return m;
    }
    if (v instanceof Long || v instanceof Short || v instanceof Byte) {
      return tagged(v.getClass().getSimpleName(), v);
    }
    if (v instanceof Double || v instanceof Float || v instanceof Character || v instanceof BigDecimal
        || v instanceof BigInteger || v instanceof UUID || v instanceof Instant
        || v instanceof LocalDate || v instanceof LocalTime || v instanceof LocalDateTime
        || v instanceof ZonedDateTime || v instanceof OffsetDateTime || v instanceof OffsetTime
        || v instanceof Duration || v instanceof Period || v instanceof Year
        || v instanceof YearMonth || v instanceof MonthDay || v instanceof ZoneOffset) {
      return tagged(v.getClass().getSimpleName(), v.toString());
    }
    if (v instanceof ZoneId z) {
      return tagged("ZoneId", z.getId());
    }
    if (v instanceof Date d && v.getClass() == Date.class) {
      return tagged("Date", d.getTime());
    }
    if (v instanceof byte[] b) {
      return tagged("bytes", Base64.getEncoder().encodeToString(b));
    }
    if (v instanceof char[] c) {
      return tagged("char[]", new String(c));
    }
    if (v instanceof int[] || v instanceof long[] || v instanceof short[] || v instanceof boolean[]) {
      int n = java.lang.reflect.Array.getLength(v);
      List<Object> l = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        l.add(java.lang.reflect.Array.get(v, i));
      }
      return tagged(v.getClass().getSimpleName(), l);
    }
    if (v instanceof double[] || v instanceof float[]) {
      int n = java.lang.reflect.Array.getLength(v);
      List<Object> l = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        l.add(String.valueOf(java.lang.reflect.Array.get(v, i)));
      }
      return tagged(v.getClass().getSimpleName(), l);
    }
    if (v instanceof String[] || (v instanceof Object[] && v.getClass() == Object[].class)) {
      List<Object> l = new ArrayList<>();
      for (Object o : (Object[]) v) {
        l.add(typed(o));
      }
      return tagged(v.getClass().getSimpleName(), l);
    }
    String cn = v.getClass().getName();
    if (v instanceof Map<?, ?> m) {
      String t = cn.startsWith(MAP_OF) ? "Map.of"
          : v.getClass() == HashMap.class ? "HashMap"
          : v.getClass() == LinkedHashMap.class ? "LinkedHashMap"
          : v.getClass() == TreeMap.class ? "TreeMap"
          : cn.equals("java.util.Collections$EmptyMap") ? "emptyMap"
          : cn.equals("java.util.Collections$SingletonMap") ? "singletonMap"
          : cn.startsWith("java.util.Collections$Unmodifiable") ? "unmodifiableMap"
          : null;
      if (t == null) {
        throw new IllegalArgumentException("no typed JSON form for " + cn);
      }
      if (t.equals("emptyMap")) {
        return tagged(t, NONE);
      }
      List<Object> pairs = new ArrayList<>();
      m.forEach((k, x) -> pairs.add(Arrays.asList(typed(k), typed(x))));
      return tagged(t, pairs);
    }
    if (v instanceof Collection<?> c) {
      String t = cn.startsWith(LIST_OF) ? "List.of"
          : cn.startsWith(SET_OF) ? "Set.of"
          : v.getClass() == ArrayList.class ? "ArrayList"
          : v.getClass() == LinkedList.class ? "LinkedList"
          : v.getClass() == ArrayDeque.class ? "ArrayDeque"
          : v.getClass() == HashSet.class ? "HashSet"
          : v.getClass() == LinkedHashSet.class ? "LinkedHashSet"
          : v.getClass() == TreeSet.class ? "TreeSet"
          : cn.equals("java.util.Collections$EmptyList") ? "emptyList"
          : cn.equals("java.util.Collections$EmptySet") ? "emptySet"
          : cn.equals("java.util.Collections$SingletonList") ? "singletonList"
          : cn.equals("java.util.Collections$SingletonSet") ? "singleton"
          : cn.equals("java.util.Collections$UnmodifiableSet") ? "unmodifiableSet"
          : cn.equals("java.util.Collections$UnmodifiableCollection") ? "unmodifiableCollection"
          : cn.startsWith("java.util.Collections$Unmodifiable") ? "unmodifiableList"
          : cn.equals("java.util.Arrays$ArrayList") ? "Arrays.asList"
          : null;
      if (t == null) {
        throw new IllegalArgumentException("no typed JSON form for " + cn);
      }
      if (t.equals("emptyList") || t.equals("emptySet")) {
        return tagged(t, NONE);
      }
      List<Object> l = new ArrayList<>(c.size());
      for (Object o : c) {
        l.add(typed(o));
      }
      return tagged(t, l);
    }
    throw new IllegalArgumentException("no typed JSON form for " + cn);
  }

  /** Rebuilds a value from its typed JSON tree (the inverse of {@link #typed}). */
  static Object fromTyped(Object tree) throws BadValueException {
    if (tree == null || tree instanceof String || tree instanceof Boolean) {
      return tree;
    }
    if (tree instanceof BigDecimal n) {
      try {
        return n.intValueExact();
      } catch (ArithmeticException e) {
        throw new BadValueException("untyped number " + n + " is not an int; write {\"t\":\"Long\",\"v\":"
            + n + "} or another typed form");
      }
    }
    if (!(tree instanceof Map<?, ?> m) || !(m.get("t") instanceof String t)) {
      throw new BadValueException("expected a string, boolean, null, int or {\"t\":...,\"v\":...}, found "
          + Json.write(tree instanceof List<?> ? "an array" : String.valueOf(tree)));
    }
    Object v = m.get("v");
    try {
      return switch (t) {
        case "raw" -> {
          Object c = m.get("class");
          if (!(c instanceof BigDecimal)) {
            throw new BadValueException("raw value needs \"class\"");
          }
          byte[] b = Base64.getDecoder().decode(str(v));
          int id = ((BigDecimal) c).intValueExact();
          if (ValueCodec.classIdAt(b, 0, b.length) != id) {
            throw new BadValueException("raw value bytes do not start with class id " + id);
          }
          yield new Raw(id, b);
        }
        case "Long" -> num(v).longValueExact();
        case "Short" -> num(v).shortValueExact();
        case "Byte" -> num(v).byteValueExact();
        case "Character" -> {
          String s = str(v);
          if (s.length() != 1) {
            throw new BadValueException("Character must be one char, was \"" + s + "\"");
          }
          yield s.charAt(0);
        }
        case "Double" -> Double.valueOf(str(v));
        case "Float" -> Float.valueOf(str(v));
        case "BigDecimal" -> new BigDecimal(str(v));
        case "BigInteger" -> new BigInteger(str(v));
        case "UUID" -> UUID.fromString(str(v));
        case "Instant" -> Instant.parse(str(v));
        case "LocalDate" -> LocalDate.parse(str(v));
        case "LocalTime" -> LocalTime.parse(str(v));
        case "LocalDateTime" -> LocalDateTime.parse(str(v));
        case "ZonedDateTime" -> ZonedDateTime.parse(str(v));
        case "OffsetDateTime" -> OffsetDateTime.parse(str(v));
        case "OffsetTime" -> OffsetTime.parse(str(v));
        case "Duration" -> Duration.parse(str(v));
        case "Period" -> Period.parse(str(v));
        case "Year" -> Year.parse(str(v));
        case "YearMonth" -> YearMonth.parse(str(v));
        case "MonthDay" -> MonthDay.parse(str(v));
        case "ZoneOffset" -> ZoneOffset.of(str(v));
        case "ZoneId" -> ZoneId.of(str(v));
        case "Date" -> new Date(num(v).longValueExact());
        case "bytes" -> Base64.getDecoder().decode(str(v));
        case "char[]" -> str(v).toCharArray();
        case "int[]" -> {
          List<?> l = list(v);
          int[] a = new int[l.size()];
          for (int i = 0; i < a.length; i++) {
            a[i] = num(l.get(i)).intValueExact();
          }
          yield a;
        }
        case "long[]" -> {
          List<?> l = list(v);
          long[] a = new long[l.size()];
          for (int i = 0; i < a.length; i++) {
            a[i] = num(l.get(i)).longValueExact();
          }
          yield a;
        }
        case "short[]" -> {
          List<?> l = list(v);
          short[] a = new short[l.size()];
          for (int i = 0; i < a.length; i++) {
            a[i] = num(l.get(i)).shortValueExact();
          }
          yield a;
        }
        case "boolean[]" -> {
          List<?> l = list(v);
          boolean[] a = new boolean[l.size()];
          for (int i = 0; i < a.length; i++) {
            if (!(l.get(i) instanceof Boolean b)) {
              throw new BadValueException("boolean[] holds a non-boolean");
            }
            a[i] = b;
          }
          yield a;
        }
        case "double[]" -> {
          List<?> l = list(v);
          double[] a = new double[l.size()];
          for (int i = 0; i < a.length; i++) {
            a[i] = Double.parseDouble(str(l.get(i)));
          }
          yield a;
        }
        case "float[]" -> {
          List<?> l = list(v);
          float[] a = new float[l.size()];
          for (int i = 0; i < a.length; i++) {
            a[i] = Float.parseFloat(str(l.get(i)));
          }
          yield a;
        }
        case "String[]" -> {
          List<Object> l = elements(v);
          String[] a = new String[l.size()];
          for (int i = 0; i < a.length; i++) {
            if (l.get(i) != null && !(l.get(i) instanceof String)) {
              throw new BadValueException("String[] holds a non-string");
            }
            a[i] = (String) l.get(i);
          }
          yield a;
        }
        case "Object[]" -> elements(v).toArray();
        case "List.of" -> List.of(elements(v).toArray());
        case "Set.of" -> Set.of(elements(v).toArray());
        case "ArrayList" -> new ArrayList<>(elements(v));
        case "LinkedList" -> new LinkedList<>(elements(v));
        case "ArrayDeque" -> new ArrayDeque<>(elements(v));
        case "HashSet" -> new HashSet<>(elements(v));
        case "LinkedHashSet" -> new LinkedHashSet<>(elements(v));
        case "TreeSet" -> new TreeSet<>(elements(v));
        case "emptyList" -> Collections.emptyList();
        case "emptySet" -> Collections.emptySet();
        case "emptyMap" -> Collections.emptyMap();
        case "singletonList" -> Collections.singletonList(one(elements(v)));
        case "singleton" -> Collections.singleton(one(elements(v)));
        case "unmodifiableList" -> Collections.unmodifiableList(new ArrayList<>(elements(v)));
        case "unmodifiableSet" -> Collections.unmodifiableSet(new LinkedHashSet<>(elements(v)));
        case "unmodifiableCollection" -> Collections.unmodifiableCollection(new ArrayList<>(elements(v)));
        case "Arrays.asList" -> Arrays.asList(elements(v).toArray());
        case "Map.of" -> Map.copyOf(pairs(v, new LinkedHashMap<>()));
        case "HashMap" -> pairs(v, new HashMap<>());
        case "LinkedHashMap" -> pairs(v, new LinkedHashMap<>());
        case "TreeMap" -> pairs(v, new TreeMap<>());
        case "unmodifiableMap" -> Collections.unmodifiableMap(pairs(v, new LinkedHashMap<>()));
        case "singletonMap" -> {
          Map<Object, Object> p = pairs(v, new LinkedHashMap<>());
          if (p.size() != 1) {
            throw new BadValueException("singletonMap needs exactly one pair");
          }
          Map.Entry<Object, Object> e = p.entrySet().iterator().next();
          yield Collections.singletonMap(e.getKey(), e.getValue());
        }
        default -> throw new BadValueException("unknown type tag \"" + t + "\"");
      };
    } catch (RuntimeException e) {
      throw new BadValueException("bad " + t + " value " + Json.write(v == null ? "null" : v instanceof Map || v instanceof List ? "..." : v.toString())
          + ": " + e.getMessage());
    }
  }

  private static String str(Object v) throws BadValueException {
    if (!(v instanceof String s)) {
      throw new BadValueException("\"v\" must be a string");
    }
    return s;
  }

  private static BigDecimal num(Object v) throws BadValueException {
    if (!(v instanceof BigDecimal n)) {
      throw new BadValueException("\"v\" must be a number");
    }
    return n;
  }

  private static List<?> list(Object v) throws BadValueException {
    if (!(v instanceof List<?> l)) {
      throw new BadValueException("\"v\" must be an array");
    }
    return l;
  }

  private static List<Object> elements(Object v) throws BadValueException {
    List<?> l = list(v);
    List<Object> out = new ArrayList<>(l.size());
    for (Object o : l) {
      out.add(fromTyped(o));
    }
    return out;
  }

  private static Object one(List<Object> l) throws BadValueException {
    if (l.size() != 1) {
      throw new BadValueException("expected exactly one element, found " + l.size());
    }
    return l.get(0);
  }

  private static Map<Object, Object> pairs(Object v, Map<Object, Object> into) throws BadValueException {
    for (Object p : list(v)) {
      if (!(p instanceof List<?> kv) || kv.size() != 2) {
        throw new BadValueException("map entries must be [key, value] pairs");
      }
      into.put(fromTyped(kv.get(0)), fromTyped(kv.get(1)));
    }
    return into;
  }
}
