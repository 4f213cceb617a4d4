package dev.etcdcache.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The query strings and JSON replies of the operator switches on the metrics listener
 * ({@code /bypass}, {@code /shadow}): strict, so a typo is a 400 and never a silent no-op.
 */
final class AdminQuery {

  private AdminQuery() {}

  /** {@code name=value} pairs of {@code rawQuery} in order; empty for none; null if malformed or repeated. */
  static Map<String, String> parse(String rawQuery) {
    Map<String, String> out = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return out;
    }
    for (String pair : rawQuery.split("&", -1)) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        return null;
      }
      String name = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      if (out.put(name, value) != null) {
        return null;
      }
    }
    return out;
  }

  /** Whether every name in {@code params} is one of {@code allowed}. */
  static boolean onlyNames(Map<String, String> params, String... allowed) {
    return Set.of(allowed).containsAll(params.keySet());
  }

  /** Whether every value is exactly {@code true} or {@code false}. */
  static boolean allBooleans(Map<String, String> params) {
    return params.values().stream().allMatch(v -> v.equals("true") || v.equals("false"));
  }

  static void reply(HttpExchange ex, int code, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
