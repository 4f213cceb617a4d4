package dev.etcdcache.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.etcdcache.core.CachingClient;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code /bypass} on the metrics listener, the operator's switch back to etcd without a restart:
 * {@code GET} answers {@code {"bypass":true|false}}; {@code POST /bypass?on=true} sends every
 * Range and Watch the server serves from its mirror to etcd instead ({@link CachingClient#bypass}:
 * open watch streams move with no event lost or repeated), {@code POST /bypass?on=false} serves
 * them from memory again. Anything else is a 400 or 405. The listener is the metrics one
 * ({@code --metrics-addr}): bind it where only operators reach it.
 */
final class BypassEndpoint implements HttpHandler {

  private final CachingClient cache;

  BypassEndpoint(CachingClient cache) {
    this.cache = cache;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    if (method.equals("POST")) {
      String query = ex.getRequestURI().getQuery();
      if ("on=true".equals(query)) {
        cache.bypass(true);
      } else if ("on=false".equals(query)) {
        cache.bypass(false);
      } else {
        reply(ex, 400, "{\"error\":\"POST /bypass?on=true or ?on=false\"}");
        return;
      }
    } else if (!method.equals("GET")) {
      reply(ex, 405, "{\"error\":\"GET or POST\"}");
      return;
    }
    reply(ex, 200, "{\"bypass\":" + cache.isBypassed() + "}");
  }

  private static void reply(HttpExchange ex, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
