package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The server's {@code /bypass} admin endpoint: flips the bypass under an open watch stream with no
 * event lost or repeated, and the {@code etcd_cache_bypass} and consistency meters show it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BypassEndpointTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void postBypass_flipsUnderAnOpenWatch_andTheMetricShowsIt() throws Exception {
    try (ServerFixture fixture = new ServerFixture(ETCD, c -> c.withMetricsUrl(URI.create("http://127.0.0.1:0")));
        Client viaServer = Client.builder().endpoints(fixture.server.clientUrl()).build()) {
      URI base = fixture.server.metricsUrl().orElseThrow();
      assertThat(send(base, "GET", "/bypass").body()).isEqualTo("{\"bypass\":false}");
      assertThat(metric(base, "etcd_cache_bypass{")).isEqualTo(0.0);

      List<Long> seen = new CopyOnWriteArrayList<>();
      long from = ETCD.client().getKVClient().get(bytes("ep/")).get().getHeader().getRevision() + 1;
      Watch.Watcher watcher = viaServer.getWatchClient().watch(bytes("ep/"),
          WatchOption.builder().isPrefix(true).withRevision(from).build(), r -> {
            for (WatchEvent e : r.getEvents()) {
              seen.add(e.getKeyValue().getModRevision());
            }
          });
      List<Long> written = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        if (i % 50 == 25) {
          boolean on = (i / 50) % 2 == 0;
          HttpResponse<String> r = send(base, "POST", "/bypass?on=" + on);
          assertThat(r.statusCode()).isEqualTo(200);
          assertThat(r.body()).isEqualTo("{\"bypass\":" + on + "}");
          if (i == 25) {
            assertThat(metric(base, "etcd_cache_bypass{")).isEqualTo(1.0);
          }
        }
        written.add(ETCD.client().getKVClient().put(bytes("ep/" + (i % 7)), bytes("v" + i)).get()
            .getHeader().getRevision());
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (seen.size() < written.size() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(200); // lets a repeated event, if any, arrive
      assertThat(seen).isEqualTo(written);
      watcher.close();

      assertThat(send(base, "POST", "/bypass?on=maybe").statusCode()).isEqualTo(400);
      assertThat(send(base, "DELETE", "/bypass").statusCode()).isEqualTo(405);
      assertThat(metric(base, "etcd_cache_consistency_checks_total{")).isNotNull();
      assertThat(metric(base, "etcd_cache_shadow_mismatches_total{")).isEqualTo(0.0);
    }
  }

  private HttpResponse<String> send(URI base, String method, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve(path)).method(method, HttpRequest.BodyPublishers.noBody())
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private Double metric(URI base, String prefix) throws Exception {
    for (String line : send(base, "GET", "/metrics").body().split("\n")) {
      if (line.startsWith(prefix)) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return null;
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
