package dev.etcdcache.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The HTTP side for operators, on the JDK's own server: {@code /metrics} in Prometheus text format
 * and {@code /health} answering {@code {"health":"true"}} (200) while the mirror is ready and
 * {@code {"health":"false"}} (503) otherwise, as etcd's {@code /health} does, and {@code /status}:
 * the cache's status as one JSON object ({@link StatusPage}), always 200.
 *
 * <p>Thread-safe. One small thread serves every path.
 */
final class HttpEndpoints implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService executor;

  HttpEndpoints(URI address, PrometheusMeterRegistry registry, BooleanSupplier healthy, Supplier<String> status)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(address.getHost(), address.getPort()), 0);
    executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "cache-server-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/metrics", ex -> reply(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
        registry.scrape()));
    server.createContext("/health", ex -> {
      boolean ok = healthy.getAsBoolean();
      reply(ex, ok ? 200 : 503, "application/json", ok ? "{\"health\":\"true\"}" : "{\"health\":\"false\"}");
    });
    server.createContext("/status", ex -> reply(ex, 200, "application/json", status.get()));
    server.start();
  }

  /** Serves {@code path} with {@code handler} too, on the same thread. */
  void add(String path, com.sun.net.httpserver.HttpHandler handler) {
    server.createContext(path, handler);
  }

  /** The bound port. */
  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private static void reply(HttpExchange ex, int code, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
