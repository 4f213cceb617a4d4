package dev.etcdcache.metrics;

import org.awaitility.Awaitility;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.etcdcache.api.CacheStats;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A known workload against real etcd (through a fault proxy, so the upstream connection can be
 * cut), then every meter, read through a {@link SimpleMeterRegistry} and through a Prometheus
 * scrape, must show exactly what the workload implies.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EtcdCacheMetricsTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().withProxy().build();

  private static final int PRELOADED = 10;
  private static final int PUTS = 5;
  private static final int SERIALIZABLE_GETS = 20;
  private static final int LINEARIZABLE_GETS = 7;
  private static final int WATCHERS = 3;

  @Test
  void knownWorkloadWithReconnect_everyMeterShowsExactValue() throws Exception {
    KV direct = ETCD.client().getKVClient();
    ByteSequence all = bytes("\0");
    direct.delete(all, DeleteOption.builder().withRange(all).build()).get();
    long storedBytes = 0;
    for (int i = 0; i < PRELOADED; i++) {
      direct.put(bytes("m/k" + i), bytes("value-" + i)).get();
      storedBytes += ("m/k" + i).length() + ("value-" + i).length();
    }
    SimpleMeterRegistry simple = new SimpleMeterRegistry();
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (Client proxied = ETCD.proxiedClient();
        CachingClient cache = CachingClient.builder(proxied)
            // Long enough that no progress request is sent during the test: its count is exact.
            .progressInterval(Duration.ofMinutes(5))
            .stallTimeout(Duration.ofMinutes(10))
            .build()) {
      EtcdCacheMetrics.monitor(simple, cache, "test", "app", "metrics-test");
      EtcdCacheMetrics.monitor(prometheus, cache, "test", "app", "metrics-test");
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();

      long firstPut = 0;
      long lastPut = 0;
      for (int i = 0; i < PUTS; i++) {
        lastPut = direct.put(bytes("m/p" + i), bytes("new-" + i)).get().getHeader().getRevision();
        firstPut = firstPut == 0 ? lastPut : firstPut;
        storedBytes += ("m/p" + i).length() + ("new-" + i).length();
      }
      long applied = lastPut;
      await(() -> cache.status().appliedRevision() >= applied);

      KV kv = cache.getKVClient();
      GetOption serializable = GetOption.builder().withSerializable(true).build();
      for (int i = 0; i < SERIALIZABLE_GETS; i++) {
        assertThat(kv.get(bytes("m/k1"), serializable).get().getKvs()).hasSize(1);
      }
      for (int i = 0; i < LINEARIZABLE_GETS; i++) {
        assertThat(kv.get(bytes("m/p1")).get().getKvs()).hasSize(1);
      }
      List<Watch.Watcher> watchers = new ArrayList<>();
      for (int i = 0; i < WATCHERS; i++) {
        CountDownLatch created = new CountDownLatch(1);
        watchers.add(cache.getWatchClient().watch(bytes("m/"),
            WatchOption.builder().isPrefix(true).withCreateNotify(true).build(),
            Watch.listener(r -> created.countDown())));
        assertThat(created.await(30, TimeUnit.SECONDS)).isTrue();
      }

      ETCD.proxy().cutAll();
      await(() -> cache.status().reconnects() >= 1 && cache.status().connected());

      CacheStats stats = cache.stats();
      Map<String, Double> exact = new HashMap<>();
      exact.put("etcd_cache_requests_total{consistency=serializable,operation=get}", (double) SERIALIZABLE_GETS);
      exact.put("etcd_cache_requests_total{consistency=linearizable,operation=get}", (double) LINEARIZABLE_GETS);
      exact.put("etcd_cache_requests_total{consistency=bounded_staleness,operation=get}", 0.0);
      exact.put("etcd_cache_requests_total{consistency=at_revision,operation=get}", 0.0);
      exact.put("etcd_cache_requests_total{consistency=none,operation=watch}", (double) WATCHERS);
      exact.put("etcd_cache_get_results_total{outcome=memory,reason=served}",
          (double) SERIALIZABLE_GETS + LINEARIZABLE_GETS);
      for (String reason : List.of("not_ready", "not_covered", "revision_not_held", "timeout")) {
        exact.put("etcd_cache_get_results_total{outcome=etcd,reason=" + reason + "}", 0.0);
      }
      // One probe per sequential linearizable Get, one per sequential watch registration.
      exact.put("etcd_cache_upstream_requests_total{kind=probe}", (double) LINEARIZABLE_GETS);
      exact.put("etcd_cache_upstream_requests_total{kind=watch_probe}", (double) WATCHERS);
      exact.put("etcd_cache_upstream_requests_total{kind=pass_through_range}", 0.0);
      exact.put("etcd_cache_upstream_requests_total{kind=bootstrap_range}", 1.0);
      exact.put("etcd_cache_upstream_requests_total{kind=progress_check}", 0.0);
      // The mirror's first watch and its re-open after each reconnect.
      exact.put("etcd_cache_upstream_requests_total{kind=watch_stream}", 1.0 + stats.reconnects());
      exact.put("etcd_cache_upstream_requests_total{kind=progress_request}", 0.0);
      exact.put("etcd_cache_events_applied_total", (double) PUTS);
      exact.put("etcd_cache_recoveries_total{kind=reconnect}", 1.0);
      exact.put("etcd_cache_recoveries_total{kind=relist}", 0.0);
      exact.put("etcd_cache_slow_watchers_total{action=catch_up}", 0.0);
      exact.put("etcd_cache_slow_watchers_total{action=cancel}", 0.0);
      exact.put("etcd_cache_watch_listener_failures_total", 0.0);
      exact.put("etcd_cache_adapter_decode_failures_total", 0.0);
      exact.put("etcd_cache_consistent_read_wait_seconds_count", (double) LINEARIZABLE_GETS);
      exact.put("etcd_cache_watchers", (double) WATCHERS);
      exact.put("etcd_cache_upstream_watch_streams", 1.0);
      exact.put("etcd_cache_apply_lag_revisions", 0.0);
      exact.put("etcd_cache_history_oldest_revision", (double) firstPut);
      exact.put("etcd_cache_history_events", (double) PUTS);
      exact.put("etcd_cache_entries", (double) PRELOADED + PUTS);
      exact.put("etcd_cache_estimated_size_bytes", (double) storedBytes + (PRELOADED + PUTS) * dev.etcdcache.api.CacheStats.ENTRY_OVERHEAD_BYTES);
      exact.put("etcd_cache_retained_bytes{component=store}",
          (double) storedBytes + (PRELOADED + PUTS) * dev.etcdcache.api.CacheStats.ENTRY_OVERHEAD_BYTES);
      exact.put("etcd_cache_retained_bytes{component=views}", 0.0);
      exact.put("etcd_cache_memory_budget_bytes", 0.0);
      exact.put("etcd_cache_max_entries", 0.0);
      exact.put("etcd_cache_degraded", 0.0);
      exact.put("etcd_cache_degradations_total", 0.0);
      exact.put("etcd_cache_degraded_reads_total", 0.0);
      // No on-demand prefixes: their meters exist and read zero.
      exact.put("etcd_cache_ondemand_prefixes{state=mirrored}", 0.0);
      exact.put("etcd_cache_ondemand_prefixes{state=bootstrapping}", 0.0);
      exact.put("etcd_cache_ondemand_bootstraps_total{outcome=done}", 0.0);
      exact.put("etcd_cache_ondemand_bootstraps_total{outcome=failed}", 0.0);
      exact.put("etcd_cache_ondemand_drops_total", 0.0);
      exact.put("etcd_cache_ondemand_reads_total{source=memory}", 0.0);
      exact.put("etcd_cache_ondemand_reads_total{source=etcd}", 0.0);
      exact.put("etcd_cache_applied_revision", (double) lastPut);
      exact.put("etcd_cache_ready", 1.0);
      exact.put("etcd_cache_connected", 1.0);
      exact.put("etcd_cache_etcd_load_reduction_ratio",
          1 - (double) LINEARIZABLE_GETS / (SERIALIZABLE_GETS + LINEARIZABLE_GETS));
      exact.put("etcd_cache_watch_reduction_ratio", (double) WATCHERS);

      Map<String, Double> scraped = parse(prometheus.scrape());
      exact.forEach((series, expected) -> {
        assertThat(scraped).as("scraped series %s", series).containsKey(series);
        assertThat(scraped.get(series)).as("prometheus %s", series).isCloseTo(expected, within(1e-9));
        assertThat(fromSimple(simple, series)).as("simple registry %s", series).isCloseTo(expected, within(1e-9));
      });

      // Time-valued meters: positive, bounded by the test's own duration, and in seconds.
      for (String series : List.of("etcd_cache_consistent_read_wait_seconds_sum", "etcd_cache_history_span_seconds",
          "etcd_cache_bootstrap_duration_seconds")) {
        assertThat(scraped.get(series)).as(series).isGreaterThan(0).isLessThan(180);
      }
      assertThat(scraped.get("etcd_cache_staleness_seconds")).isGreaterThanOrEqualTo(0).isLessThan(180);
      assertThat(stats.averageConsistentReadWaitNanos()).isPositive();
      watchers.forEach(Watch.Watcher::close);
    }
  }

  @Test
  void monitor_returnsSameClient_andDoesNotKeepItAlive() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CachingClient cache = CachingClient.builder(ETCD.client()).build();
    assertThat(EtcdCacheMetrics.monitor(registry, cache, "weak")).isSameAs(cache);
    assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
    assertThat(registry.get("etcd.cache.ready").gauge().value()).isEqualTo(1.0);
    cache.close();
    cache = null;
    for (int i = 0; i < 50 && !Double.isNaN(registry.get("etcd.cache.ready").gauge().value()); i++) {
      System.gc();
      Thread.sleep(100);
    }
    assertThat(registry.get("etcd.cache.ready").gauge().value()).isNaN();
  }

  @Test
  void grafanaDashboard_queriesOnlyExportedMetrics() throws Exception {
    String dashboard = Files.readString(Path.of("grafana", "etcd-cache.json"));
    Set<String> queried = new TreeSet<>();
    Matcher m = Pattern.compile("etcd_cache_[a-z_]+").matcher(dashboard);
    while (m.find()) {
      // The cache-server's own meters are checked against the server's scrape (its OperationsTest).
      if (!m.group().startsWith("etcd_cache_server_")) {
        queried.add(m.group());
      }
    }
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Set<String> exported = new TreeSet<>();
    try (CachingClient cache = CachingClient.builder(ETCD.client())
        .adapterMetrics(MicrometerAdapterMetrics.create(prometheus, "dashboard"))
        .build()) {
      EtcdCacheMetrics.monitor(prometheus, cache, "dashboard");
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      // The adapters row: every adapter meter gets a series under this workload.
      AdapterWorkload.run(ETCD.client().getKVClient(), cache);
      for (String line : prometheus.scrape().split("\n")) {
        if (line.startsWith("etcd_cache_")) {
          exported.add(line.split("[{ ]")[0]);
        }
      }
    }
    assertThat(queried).hasSizeGreaterThan(15);
    assertThat(queried).as("the adapters row").contains("etcd_cache_adapter_kubernetes_objects",
        "etcd_cache_adapter_cilium_ipcache_entries", "etcd_cache_adapter_json_decode_failures_total");
    assertThat(exported).containsAll(queried);
  }


  /** The value of a series, named as Prometheus names it, read back through Micrometer's own names. */
  private static double fromSimple(MeterRegistry registry, String series) {
    int brace = series.indexOf('{');
    String name = brace < 0 ? series : series.substring(0, brace);
    Map<String, String> labels = brace < 0 ? Map.of() : labels(series.substring(brace + 1, series.length() - 1));
    boolean count = name.endsWith("_seconds_count");
    if (count) {
      name = name.substring(0, name.length() - "_seconds_count".length());
    } else if (name.endsWith("_total")) {
      name = name.substring(0, name.length() - "_total".length());
    }
    for (String unit : List.of("_revisions", "_bytes", "_ratio", "_seconds")) {
      if (name.endsWith(unit)) {
        name = name.substring(0, name.length() - unit.length());
      }
    }
    var search = registry.get(name.replace('_', '.'));
    for (Map.Entry<String, String> label : labels.entrySet()) {
      search = search.tag(label.getKey(), label.getValue());
    }
    var meter = search.meter();
    if (count) {
      return ((io.micrometer.core.instrument.FunctionTimer) meter).count();
    }
    return meter.measure().iterator().next().getValue();
  }

  /** Series of the scrape keyed as {@code name{k=v,...}} with labels sorted and without cache/app. */
  private static Map<String, Double> parse(String scrape) {
    Map<String, Double> out = new HashMap<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith("#") || line.isBlank() || !line.startsWith("etcd_cache_")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      String series = line.substring(0, space);
      double value = Double.parseDouble(line.substring(space + 1));
      int brace = series.indexOf('{');
      String name = brace < 0 ? series : series.substring(0, brace);
      Map<String, String> labels = brace < 0 ? Map.of()
          : labels(series.substring(brace + 1, series.length() - 1).replace("\"", ""));
      assertThat(labels).as(line).containsEntry("cache", "test").containsEntry("app", "metrics-test");
      StringBuilder key = new StringBuilder(name);
      List<String> rest = labels.keySet().stream().filter(k -> !k.equals("cache") && !k.equals("app")).sorted().toList();
      if (!rest.isEmpty()) {
        key.append('{');
        for (int i = 0; i < rest.size(); i++) {
          key.append(i == 0 ? "" : ",").append(rest.get(i)).append('=').append(labels.get(rest.get(i)));
        }
        key.append('}');
      }
      out.put(key.toString(), value);
    }
    return out;
  }

  private static Map<String, String> labels(String inner) {
    Map<String, String> labels = new HashMap<>();
    for (String pair : inner.split(",")) {
      if (!pair.isEmpty()) {
        int eq = pair.indexOf('=');
        labels.put(pair.substring(0, eq), pair.substring(eq + 1));
      }
    }
    return labels;
  }

  /** Waits for {@code condition}: a hang guard of 60 s, not a speed bar. */
  private static void await(BooleanSupplier condition) {
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
        .until(condition::getAsBoolean);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
