package dev.etcdcache.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.api.CacheView;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shipped adapters' business meters after a known workload against real etcd, read through a
 * Prometheus scrape: every series the workload implies, with its exact value, and nothing else.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AdapterMetricsTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  @Test
  void knownWorkload_adapterMetersShowExactValuesInPrometheusScrape() throws Exception {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (CachingClient cache = CachingClient.builder(ETCD.client())
        .adapterMetrics(MicrometerAdapterMetrics.create(prometheus, "test", "app", "adapter-test"))
        .build()) {
      EtcdCacheMetrics.monitor(prometheus, cache, "test", "app", "adapter-test");
      AdapterWorkload.run(ETCD.client().getKVClient(), cache);

      Map<String, Double> expected = new TreeMap<>();
      String k8s = "etcd_cache_adapter_kubernetes_";
      expected.put(k8s + "objects{kind=Pod,namespace=ns-a,view=/registry/}", 2.0);
      expected.put(k8s + "objects{kind=Pod,namespace=ns-b,view=/registry/}", 2.0);
      expected.put(k8s + "objects{kind=Namespace,namespace=_cluster,view=/registry/}", 1.0);
      expected.put(k8s + "changes_total{kind=Pod,namespace=ns-a,type=created,view=/registry/}", 3.0);
      expected.put(k8s + "changes_total{kind=Pod,namespace=ns-a,type=updated,view=/registry/}", 1.0);
      expected.put(k8s + "changes_total{kind=Pod,namespace=ns-a,type=deleted,view=/registry/}", 1.0);
      expected.put(k8s + "changes_total{kind=Pod,namespace=ns-b,type=created,view=/registry/}", 2.0);
      expected.put(k8s + "changes_total{kind=Namespace,namespace=_cluster,type=created,view=/registry/}", 1.0);
      expected.put(k8s + "encrypted_skipped_total{view=/registry/}", 1.0);
      expected.put(k8s + "decode_failures_total{reason=unknown_encoding,view=/registry/}", 1.0);
      expected.put(k8s + "decode_failures_total{reason=json,view=/registry/}", 1.0);
      String cil8 = "etcd_cache_adapter_cilium_";
      expected.put(cil8 + "identities{view=cilium/}", 2.0);
      expected.put(cil8 + "ipcache_entries{family=ipv4,prefix_length=32,view=cilium/}", 1.0);
      expected.put(cil8 + "ipcache_entries{family=ipv4,prefix_length=16,view=cilium/}", 1.0);
      expected.put(cil8 + "ipcache_entries{family=ipv6,prefix_length=128,view=cilium/}", 1.0);
      expected.put(cil8 + "changes_total{kind=identity,type=created,view=cilium/}", 2.0);
      expected.put(cil8 + "changes_total{kind=identity,type=updated,view=cilium/}", 1.0);
      expected.put(cil8 + "changes_total{kind=ip,type=created,view=cilium/}", 4.0);
      expected.put(cil8 + "changes_total{kind=ip,type=deleted,view=cilium/}", 1.0);
      expected.put("etcd_cache_adapter_json_decode_failures_total{pointer=/replicas,view=apps/}", 1.0);
      expected.put("etcd_cache_adapter_json_decode_failures_total{pointer=#,view=apps/}", 1.0);
      expected.put("etcd_cache_adapter_json_decode_failures_total{pointer=#,view=trees/}", 1.0);

      Map<String, Double> scraped = adapterSeries(prometheus.scrape());
      assertThat(scraped).isEqualTo(expected);
      // One naming scheme: the core's meters are in the same scrape, tagged the same way, and
      // the core's decode-failure total agrees with the adapters' own counts.
      assertThat(prometheus.scrape()).contains("etcd_cache_adapter_decode_failures_total{app=\"adapter-test\",cache=\"test\"} 5.0");
    }
  }

  @Test
  void noMetricsBound_adaptersAreNotBoundNorToldOfChanges() throws Exception {
    KV etcd = ETCD.client().getKVClient();
    put(etcd, "quiet/a", "{}");
    int[] calls = new int[2];
    dev.etcdcache.api.Adapter<String> adapter = new dev.etcdcache.api.Adapter<>() {
      @Override
      public String decode(byte[] key, byte[] value) {
        return new String(value, StandardCharsets.UTF_8);
      }

      @Override
      public byte[] encode(String object) {
        return object.getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public void bindMetrics(dev.etcdcache.api.AdapterMetrics metrics) {
        calls[0]++;
      }

      @Override
      public void observeChange(String previous, String current) {
        calls[1]++;
      }
    };
    try (CachingClient cache = CachingClient.builder(ETCD.client()).build()) {
      CacheView<String> view = cache.view("quiet/", adapter);
      put(etcd, "quiet/b", "{}");
      assertThat(view.snapshot().get(30, TimeUnit.SECONDS).list(dev.etcdcache.api.Query.all())).hasSize(2);
    }
    assertThat(calls).containsExactly(0, 0);
  }

  /** The adapter series of a scrape as {@code name{k=v,...}} with labels sorted, without cache and app. */
  private static Map<String, Double> adapterSeries(String scrape) {
    Map<String, Double> out = new TreeMap<>();
    for (String line : scrape.split("\n")) {
      if (!line.startsWith("etcd_cache_adapter_") || line.startsWith("etcd_cache_adapter_decode_failures")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      String series = line.substring(0, space);
      int brace = series.indexOf('{');
      Map<String, String> labels = new TreeMap<>();
      for (String pair : series.substring(brace + 1, series.length() - 1).split("\",")) {
        int eq = pair.indexOf('=');
        labels.put(pair.substring(0, eq), pair.substring(eq + 2).replace("\"", ""));
      }
      assertThat(labels).as(line).containsEntry("cache", "test").containsEntry("app", "adapter-test");
      labels.remove("cache");
      labels.remove("app");
      StringBuilder key = new StringBuilder(series.substring(0, brace)).append('{');
      labels.forEach((k, v) -> key.append(key.charAt(key.length() - 1) == '{' ? "" : ",").append(k).append('=').append(v));
      out.put(key.append('}').toString(), Double.parseDouble(line.substring(space + 1)));
    }
    return out;
  }

  private static void put(KV etcd, String key, String value) throws Exception {
    etcd.put(bytes(key), bytes(value)).get(30, TimeUnit.SECONDS);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
