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
 * event lost or repeated, and the {@code etcd_cache_bypass} and consistency meters show it; reads
 * and watches switch apart, and a watch moved to etcd comes back to the mirror's stream.
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
      assertThat(send(base, "GET", "/bypass").body()).isEqualTo(state(false, false));
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
          assertThat(r.body()).isEqualTo(state(on, on));
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

  @Test
  void postBypassReadsAndWatchesApart_eachHalfSwitchesAlone_andWatchersComeBack() throws Exception {
    try (ServerFixture fixture = new ServerFixture(ETCD, c -> c.withMetricsUrl(URI.create("http://127.0.0.1:0"))
        .withPrefixes(List.of("sp/")));
        Client viaServer = Client.builder().endpoints(fixture.server.clientUrl()).build()) {
      URI base = fixture.server.metricsUrl().orElseThrow();
      List<Long> seen = new CopyOnWriteArrayList<>();
      long from = ETCD.client().getKVClient().put(bytes("sp/seed"), bytes("0")).get().getHeader().getRevision() + 1;
      Watch.Watcher watcher = viaServer.getWatchClient().watch(bytes("sp/"),
          WatchOption.builder().isPrefix(true).withRevision(from).build(), r -> {
            for (WatchEvent e : r.getEvents()) {
              seen.add(e.getKeyValue().getModRevision());
            }
          });
      List<Long> written = new ArrayList<>();
      written.add(put("sp/a", "1"));
      awaitSize(seen, written.size()); // served from memory, live

      // Watches only: the open watch moves to etcd, reads stay in memory.
      HttpResponse<String> r = send(base, "POST", "/bypass?watches=true");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(state(false, true));
      assertThat(metric(base, "etcd_cache_bypass_watches{")).isEqualTo(1.0);
      assertThat(metric(base, "etcd_cache_bypass_reads{")).isEqualTo(0.0);
      awaitMetric(base, "etcd_cache_upstream_watch_streams{", 2.0); // the mirror's and the moved watcher's
      written.add(put("sp/b", "2"));
      double memory = metricWith(base, "etcd_cache_get_results_total{", "outcome=\"memory\"");
      assertThat(viaServer.getKVClient().get(bytes("sp/a")).get().getKvs()).hasSize(1);
      assertThat(metricWith(base, "etcd_cache_get_results_total{", "outcome=\"memory\"")).isEqualTo(memory + 1);

      // Reads too, named apart: the watches half keeps its state.
      assertThat(send(base, "POST", "/bypass?reads=true").body()).isEqualTo(state(true, true));
      written.add(put("sp/c", "3"));
      memory = metricWith(base, "etcd_cache_get_results_total{", "outcome=\"memory\"");
      assertThat(viaServer.getKVClient().get(bytes("sp/a")).get().getKvs()).hasSize(1);
      assertThat(metricWith(base, "etcd_cache_get_results_total{", "outcome=\"memory\"")).isEqualTo(memory);

      // Watches back: the moved watcher returns to the mirror's stream; reads stay on etcd.
      assertThat(send(base, "POST", "/bypass?watches=false").body()).isEqualTo(state(true, false));
      awaitMetric(base, "etcd_cache_upstream_watch_streams{", 1.0);
      written.add(put("sp/d", "4"));
      assertThat(send(base, "POST", "/bypass?reads=false&watches=false").body()).isEqualTo(state(false, false));
      written.add(put("sp/e", "5"));
      awaitSize(seen, written.size());
      Thread.sleep(200); // lets a repeated event, if any, arrive
      assertThat(seen).isEqualTo(written);
      watcher.close();

      for (String bad : List.of("/bypass", "/bypass?on=true&reads=false", "/bypass?reads=yes", "/bypass?writes=true",
          "/bypass?reads=true&reads=false", "/bypass?reads")) {
        assertThat(send(base, "POST", bad).statusCode()).as(bad).isEqualTo(400);
      }
      assertThat(send(base, "GET", "/bypass").body()).isEqualTo(state(false, false));
    }
  }

  private static long put(String key, String value) throws Exception {
    return ETCD.client().getKVClient().put(bytes(key), bytes(value)).get().getHeader().getRevision();
  }

  private static String state(boolean reads, boolean watches) {
    return "{\"bypass\":" + (reads || watches) + ",\"reads\":" + reads + ",\"watches\":" + watches + "}";
  }

  private static void awaitSize(List<Long> seen, int size) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (seen.size() < size) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("fewer than " + size + " events within 60 s (a hang guard): " + seen);
      }
      Thread.sleep(20);
    }
  }

  private void awaitMetric(URI base, String prefix, double value) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Double.valueOf(value).equals(metric(base, prefix))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(prefix + " not " + value + " within 60 s (a hang guard): " + metric(base, prefix));
      }
      Thread.sleep(20);
    }
  }

  private double metricWith(URI base, String prefix, String label) throws Exception {
    double sum = 0;
    for (String line : send(base, "GET", "/metrics").body().split("\n")) {
      if (line.startsWith(prefix) && line.contains(label)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
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
