package io.github.atomicdb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ValuesTest {

  /** Typed JSON text -> value -> typed JSON text gives the same value, class and text. */
  static Object roundTrip(Object v) throws Exception {
    String text = Json.write(Values.typed(v));
    Object back = Values.fromTyped(Json.parse(text));
    assertEquals(v == null ? null : v.getClass(), back == null ? null : back.getClass(), text);
    assertEquals(text, Json.write(Values.typed(back)));
    return back;
  }

  @Test
  void everyBuiltInTypeRoundTripsWithItsClass() throws Exception {
    for (Object v : SampleValues.all()) {
      Object back = roundTrip(v);
      assertTrue(SampleValues.same(v, back), () -> v + " came back as " + back);
    }
  }

  @Test
  void bigDecimalKeepsItsScale() throws Exception {
    assertEquals("{\"t\":\"BigDecimal\",\"v\":\"1.50\"}", Json.write(Values.typed(new BigDecimal("1.50"))));
    assertEquals(new BigDecimal("1.50"), roundTrip(new BigDecimal("1.50")));
  }

  @Test
  void plainJsonShowsNaturalJson() {
    assertEquals("{\"a\":[1,\"x\",true,null]}",
        Json.write(Values.plain(Map.of("a", Arrays.asList(1, "x", true, null)))));
    assertEquals("[[1,\"one\"]]", Json.write(Values.plain(Map.of(1, "one"))));
    assertEquals("{\"class\":100,\"bytes\":3}", Json.write(Values.plain(new Values.Raw(100, new byte[3]))));
  }

  @Test
  void jsonReaderHandlesEscapesNumbersAndRefusesGarbage() throws Exception {
    Object v = Json.parse(" {\"s\":\"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\",\"n\":-1.5e3,\"l\":[],\"o\":{}} ");
    Map<?, ?> m = assertInstanceOf(Map.class, v);
    assertEquals("a\"b\\c\né😀", m.get("s"));
    assertEquals(new BigDecimal("-1.5e3"), m.get("n"));
    assertEquals(List.of(), m.get("l"));
    String lone = "x\ud800y";
    assertEquals(lone, Json.parse(Json.write(lone)));
    for (String bad : new String[] {"", "{", "[1,]", "{\"a\"}", "tru", "\"abc", "1 2", "{'a':1}"}) {
      assertThrows(Json.ParseException.class, () -> Json.parse(bad), bad);
    }
  }

  @Test
  void badTypedValuesAreRefusedWithAReason() {
    Values.BadValueException e = assertThrows(Values.BadValueException.class,
        () -> Values.fromTyped(Json.parse("{\"t\":\"Nope\",\"v\":1}")));
    assertTrue(e.getMessage().contains("Nope"), e.getMessage());
    assertThrows(Values.BadValueException.class, () -> Values.fromTyped(Json.parse("1.5")));
    assertThrows(Values.BadValueException.class,
        () -> Values.fromTyped(Json.parse("{\"t\":\"Long\",\"v\":\"x\"}")));
    assertThrows(Values.BadValueException.class,
        () -> Values.fromTyped(Json.parse("{\"t\":\"raw\",\"class\":100,\"v\":\"AAAA\"}")));
  }
}
