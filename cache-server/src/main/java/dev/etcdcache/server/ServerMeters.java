package dev.etcdcache.server;

import io.grpc.Attributes;
import io.grpc.ServerTransportFilter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's own state as meters, beside the per-RPC ones ({@link RpcMetrics}): client
 * connections open now, watch streams open now, and watch streams closed because their client did
 * not read (RESOURCE_EXHAUSTED; the others on the server are unaffected). Read at scrape time.
 */
final class ServerMeters extends ServerTransportFilter {

  private final AtomicInteger connections = new AtomicInteger();

  /** Registers the meters on {@code registry}; install this as the server's transport filter. */
  ServerMeters(MeterRegistry registry, WatchService watches) {
    Gauge.builder("etcd.cache.server.connections", connections, AtomicInteger::get)
        .description("client connections (HTTP/2 transports) open now").register(registry);
    Gauge.builder("etcd.cache.server.watch.streams", watches, WatchService::openStreams)
        .description("Watch streams served from the cache, open now").register(registry);
    FunctionCounter.builder("etcd.cache.server.slow.clients.closed", watches, WatchService::slowClientsClosed)
        .description("Watch streams closed with RESOURCE_EXHAUSTED because their client did not read")
        .register(registry);
    FunctionCounter.builder("etcd.cache.server.watch.responses.joined", watches, WatchService::joinedResponses)
        .description("Watch event responses sent inside the one before them because their client was behind"
            + " (as etcd batches a lagging watcher's revisions)")
        .register(registry);
  }

  @Override
  public Attributes transportReady(Attributes attributes) {
    connections.incrementAndGet();
    return attributes;
  }

  @Override
  public void transportTerminated(Attributes attributes) {
    connections.decrementAndGet();
  }

  /** Client connections open now. */
  int connections() {
    return connections.get();
  }
}
