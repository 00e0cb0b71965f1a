package io.github.atomicdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.ValueCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** data-format.md is the system of record: its vectors and tables must match the code exactly. */
class FormatGoldenTest {
  private static final Pattern VECTOR = Pattern.compile("^\\| ([A-Z]\\d+) \\|.*\\| `([0-9a-f]+)` \\|$");
  private static final Pattern BUILTIN = Pattern.compile("^\\| (\\d+) \\| ([^|]+?) \\|$");

  private static String doc() throws IOException {
    return Files.readString(Path.of(System.getProperty("atomicdb.formatDoc", "../data-format.md")));
  }

  @Test
  void everyGoldenVectorInTheDocumentMatchesTheCode() throws IOException {
    Map<String, String> documented = new LinkedHashMap<>();
    for (String line : doc().split("\n")) {
      Matcher m = VECTOR.matcher(line.strip());
      if (m.matches()) {
        documented.put(m.group(1), m.group(2));
      }
    }
    Map<String, byte[]> computed = GoldenVectors.compute();
    assertEquals(computed.keySet(), documented.keySet(), "the document lists every vector once");
    for (Map.Entry<String, byte[]> e : computed.entrySet()) {
      assertEquals(documented.get(e.getKey()), KeyCodec.hex(e.getValue()), "vector " + e.getKey());
    }
  }

  @Test
  void builtInTypeTableMatchesTheCodec() throws IOException {
    Map<Integer, String> documented = new TreeMap<>();
    for (String line : doc().split("\n")) {
      Matcher m = BUILTIN.matcher(line.strip());
      if (m.matches()) {
        documented.put(Integer.parseInt(m.group(1)), m.group(2).strip());
      }
    }
    Map<Integer, String> code = new TreeMap<>();
    ValueCodec.builtIns().forEach((id, c) -> code.put(id, c.getName().startsWith("[") ? c.getSimpleName().replace("String[]", "java.lang.String[]").replace("Object[]", "java.lang.Object[]") : c.getName()));
    for (Map.Entry<Integer, String> e : code.entrySet()) {
      assertEquals(e.getValue(), documented.get(e.getKey()), "built-in id " + e.getKey());
    }
    for (int id = 0; id < 10; id++) {
      assertTrue(documented.containsKey(id), "Kryo default id " + id + " documented");
    }
    assertEquals(code.size() + 10, documented.size(), "no undocumented or extra ids");
  }
}
