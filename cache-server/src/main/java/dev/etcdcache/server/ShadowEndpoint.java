package dev.etcdcache.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.core.ShadowReport;
import java.io.IOException;
import java.util.Map;

/**
 * {@code /shadow} on the metrics listener, the server's shadow-mode switch (the first phase of a
 * rollout: clients get etcd's answers while the cache is checked against them).
 * {@code POST /shadow?rate=R} with R in [0, 1] starts shadow mode with that sample rate (a new
 * report: its counts start at zero) or, with 0, ends it ({@link CachingClient#shadowReads}); the
 * {@code --shadow-reads} flag sets it at start. {@code GET} and a POST answer
 * {@code {"rate":R,"sampled":N,"compared":N,"skipped":N,"mismatches":N}}, the same figures as
 * {@code /status} and the {@code etcd_cache_shadow_*} meters. A bad or missing rate is a 400,
 * another method a 405.
 */
final class ShadowEndpoint implements HttpHandler {

  private final CachingClient cache;

  ShadowEndpoint(CachingClient cache) {
    this.cache = cache;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    if (method.equals("POST")) {
      Map<String, String> params = AdminQuery.parse(ex.getRequestURI().getRawQuery());
      Double rate = params == null || params.size() != 1 ? null : rate(params.get("rate"));
      if (rate == null) {
        AdminQuery.reply(ex, 400, "{\"error\":\"POST /shadow?rate=R with R in [0, 1] (0 ends shadow mode)\"}");
        return;
      }
      cache.shadowReads(rate);
    } else if (!method.equals("GET")) {
      AdminQuery.reply(ex, 405, "{\"error\":\"GET or POST\"}");
      return;
    }
    AdminQuery.reply(ex, 200, json(cache));
  }

  /** The shadow state as one JSON object. */
  static String json(CachingClient cache) {
    ShadowReport r = cache.shadowReport();
    return "{\"rate\":" + cache.shadowRate() + ",\"sampled\":" + r.sampled() + ",\"compared\":" + r.compared()
        + ",\"skipped\":" + r.skipped() + ",\"mismatches\":" + r.totalMismatches() + "}";
  }

  private static Double rate(String value) {
    if (value == null) {
      return null;
    }
    try {
      double r = Double.parseDouble(value);
      return r >= 0 && r <= 1 ? r : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
