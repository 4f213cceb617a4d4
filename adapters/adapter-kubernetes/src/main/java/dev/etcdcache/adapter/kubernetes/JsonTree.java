package dev.etcdcache.adapter.kubernetes;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON document as an unmodifiable tree of Java values: objects are {@code Map<String, Object>} in
 * document order, arrays {@code List<Object>}, numbers {@code Long} when integral and in range,
 * otherwise {@code BigDecimal}, then {@code String}, {@code Boolean} and {@code null}. Gson's own
 * tree is mutable, so it never leaves this class.
 */
final class JsonTree {

  private JsonTree() {}

  /**
   * Parses a JSON object.
   *
   * @throws IllegalArgumentException if the bytes are not one JSON object
   */
  static Map<String, Object> parseObject(byte[] document) {
    JsonElement root;
    try {
      root = JsonParser.parseReader(new InputStreamReader(new ByteArrayInputStream(document), StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a JSON document: " + e.getMessage(), e);
    }
    if (!root.isJsonObject()) {
      throw new IllegalArgumentException("a stored Kubernetes JSON value is an object, found " + root);
    }
    return toMap(root.getAsJsonObject());
  }

  /** The string at {@code path} (object keys), or {@code ""} when absent or not a string. */
  static String string(Map<String, Object> tree, String... path) {
    Object value = at(tree, path);
    return value instanceof String s ? s : "";
  }

  /** The value at {@code path} (object keys), or {@code null} when absent. */
  static Object at(Map<String, Object> tree, String... path) {
    Object current = tree;
    for (String segment : path) {
      if (!(current instanceof Map<?, ?> map)) {
        return null;
      }
      current = map.get(segment);
    }
    return current;
  }

  private static Map<String, Object> toMap(JsonObject object) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : object.entrySet()) {
      map.put(e.getKey(), toValue(e.getValue()));
    }
    return Collections.unmodifiableMap(map);
  }

  private static Object toValue(JsonElement element) {
    if (element.isJsonNull()) {
      return null;
    }
    if (element.isJsonObject()) {
      return toMap(element.getAsJsonObject());
    }
    if (element.isJsonArray()) {
      JsonArray array = element.getAsJsonArray();
      List<Object> list = new ArrayList<>(array.size());
      array.forEach(item -> list.add(toValue(item)));
      return Collections.unmodifiableList(list);
    }
    JsonPrimitive primitive = element.getAsJsonPrimitive();
    if (primitive.isBoolean()) {
      return primitive.getAsBoolean();
    }
    if (primitive.isNumber()) {
      BigDecimal number = primitive.getAsBigDecimal();
      try {
        return number.longValueExact();
      } catch (ArithmeticException notIntegral) {
        return number;
      }
    }
    return primitive.getAsString();
  }
}
