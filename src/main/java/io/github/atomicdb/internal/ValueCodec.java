package io.github.atomicdb.internal;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.CompatibleFieldSerializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.serializers.TimeSerializers;
import io.github.atomicdb.CorruptDataException;
import io.github.atomicdb.UnregisteredTypeException;
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
import java.util.function.Function;

/**
 * Serializes item and queue data with Kryo 5, registration required; see data-format.md,
 * "Values". Built-in types have fixed ids below {@link #FIRST_USER_ID}; user classes get theirs
 * from {@code register(type, id)}. Only registered classes are ever instantiated on read, so a
 * stored value cannot name an arbitrary class (no deserialization gadgets).
 *
 * <p>Thread-safe: Kryo instances and their buffers are taken from a {@link Recycler} for each
 * call (a new one is made when every kept one is in use).
 */
public final class ValueCodec {
  /** The first id a user class may take. */
  public static final int FIRST_USER_ID = 100;

  private final Map<Class<?>, Integer> userTypes;
  private final Recycler<Ctx> pool = new Recycler<>(64);

  private static final byte[] NO_BYTES = new byte[0];

  private static final class Ctx {
    final Kryo kryo;
    final Output out = new Output(256, -1);
    final Input in = new BoundedInput();

    Ctx(Kryo kryo) {
      this.kryo = kryo;
    }
  }

  /**
   * @param userTypes user classes and their ids (from 100), already checked for clashes by
   *     {@link Registrations}
   */
  public ValueCodec(Map<Class<?>, Integer> userTypes) {
    this.userTypes = Map.copyOf(userTypes);
    pool.offer(new Ctx(newKryo())); // fail fast on a bad registration
  }

  private Ctx obtain() {
    Ctx c = pool.poll();
    return c != null ? c : new Ctx(newKryo());
  }

  private void free(Ctx c) {
    pool.offer(c);
  }

  /** The table of built-in ids; data-format.md lists the same and a test compares them. */
  public static Map<Integer, Class<?>> builtIns() {
    Map<Integer, Class<?>> m = new LinkedHashMap<>();
    // 0-9 are Kryo's own defaults: int, String, float, boolean, byte, char, short, long, double,
    // void (boxed forms share the ids).
    m.put(10, byte[].class);
    m.put(11, BigDecimal.class);
    m.put(12, BigInteger.class);
    m.put(13, UUID.class);
    m.put(14, Instant.class);
    m.put(15, LocalDate.class);
    m.put(16, LocalTime.class);
    m.put(17, LocalDateTime.class);
    m.put(18, ZonedDateTime.class);
    m.put(19, OffsetDateTime.class);
    m.put(20, OffsetTime.class);
    m.put(21, Duration.class);
    m.put(22, Period.class);
    m.put(23, Year.class);
    m.put(24, YearMonth.class);
    m.put(25, MonthDay.class);
    m.put(26, ZoneOffset.class);
    m.put(27, ZoneId.of("Europe/Paris").getClass()); // java.time.ZoneRegion
    m.put(28, Date.class);
    m.put(29, ArrayList.class);
    m.put(30, LinkedList.class);
    m.put(31, HashMap.class);
    m.put(32, LinkedHashMap.class);
    m.put(33, TreeMap.class);
    m.put(34, HashSet.class);
    m.put(35, LinkedHashSet.class);
    m.put(36, TreeSet.class);
    m.put(37, List.of(1).getClass()); // ImmutableCollections$List12
    m.put(38, List.of(1, 2, 3).getClass()); // ImmutableCollections$ListN
    m.put(39, Set.of(1).getClass()); // ImmutableCollections$Set12
    m.put(40, Set.of(1, 2, 3).getClass()); // ImmutableCollections$SetN
    m.put(41, Map.of(1, 1).getClass()); // ImmutableCollections$Map1
    m.put(42, Map.of(1, 1, 2, 2).getClass()); // ImmutableCollections$MapN
    m.put(43, Collections.emptyList().getClass());
    m.put(44, Collections.emptySet().getClass());
    m.put(45, Collections.emptyMap().getClass());
    m.put(46, Collections.singletonList(1).getClass());
    m.put(47, Collections.singleton(1).getClass());
    m.put(48, Collections.singletonMap(1, 1).getClass());
    m.put(49, Collections.unmodifiableList(new ArrayList<>()).getClass());
    m.put(50, Collections.unmodifiableSet(new HashSet<>()).getClass());
    m.put(51, Collections.unmodifiableMap(new HashMap<>()).getClass());
    m.put(52, Arrays.asList(1).getClass()); // Arrays$ArrayList
    m.put(53, int[].class);
    m.put(54, long[].class);
    m.put(55, double[].class);
    m.put(56, String[].class);
    m.put(57, Object[].class);
    m.put(58, boolean[].class);
    m.put(59, char[].class);
    m.put(60, short[].class);
    m.put(61, float[].class);
    m.put(62, ArrayDeque.class);
    m.put(63, Collections.unmodifiableList(new LinkedList<>()).getClass());
    m.put(64, Collections.unmodifiableCollection(new ArrayList<>()).getClass());
    return m;
  }

  /** Built-ins whose Kryo serializer allocates by the stored length (ArrayList(n), new T[n]). */
  private static final Set<Class<?>> PREALLOCATING =
      Set.of(ArrayList.class, ArrayDeque.class, String[].class, Object[].class, boolean[].class);

  private Kryo newKryo() {
    Kryo k = new Kryo();
    k.setRegistrationRequired(true);
    k.setReferences(false);
    Map<Integer, Class<?>> b = builtIns();
    for (Map.Entry<Integer, Class<?>> e : b.entrySet()) {
      Class<?> type = e.getValue();
      Serializer<?> s = copySerializer(type);
      if (s == null && PREALLOCATING.contains(type)) {
        // Kryo sizes these by the stored length before reading any element: check it first.
        s = new BoundedInput.LengthChecked<>(
            k.getDefaultSerializer(type), Collection.class.isAssignableFrom(type));
      }
      if (s != null) {
        k.register(type, s, e.getKey());
      } else {
        k.register(type, e.getKey());
      }
    }
    for (Map.Entry<Class<?>, Integer> e : userTypes.entrySet()) {
      Class<?> type = e.getKey();
      if (type.isRecord() || type.isEnum()) {
        k.register(type, e.getValue());
      } else {
        // Tolerates fields added or removed later (data-format.md, "Evolving user classes").
        k.register(type, new CompatibleFieldSerializer<>(k, type), e.getValue());
      }
    }
    return k;
  }

  /** Serializers for JDK collections Kryo cannot instantiate by itself. */
  private static Serializer<?> copySerializer(Class<?> type) {
    String n = type.getName();
    if (type == UUID.class) {
      return new DefaultSerializers.UUIDSerializer();
    }
    if (n.equals("java.time.ZoneRegion")) {
      return new TimeSerializers.ZoneIdSerializer();
    }
    if (n.equals("java.util.ImmutableCollections$List12")
        || n.equals("java.util.ImmutableCollections$ListN")) {
      return new CopySerializer<>(ValueCodec::immutableList);
    }
    if (n.equals("java.util.ImmutableCollections$Set12")
        || n.equals("java.util.ImmutableCollections$SetN")) {
      return new CopySerializer<>(a -> Set.of(a));
    }
    if (n.startsWith("java.util.Collections$Unmodifiable")) {
      if (Map.class.isAssignableFrom(type)) {
        return new MapCopySerializer(m -> Collections.unmodifiableMap(m));
      }
      if (Set.class.isAssignableFrom(type)) {
        return new CopySerializer<>(
            a -> Collections.unmodifiableSet(new LinkedHashSet<>(Arrays.asList(a))));
      }
      if (n.endsWith("UnmodifiableCollection")) {
        return new CopySerializer<>(
            a -> Collections.unmodifiableCollection(new ArrayList<>(Arrays.asList(a))));
      }
      return new CopySerializer<>(a -> Collections.unmodifiableList(new ArrayList<>(Arrays.asList(a))));
    }
    if (n.equals("java.util.Arrays$ArrayList")) {
      return new CopySerializer<>(Arrays::asList);
    }
    if (n.equals("java.util.ImmutableCollections$Map1")
        || n.equals("java.util.ImmutableCollections$MapN")) {
      return new MapCopySerializer(Map::copyOf);
    }
    return null;
  }

  private static List<Object> immutableList(Object[] a) {
    for (Object o : a) {
      if (o == null) { // Stream.toList() allows nulls; List.of does not
        return Collections.unmodifiableList(Arrays.asList(a));
      }
    }
    return List.of(a);
  }

  /** Writes size and elements; reads them back through a factory. */
  private static final class CopySerializer<C extends Collection<Object>> extends Serializer<C> {
    private final Function<Object[], C> factory;

    CopySerializer(Function<Object[], C> factory) {
      super(false, true);
      this.factory = factory;
    }

    @Override
    public void write(Kryo kryo, Output output, C c) {
      output.writeVarInt(c.size(), true);
      for (Object o : c) {
        kryo.writeClassAndObject(output, o);
      }
    }

    @Override
    public C read(Kryo kryo, Input input, Class<? extends C> type) {
      int n = input.readVarInt(true);
      BoundedInput.check(input, n, type.getSimpleName());
      Object[] a = new Object[n];
      for (int i = 0; i < n; i++) {
        a[i] = kryo.readClassAndObject(input);
      }
      return factory.apply(a);
    }
  }

  private static final class MapCopySerializer extends Serializer<Map<Object, Object>> {
    private final Function<Map<Object, Object>, Map<Object, Object>> factory;

    MapCopySerializer(Function<Map<Object, Object>, Map<Object, Object>> factory) {
      super(false, true);
      this.factory = factory;
    }

    @Override
    public void write(Kryo kryo, Output output, Map<Object, Object> m) {
      output.writeVarInt(m.size(), true);
      for (Map.Entry<Object, Object> e : m.entrySet()) {
        kryo.writeClassAndObject(output, e.getKey());
        kryo.writeClassAndObject(output, e.getValue());
      }
    }

    @Override
    public Map<Object, Object> read(
        Kryo kryo, Input input, Class<? extends Map<Object, Object>> type) {
      int n = input.readVarInt(true);
      BoundedInput.check(input, 2L * n, type.getSimpleName());
      Map<Object, Object> m = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        Object k = kryo.readClassAndObject(input);
        m.put(k, kryo.readClassAndObject(input));
      }
      return factory.apply(m);
    }
  }

  /**
   * The Kryo bytes of {@code value} (class id and object).
   *
   * @throws IllegalArgumentException naming the class and {@code register} if any class in the
   *     value is not registered
   */
  public byte[] encode(Object value) {
    Ctx c = obtain();
    try {
      write(c, value);
      return c.out.toBytes();
    } finally {
      free(c);
    }
  }

  /**
   * The item record ({@link Records#item}) of {@code value} stored at {@code key}: the Kryo
   * bytes go straight from the codec's buffer into the record.
   *
   * @throws IllegalArgumentException as {@link #encode} does
   */
  public byte[] encodeItem(byte[] key, Object value, Long ttlSeconds) {
    Ctx c = obtain();
    try {
      write(c, value);
      return Records.item(key, c.out.getBuffer(), c.out.position(), ttlSeconds);
    } finally {
      free(c);
    }
  }

  private static void write(Ctx c, Object value) {
    try {
      c.out.reset();
      c.kryo.writeClassAndObject(c.out, value);
    } catch (IllegalArgumentException | KryoException e) {
      throw unregistered(e);
    }
  }

  private static RuntimeException unregistered(RuntimeException e) {
    String m = String.valueOf(e.getMessage());
    int at = m.indexOf("Class is not registered: ");
    if (at < 0) {
      return new IllegalArgumentException("data cannot be serialized: " + m, e);
    }
    String rest = m.substring(at + "Class is not registered: ".length());
    int nl = rest.indexOf('\n');
    String cls = (nl < 0 ? rest : rest.substring(0, nl)).trim();
    return new IllegalArgumentException(
        "data holds an instance of " + cls + ", which is not registered; give it a stable id"
            + " with builder().register(" + simpleClassLiteral(cls) + ", id) using an id >= "
            + FIRST_USER_ID + " (nothing was written)",
        e);
  }

  private static String simpleClassLiteral(String cls) {
    return cls.replace('$', '.') + ".class";
  }

  /**
   * Decodes bytes written by {@link #encode}.
   *
   * @param where names the record in an error (e.g. the item key)
   * @throws UnregisteredTypeException naming {@code where} and the class id if the bytes name a
   *     class id that is not registered
   * @throws CorruptDataException naming {@code where} if the bytes are malformed
   */
  public Object decode(byte[] buf, int off, int len, Object where) {
    Ctx c = obtain();
    try {
      c.in.setBuffer(buf, off, len);
      Object o = c.kryo.readClassAndObject(c.in);
      if (c.in.position() != off + len) {
        throw new CorruptDataException(
            "stored value of " + where + " has " + (off + len - c.in.position())
                + " trailing bytes; the record is damaged");
      }
      return o;
    } catch (KryoException | IllegalArgumentException | IndexOutOfBoundsException
        | NegativeArraySizeException | ClassCastException | UnsupportedOperationException
        | NullPointerException | java.time.DateTimeException | ArithmeticException e) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("unregistered class ID")) {
        // The id Kryo met, which may be nested (an element of a list), not the value's own.
        java.util.regex.Matcher idm =
            java.util.regex.Pattern.compile("unregistered class ID: (-?\\d+)").matcher(m);
        int id = idm.find() ? Integer.parseInt(idm.group(1)) : classIdAt(buf, off, len);
        throw new UnregisteredTypeException(
            "stored value of " + where + " names class id " + id + ", which is not registered"
                + " in this store; register the class that wrote it with register(type, " + id
                + ") when building the store (the stored data is unchanged)",
            id, e);
      }
      throw new CorruptDataException(
          "stored value of " + where + " cannot be decoded (" + m + "); the record is damaged", e);
    } finally {
      c.in.setBuffer(NO_BYTES);
      free(c);
    }
  }

  /** The class id at the start of Kryo bytes (Kryo writes it as varint id + 2). */
  public static int classIdAt(byte[] buf, int off, int len) {
    int result = 0;
    for (int shift = 0, i = off; i < off + len && shift < 35; shift += 7, i++) {
      int b = buf[i] & 0xFF;
      result |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return result - 2;
      }
    }
    return -1;
  }

  /** Is {@code type} registered in this codec (built-in or user)? */
  public boolean isRegistered(Class<?> type) {
    Ctx c = obtain();
    try {
      Registration r = c.kryo.getClassResolver().getRegistration(type);
      return r != null;
    } finally {
      free(c);
    }
  }

  /** The user class ids of this codec. */
  public Map<Class<?>, Integer> userTypes() {
    return userTypes;
  }
}
