package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code --max-entries} on the server: a mirror that would hold more keys than allowed degrades
 * instead of growing. Clients of the server still get exactly etcd's answers (now from etcd), and
 * {@code /status} and the metrics say that it degraded and why, with its memory figures.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MemoryLimitsOnServerTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void maxEntriesExceeded_serverDegrades_answersStayEtcds_andStatusSaysWhy() throws Exception {
    KV direct = ETCD.client().getKVClient();
    for (int i = 0; i < 20; i++) {
      direct.put(bytes("mem/" + i), bytes("v" + i)).get(30, TimeUnit.SECONDS);
    }
    ServerConfig config = ServerConfig.parse("--endpoints=" + ETCD.endpoints().get(0), "--listen-addr=127.0.0.1:0",
        "--metrics-addr=http://127.0.0.1:0", "--prefix=mem/", "--max-entries=10");
    try (CacheServer server = CacheServer.start(config);
        Client viaServer = Client.builder().endpoints(server.clientUrl()).build()) {
      URI base = server.metricsUrl().orElseThrow();
      String status = awaitStatus(base, "\"memoryDegraded\":true");
      assertThat(status).contains("\"memoryMaxEntries\":10", "\"memoryDegradations\":1");
      assertThat(status).containsPattern("\"memoryDegradedReason\":\"[^\"]+\"");
      assertThat(metric(base, "etcd_cache_degraded")).isEqualTo(1.0);

      GetOption prefix = GetOption.builder().isPrefix(true).build();
      for (String key : List.of("mem/", "mem/3", "mem/19")) {
        GetOption option = key.equals("mem/") ? prefix : GetOption.DEFAULT;
        GetResponse expected = direct.get(bytes(key), option).get(30, TimeUnit.SECONDS);
        GetResponse actual = viaServer.getKVClient().get(bytes(key), option).get(30, TimeUnit.SECONDS);
        assertThat(actual.getCount()).as(key).isEqualTo(expected.getCount());
        assertSameKvs(key, actual, expected);
      }
    }
  }

  @Test
  void onDemandChildren_serverMirrorsAReadPrefix_answersStayEtcds_andStatusCountsIt() throws Exception {
    KV direct = ETCD.client().getKVClient();
    for (int i = 0; i < 30; i++) {
      direct.put(bytes("odm/a/" + i), bytes("a" + i)).get(30, TimeUnit.SECONDS);
      direct.put(bytes("odm/b/" + i), bytes("b" + i)).get(30, TimeUnit.SECONDS);
    }
    // A long wait as a hang guard: the first read is served from memory however slow the machine.
    ServerConfig config = ServerConfig.parse("--endpoints=" + ETCD.endpoints().get(0), "--listen-addr=127.0.0.1:0",
        "--metrics-addr=http://127.0.0.1:0", "--on-demand-children=odm/", "--on-demand-wait=60s");
    try (CacheServer server = CacheServer.start(config);
        Client viaServer = Client.builder().endpoints(server.clientUrl()).build()) {
      URI base = server.metricsUrl().orElseThrow();
      awaitStatus(base, "\"ready\":true");
      GetOption prefix = GetOption.builder().isPrefix(true).build();
      for (int round = 0; round < 2; round++) {
        GetResponse actual = viaServer.getKVClient().get(bytes("odm/a/"), prefix).get(90, TimeUnit.SECONDS);
        GetResponse expected = direct.get(bytes("odm/a/"), GetOption.builder().isPrefix(true)
            .withRevision(actual.getHeader().getRevision()).build()).get(30, TimeUnit.SECONDS);
        assertSameKvs("odm/a/", actual, expected);
      }
      String status = get(base, "/status");
      assertThat(status).contains("\"onDemandMirroredPrefixes\":1", "\"onDemandBootstraps\":1",
          "\"onDemandHits\":2", "\"onDemandPasses\":0", "\"onDemandDrops\":0", "\"memoryDegradedReads\":0");
      assertThat(metric(base, "etcd_cache_ondemand_drops_total")).isZero();
    }
  }

  /** The same keys, values and mod revisions, in order. */
  private static void assertSameKvs(String what, GetResponse actual, GetResponse expected) {
    assertThat(actual.getKvs()).as(what).extracting(KeyValue::getKey, KeyValue::getValue, KeyValue::getModRevision)
        .isEqualTo(expected.getKvs().stream()
            .map(kv -> Tuple.tuple(kv.getKey(), kv.getValue(), kv.getModRevision())).toList());
  }

  private String awaitStatus(URI base, String wanted) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String body = "";
    while (System.nanoTime() < deadline) {
      body = get(base, "/status");
      if (body.contains(wanted)) {
        return body;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no " + wanted + " in /status within 60 s (a hang guard): " + body);
  }

  private double metric(URI base, String name) throws Exception {
    for (String line : get(base, "/metrics").split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no " + name + " in the server's metrics");
  }

  private String get(URI base, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
