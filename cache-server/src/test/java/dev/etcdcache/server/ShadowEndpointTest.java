package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.GetOption;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The server's shadow switch: {@code --shadow-reads} at start and {@code POST /shadow?rate=} at run
 * time. In shadow mode clients get etcd's answers while the sampled ones are compared with the
 * cache's; the results show in {@code /shadow}, {@code /status} and the {@code etcd_cache_shadow_*}
 * meters; rate 0 serves from memory again.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ShadowEndpointTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void shadowReadsFlag_everyRangeAnsweredByEtcdAndCompared_thenRateZeroServesFromMemory() throws Exception {
    KV direct = ETCD.client().getKVClient();
    for (int i = 0; i < 20; i++) {
      direct.put(bytes("sh/" + i), bytes("v" + i)).get();
    }
    ServerConfig config = ServerConfig.parse("--endpoints=" + ETCD.endpoints().get(0), "--listen-addr=127.0.0.1:0",
        "--metrics-addr=http://127.0.0.1:0", "--prefix=sh/", "--shadow-reads=1");
    try (CacheServer server = CacheServer.start(config);
        Client viaServer = Client.builder().endpoints(server.clientUrl()).build()) {
      server.ready().get(60, TimeUnit.SECONDS);
      URI base = server.metricsUrl().orElseThrow();
      assertThat(get(base, "/shadow").body()).startsWith("{\"rate\":1.0,");
      KV kv = viaServer.getKVClient();
      double memoryBefore = metricSum(base, "etcd_cache_get_results_total{", "outcome=\"memory\"");
      for (int i = 0; i < 50; i++) {
        // Writes between reads, so the comparisons are at many revisions.
        direct.put(bytes("sh/" + (i % 20)), bytes("w" + i)).get();
        assertThat(kv.get(bytes("sh/" + (i % 20))).get().getKvs().get(0).getValue()).isEqualTo(bytes("w" + i));
        assertThat(kv.get(bytes("sh/"), GetOption.builder().isPrefix(true).build()).get().getCount()).isEqualTo(20);
      }
      // Every Range went to etcd; the background comparisons all agree with it.
      assertThat(metricSum(base, "etcd_cache_get_results_total{", "outcome=\"memory\"")).isEqualTo(memoryBefore);
      await(() -> {
        String now = get(base, "/shadow").body();
        return number(now, "compared") + number(now, "skipped") >= 100;
      });
      String shadow = get(base, "/shadow").body();
      assertThat(number(shadow, "sampled")).isGreaterThanOrEqualTo(100);
      assertThat(number(shadow, "compared")).isGreaterThan(0);
      assertThat(number(shadow, "mismatches")).isZero();
      String status = get(base, "/status").body();
      assertThat(status).contains("\"shadowRate\":1.0", "\"shadowMismatches\":0", "\"bypassReads\":false",
          "\"bypassWatches\":false");
      assertThat(number(status, "shadowCompared")).isGreaterThan(0);
      assertThat(metricSum(base, "etcd_cache_shadow_reads_total{", "outcome=\"compared\"")).isGreaterThan(0);
      assertThat(metricSum(base, "etcd_cache_shadow_mismatches_total{", "")).isZero();
      assertThat(metricSum(base, "etcd_cache_shadow_rate{", "")).isEqualTo(1.0);

      // Rate 0: shadow mode ends, Ranges are served from memory again; the last report stays.
      HttpResponse<String> off = post(base, "/shadow?rate=0");
      assertThat(off.statusCode()).isEqualTo(200);
      assertThat(off.body()).startsWith("{\"rate\":0.0,");
      double memory = metricSum(base, "etcd_cache_get_results_total{", "outcome=\"memory\"");
      assertThat(kv.get(bytes("sh/1")).get().getKvs()).hasSize(1);
      assertThat(metricSum(base, "etcd_cache_get_results_total{", "outcome=\"memory\"")).isEqualTo(memory + 1);
      assertThat(metricSum(base, "etcd_cache_shadow_rate{", "")).isEqualTo(0.0);

      // A new rate at run time starts a new report.
      assertThat(post(base, "/shadow?rate=0.5").body()).startsWith("{\"rate\":0.5,\"sampled\":0,");
      for (String bad : List.of("/shadow", "/shadow?rate=2", "/shadow?rate=-0.1", "/shadow?rate=NaN",
          "/shadow?rate=x", "/shadow?rate=0.1&on=true")) {
        assertThat(post(base, bad).statusCode()).as(bad).isEqualTo(400);
      }
      assertThat(http.send(HttpRequest.newBuilder(base.resolve("/shadow")).DELETE().build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);
      assertThat(get(base, "/shadow").body()).startsWith("{\"rate\":0.5,");
    }
  }

  private HttpResponse<String> get(URI base, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(URI base, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private double metricSum(URI base, String prefix, String label) throws Exception {
    double sum = 0;
    for (String line : get(base, "/metrics").body().split("\n")) {
      if (line.startsWith(prefix) && line.contains(label)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static long number(String json, String field) {
    Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
    if (!m.find()) {
      throw new AssertionError("no " + field + " in " + json);
    }
    return Long.parseLong(m.group(1));
  }

  /** A condition that may do I/O. */
  private interface Check {
    boolean holds() throws Exception;
  }

  private static void await(Check condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not reached within 60 s (a hang guard)");
      }
      Thread.sleep(20);
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
