package io.github.atomicdb.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The command line's JSON, by Jackson: one configured mapper for output, export lines and
 * parsing. Numbers parse exactly (a fraction as a {@link java.math.BigDecimal}, never a double);
 * java.time values and dates print as ISO-8601 text; a line must hold exactly one JSON value.
 * Thread-safe.
 */
final class Json {
  private Json() {}

  static final JsonMapper MAPPER = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
      .build();

  /**
   * Export lines escape every non-ASCII character: the file is then plain ASCII, and a string
   * holding a lone surrogate (valid in Java, not encodable as UTF-8) survives as its escape.
   */
  private static final ObjectWriter EXPORT = MAPPER.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII);

  /** Compact JSON text of {@code value} (maps, lists, strings, numbers, java.time, ...). */
  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** One line of an export file. */
  static String exportLine(Object value) {
    try {
      return EXPORT.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * The JSON value in {@code text}.
   *
   * @throws JsonProcessingException if it is not exactly one well-formed JSON value
   */
  static JsonNode parse(String text) throws JsonProcessingException {
    JsonNode n = MAPPER.readTree(text);
    if (n == null || n.isMissingNode()) {
      throw new com.fasterxml.jackson.core.JsonParseException(null, "no JSON value");
    }
    return n;
  }
}
