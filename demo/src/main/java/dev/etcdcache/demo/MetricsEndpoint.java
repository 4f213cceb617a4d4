package dev.etcdcache.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.metrics.EtcdCacheMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * The demo's Prometheus endpoint: {@code GET /metrics} on loopback renders a
 * {@link PrometheusMeterRegistry} to which the demo's cache is bound once it exists, so Prometheus
 * (and the dashboard in {@code cache-metrics/grafana/}) can watch the demo while it runs. The JDK's
 * own HTTP server, one thread: a scrape is a few microseconds of work.
 */
final class MetricsEndpoint implements AutoCloseable {

  private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final HttpServer server;

  private MetricsEndpoint(HttpServer server) {
    this.server = server;
    server.createContext("/metrics", this::scrape);
    server.start();
  }

  /** Serves {@code /metrics} on 127.0.0.1:{@code port} (0: a free port). */
  static MetricsEndpoint start(int port) throws IOException {
    return new MetricsEndpoint(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0));
  }

  /** Where to scrape. */
  URI uri() {
    InetSocketAddress address = server.getAddress();
    return URI.create("http://" + address.getHostString() + ":" + address.getPort() + "/metrics");
  }

  /** Exposes {@code cache}'s meters, tagged {@code cache=demo}. */
  void bind(CachingClient cache) {
    EtcdCacheMetrics.monitor(registry, cache, "demo");
  }

  @Override
  public void close() {
    server.stop(0);
    registry.close();
  }

  private void scrape(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
