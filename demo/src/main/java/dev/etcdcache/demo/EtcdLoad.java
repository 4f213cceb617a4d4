package dev.etcdcache.demo;

import dev.etcdcache.demo.load.EtcdCounters;
import dev.etcdcache.testing.EtcdMetrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Where the demo reads what etcd itself reports about the load it served: its members'
 * {@code /metrics}, read through the launcher for an etcd the demo started or over HTTP for one
 * given with {@code --endpoints}, summed into one {@link EtcdCounters}.
 *
 * <p>Thread-safe.
 */
final class EtcdLoad {

  private final List<Supplier<EtcdMetrics>> members;

  private EtcdLoad(List<Supplier<EtcdMetrics>> members) {
    this.members = List.copyOf(members);
  }

  /** Reads metrics through {@code members} (for an etcd the demo started). */
  static EtcdLoad of(List<Supplier<EtcdMetrics>> members) {
    return new EtcdLoad(members);
  }

  /**
   * Reads {@code <endpoint>/metrics} over HTTP, or returns null when that does not answer within 2 s
   * (a remote etcd may serve metrics elsewhere or only over TLS).
   */
  static EtcdLoad scrape(List<URI> endpoints) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    List<Supplier<EtcdMetrics>> members = new ArrayList<>();
    for (URI endpoint : endpoints) {
      URI url = endpoint.resolve("/metrics");
      members.add(() -> {
        try {
          HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).build();
          HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() != 200) {
            throw new IllegalStateException(url + " answered HTTP " + response.statusCode());
          }
          return EtcdMetrics.parse(response.body());
        } catch (java.io.IOException e) {
          throw new IllegalStateException("cannot read " + url + ": " + e, e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted reading " + url, e);
        }
      });
    }
    EtcdLoad load = new EtcdLoad(members);
    try {
      load.counters();
      return load;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Etcd's counters now, all members together. */
  EtcdCounters counters() {
    EtcdCounters sum = new EtcdCounters(0, 0, 0, 0, 0);
    for (Supplier<EtcdMetrics> member : members) {
      sum = sum.plus(EtcdCounters.read(member.get()));
    }
    return sum;
  }
}
