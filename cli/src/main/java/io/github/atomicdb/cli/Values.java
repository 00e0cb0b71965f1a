package io.github.atomicdb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.atomicdb.tools.StoredValue;
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
 * {"t":"raw","class":ID,"v":base64 of its stored bytes}; import writes those bytes back as they
 * were.
 *
 * Plain (display): the value itself, written by Jackson as its natural JSON (numbers, strings,
 * arrays, objects; dates as ISO-8601, byte[] as base64); an undecoded value shows as
 * {"class": ID, "bytes": N}.
 */
final class Values {
  private Values() {}

  /** A typed JSON value that import cannot understand. */
  static final class BadValueException extends Exception {
    private static final long serialVersionUID = 1L;

    BadValueException(String message) {
      super(message);
    }
  }

  /**
   * The display form of a stored value: the value itself, which Jackson writes as its natural
   * JSON, or its class id and size if undecoded.
   */
  static Object plain(StoredValue v) {
    if (!v.isDecoded()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("class", v.classId());
      m.put("bytes", v.size());
      return m;
    }
    return v.value();
  }

  /**
   * The typed form of a stored value: the typed JSON of its Java value, or its raw bytes when it
   * is undecoded or holds a class that has no typed form (a registered user class).
   */
  static Object typed(StoredValue v) {
    if (v.isDecoded()) {
      try {
        return typed(v.value());
      } catch (IllegalArgumentException noTypedForm) {
        // a class of the application: keep its bytes
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("t", "raw");
    m.put("class", v.classId());
    m.put("v", Base64.getEncoder().encodeToString(v.bytes()));
    return m;
  }

  /** The stored value a typed JSON tree stands for: raw bytes, or a Java value to serialize. */
  static StoredValue stored(JsonNode tree) throws BadValueException {
    Object v = fromTyped(tree);
    return v instanceof StoredValue s ? s : StoredValue.of(v);
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

  /**
   * The typed JSON tree of a Java value.
   *
   * @throws IllegalArgumentException if a class in it has no typed form
   */
  static Object typed(Object v) {
    if (v == null || v instanceof String || v instanceof Boolean || v instanceof Integer) {
      return v;
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

  /**
   * Rebuilds a value from its typed JSON tree (the inverse of {@link #typed}); a raw value comes
   * back as a {@link StoredValue}. A missing node (no "data") stands for null.
   */
  static Object fromTyped(JsonNode tree) throws BadValueException {
    if (tree == null || tree.isNull() || tree.isMissingNode()) {
      return null;
    }
    if (tree.isTextual()) {
      return tree.textValue();
    }
    if (tree.isBoolean()) {
      return tree.booleanValue();
    }
    if (tree.isNumber()) {
      if (tree.isIntegralNumber() && tree.canConvertToInt()) {
        return tree.intValue();
      }
      throw new BadValueException("untyped number " + tree + " is not an int; write {\"t\":\"Long\",\"v\":"
          + tree + "} or another typed form");
    }
    if (!tree.isObject() || !tree.path("t").isTextual()) {
      throw new BadValueException("expected a string, boolean, null, int or {\"t\":...,\"v\":...},"
          + " found " + (tree.isArray() ? "an array" : tree.toString()));
    }
    String t = tree.get("t").textValue();
    JsonNode v = tree.path("v");
    try {
      return switch (t) {
        case "raw" -> {
          JsonNode c = tree.path("class");
          if (!c.isIntegralNumber()) {
            throw new BadValueException("raw value needs \"class\"");
          }
          StoredValue raw = StoredValue.raw(Base64.getDecoder().decode(str(v)));
          if (raw.classId() != c.intValue()) {
            throw new BadValueException("raw value bytes do not start with class id " + c);
          }
          yield raw;
        }
        case "Long" -> num(v).longValueExact();
        case "Short" -> num(v).shortValueExact();
        case "Byte" -> num(v).byteValueExact();
        case "Character" -> {
          String x = str(v);
          if (x.length() != 1) {
            throw new BadValueException("Character must be one char, was \"" + x + "\"");
          }
          yield x.charAt(0);
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
          List<JsonNode> l = list(v);
          int[] a = new int[l.size()];
          for (int i = 0; i < a.length; i++) {
            a[i] = num(l.get(i)).intValueExact();
          }
          yield a;
        }
        case "long[]" -> {
          List<JsonNode> l = list(v);
          long[] a = new long[l.size()];
          for (int i = 0; i < a.length; i++) {
            a[i] = num(l.get(i)).longValueExact();
          }
          yield a;
        }
        case "short[]" -> {
          List<JsonNode> l = list(v);
          short[] a = new short[l.size()];
          for (int i = 0; i < a.length; i++) {
            a[i] = num(l.get(i)).shortValueExact();
          }
          yield a;
        }
        case "boolean[]" -> {
          List<JsonNode> l = list(v);
          boolean[] a = new boolean[l.size()];
          for (int i = 0; i < a.length; i++) {
            if (!l.get(i).isBoolean()) {
              throw new BadValueException("boolean[] holds a non-boolean");
            }
            a[i] = l.get(i).booleanValue();
          }
          yield a;
        }
        case "double[]" -> {
          List<JsonNode> l = list(v);
          double[] a = new double[l.size()];
          for (int i = 0; i < a.length; i++) {
            a[i] = Double.parseDouble(str(l.get(i)));
          }
          yield a;
        }
        case "float[]" -> {
          List<JsonNode> l = list(v);
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
      throw new BadValueException("bad " + t + " value "
          + (v.isContainerNode() ? "..." : v.toString()) + ": " + e.getMessage());
    }
  }

  private static String str(JsonNode v) throws BadValueException {
    if (!v.isTextual()) {
      throw new BadValueException("\"v\" must be a string");
    }
    return v.textValue();
  }

  private static BigDecimal num(JsonNode v) throws BadValueException {
    if (!v.isNumber()) {
      throw new BadValueException("\"v\" must be a number");
    }
    return v.decimalValue();
  }

  private static List<JsonNode> list(JsonNode v) throws BadValueException {
    if (!v.isArray()) {
      throw new BadValueException("\"v\" must be an array");
    }
    List<JsonNode> out = new ArrayList<>(v.size());
    v.forEach(out::add);
    return out;
  }

  private static List<Object> elements(JsonNode v) throws BadValueException {
    List<JsonNode> l = list(v);
    List<Object> out = new ArrayList<>(l.size());
    for (JsonNode o : l) {
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

  private static Map<Object, Object> pairs(JsonNode v, Map<Object, Object> into) throws BadValueException {
    for (JsonNode p : list(v)) {
      if (!p.isArray() || p.size() != 2) {
        throw new BadValueException("map entries must be [key, value] pairs");
      }
      into.put(fromTyped(p.get(0)), fromTyped(p.get(1)));
    }
    return into;
  }
}
