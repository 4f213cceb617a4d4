package dev.etcdcache.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.etcdcache.core.CachingClient;
import java.io.IOException;
import java.util.Map;

/**
 * {@code /bypass} on the metrics listener, the operator's switch back to etcd without a restart.
 * {@code GET} answers {@code {"bypass":B,"reads":R,"watches":W}} (bypass: any part on).
 * {@code POST /bypass?on=true|false} switches reads and watches together;
 * {@code POST /bypass?reads=true|false}, {@code ?watches=true|false} or both switch each half apart
 * (the other keeps its state), for a rollout that serves reads from memory while watches stay on
 * etcd ({@link CachingClient#bypass(boolean, boolean)}: open watch streams move with no event lost
 * or repeated, both ways). A POST answers the state after it. Anything else is a 400 (an unknown
 * parameter, a value other than true or false, {@code on} with {@code reads} or {@code watches},
 * nothing to switch) or a 405. The listener is the metrics one ({@code --metrics-addr}): bind it
 * where only operators reach it.
 */
final class BypassEndpoint implements HttpHandler {

  private static final String USAGE = "{\"error\":\"POST /bypass?on=true|false, or ?reads=true|false"
      + " and/or ?watches=true|false\"}";

  private final CachingClient cache;

  BypassEndpoint(CachingClient cache) {
    this.cache = cache;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    if (method.equals("POST")) {
      Map<String, String> params = AdminQuery.parse(ex.getRequestURI().getRawQuery());
      if (params == null || params.isEmpty() || !AdminQuery.onlyNames(params, "on", "reads", "watches")
          || (params.containsKey("on") && params.size() > 1) || !AdminQuery.allBooleans(params)) {
        AdminQuery.reply(ex, 400, USAGE);
        return;
      }
      synchronized (cache) {
        // Read and switch under one lock, so two operators switching different halves do not undo each other.
        boolean reads = Boolean.parseBoolean(params.getOrDefault("reads",
            params.getOrDefault("on", Boolean.toString(cache.isReadsBypassed()))));
        boolean watches = Boolean.parseBoolean(params.getOrDefault("watches",
            params.getOrDefault("on", Boolean.toString(cache.isWatchesBypassed()))));
        cache.bypass(reads, watches);
      }
    } else if (!method.equals("GET")) {
      AdminQuery.reply(ex, 405, "{\"error\":\"GET or POST\"}");
      return;
    }
    AdminQuery.reply(ex, 200, "{\"bypass\":" + cache.isBypassed() + ",\"reads\":" + cache.isReadsBypassed()
        + ",\"watches\":" + cache.isWatchesBypassed() + "}");
  }
}
