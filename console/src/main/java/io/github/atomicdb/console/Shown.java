package io.github.atomicdb.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.github.atomicdb.tools.StoredValue;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stored values as the console shows them: their JSON text, cut to a number of characters. The
 * page puts this text into the document as text, never as markup.
 *
 * <p>A decoded value is written by Jackson as its natural JSON (numbers, strings, arrays, objects,
 * records and beans by their properties, java.time as ISO-8601, bytes as base64). A value the store
 * cannot decode, or one Jackson cannot write, shows as its class id and size. Thread-safe.
 */
final class Shown {
  private Shown() {}

  static final JsonMapper MAPPER = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
      .build();

  private static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();

  /**
   * What the console sends for one value: {@code data} (JSON text, at most {@code maxChars}),
   * {@code truncated}, {@code size} (stored bytes) and {@code classId}.
   */
  static Map<String, Object> of(StoredValue v, int maxChars) {
    String json;
    if (v.isDecoded()) {
      try {
        json = PRETTY.writeValueAsString(v.value());
      } catch (JsonProcessingException | RuntimeException e) {
        json = undecoded(v, "cannot be written as JSON: " + e.getClass().getSimpleName());
      }
    } else {
      json = undecoded(v, "a class this store has not registered");
    }
    boolean truncated = json.length() > maxChars;
    if (truncated) {
      int end = maxChars;
      if (Character.isHighSurrogate(json.charAt(end - 1))) {
        end--;
      }
      json = json.substring(0, end);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("data", json);
    m.put("truncated", truncated);
    m.put("size", v.size());
    m.put("classId", v.classId());
    return m;
  }

  private static String undecoded(StoredValue v, String why) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("class", v.classId());
    m.put("bytes", v.size());
    m.put("shown", why);
    try {
      return PRETTY.writeValueAsString(m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
