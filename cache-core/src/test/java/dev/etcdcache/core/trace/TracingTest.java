package dev.etcdcache.core.trace;

import org.awaitility.Awaitility;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.api.Ticker;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.core.mirror.AppliedRevision;
import dev.etcdcache.core.mirror.Mirror;
import dev.etcdcache.core.mirror.MirrorSettings;
import dev.etcdcache.core.mirror.RevisionListener;
import dev.etcdcache.core.stats.StatsRecorder;
import dev.etcdcache.core.store.KeyRange;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.GetOption;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The cache's spans, against real etcd, read back through the OpenTelemetry SDK's in-memory
 * exporter: their tree (pages under their bootstrap, a read's spans under the caller's span) and
 * the reasons they carry.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TracingTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().withProxy().build();

  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
      .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
      .build();
  private final ScheduledExecutorService applier = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    applier.shutdownNow();
    otel.close();
  }

  @Test
  void bootstrapOfManyPages_onePageSpanPerRangeUnderOneBootstrapSpan() throws Exception {
    KV kv = ETCD.client().getKVClient();
    int keys = 60;
    for (int i = 0; i < keys; i++) {
      kv.put(bytes(String.format("boot/k%03d", i)), bytes("v".repeat(100))).get();
    }
    StatsRecorder stats = StatsRecorder.concurrent();
    // Small pages: the first asks for 5 keys, the next are sized to about 1 KiB each.
    try (Mirror mirror = new Mirror(kv, ETCD.client().getWatchClient(), settings("boot/", 1024, 5), applier,
        ForkJoinPool.commonPool(), Ticker.systemTicker(), stats, Tracing.of(otel))) {
      mirror.start().get(30, TimeUnit.SECONDS);
    }
    List<SpanData> bootstraps = named(Tracing.BOOTSTRAP);
    assertThat(bootstraps).hasSize(1);
    SpanData bootstrap = bootstraps.get(0);
    assertThat(bootstrap.getAttributes().get(Tracing.REASON)).isEqualTo("initial");
    assertThat(bootstrap.getParentSpanContext().isValid()).isFalse();
    List<SpanData> pages = named(Tracing.PAGE);
    long rangeRpcs = stats.snapshot().bootstrapRpcs();
    assertThat(rangeRpcs).isGreaterThan(3);
    assertThat(pages).hasSize((int) rangeRpcs);
    for (SpanData page : pages) {
      assertThat(page.getParentSpanId()).isEqualTo(bootstrap.getSpanId());
      assertThat(page.getTraceId()).isEqualTo(bootstrap.getTraceId());
    }
    assertThat(pages.stream().mapToLong(p -> p.getAttributes().get(Tracing.KEYS)).sum()).isEqualTo(keys);
  }

  @Test
  void relistAfterApplyFailure_bootstrapSpanCarriesTheReason() throws Exception {
    KV kv = ETCD.client().getKVClient();
    AtomicInteger throwsLeft = new AtomicInteger(1);
    AtomicInteger relists = new AtomicInteger();
    try (Mirror mirror = new Mirror(kv, ETCD.client().getWatchClient(), settings("relist/", 1 << 20, 100), applier,
        ForkJoinPool.commonPool(), Ticker.systemTicker(), StatsRecorder.disabled(), Tracing.of(otel))) {
      mirror.addListener(new RevisionListener() {
        @Override
        public void onRevision(AppliedRevision applied) {
          if (throwsLeft.getAndDecrement() > 0) {
            throw new IllegalStateException("a listener bug forces a re-list");
          }
        }

        @Override
        public void onRelist(dev.etcdcache.core.store.StoreVersion version, long compactRevision) {
          relists.incrementAndGet();
        }
      });
      mirror.start().get(30, TimeUnit.SECONDS);
      kv.put(bytes("relist/a"), bytes("1")).get();
      await(() -> relists.get() == 1);
    }
    await(() -> named(Tracing.BOOTSTRAP).size() == 2);
    assertThat(named(Tracing.BOOTSTRAP)).extracting(s -> s.getAttributes().get(Tracing.REASON))
        .containsExactly("initial", "apply_failed");
  }

  @Test
  void compactionWhileCutOff_relistSpanSaysCompacted() throws Exception {
    KV direct = ETCD.client().getKVClient();
    try (io.etcd.jetcd.Client proxied = ETCD.proxiedClient();
        CachingClient cache = CachingClient.builder(proxied).prefixes(bytes("cmp/"))
            .progressInterval(Duration.ofMillis(500)).stallTimeout(Duration.ofSeconds(3))
            .openTelemetry(otel).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      direct.put(bytes("cmp/before"), bytes("1")).get();
      ETCD.proxy().stall();
      try {
        long last = 0;
        for (int i = 0; i < 5; i++) {
          last = direct.put(bytes("cmp/during" + i), bytes("2")).get().getHeader().getRevision();
        }
        ETCD.compact(last);
        ETCD.proxy().cutAll();
      } finally {
        ETCD.proxy().pass();
      }
      await(() -> cache.status().relists() >= 1);
    }
    await(() -> named(Tracing.BOOTSTRAP).stream().anyMatch(s -> "compacted".equals(s.getAttributes().get(Tracing.REASON))));
    assertThat(named(Tracing.BOOTSTRAP).get(0).getAttributes().get(Tracing.REASON)).isEqualTo("initial");
  }

  @Test
  void reads_passThroughCarriesReason_linearizableWaitIsTraced_serializableStartsNoSpan() throws Exception {
    KV direct = ETCD.client().getKVClient();
    direct.put(bytes("pt/a"), bytes("1")).get();
    direct.put(bytes("elsewhere/b"), bytes("2")).get();
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("pt/"))
        .openTelemetry(otel).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      KV kv = cache.getKVClient();

      Span notCovered = otel.getTracer("test").spanBuilder("caller-not-covered").startSpan();
      try (Scope ignored = notCovered.makeCurrent()) {
        assertThat(kv.get(bytes("elsewhere/b")).get().getKvs()).hasSize(1);
      } finally {
        notCovered.end();
      }
      Span linearizable = otel.getTracer("test").spanBuilder("caller-linearizable").startSpan();
      try (Scope ignored = linearizable.makeCurrent()) {
        assertThat(kv.get(bytes("pt/a")).get().getKvs()).hasSize(1);
      } finally {
        linearizable.end();
      }
      int before = exporter.getFinishedSpanItems().size();
      for (int i = 0; i < 10; i++) {
        kv.get(bytes("pt/a"), GetOption.builder().withSerializable(true).build()).get();
      }
      assertThat(exporter.getFinishedSpanItems()).hasSize(before);
    }

    SpanData passThrough = only(Tracing.PASS_THROUGH);
    SpanData caller = only("caller-not-covered");
    assertThat(passThrough.getAttributes().get(Tracing.REASON)).isEqualTo("not_covered");
    assertThat(passThrough.getParentSpanId()).isEqualTo(caller.getSpanId());
    assertThat(caller.getAttributes().get(Tracing.DECISION)).isEqualTo("etcd");
    assertThat(caller.getAttributes().get(Tracing.REASON)).isEqualTo("not_covered");

    SpanData wait = only(Tracing.CONSISTENT_READ_WAIT);
    SpanData linearCaller = only("caller-linearizable");
    assertThat(wait.getParentSpanId()).isEqualTo(linearCaller.getSpanId());
    // Served from memory: no decision was set to etcd.
    assertThat(linearCaller.getAttributes().get(Tracing.DECISION)).isNull();
  }

  @Test
  void upstreamCut_reconnectSpanFromLossToReestablishment() throws Exception {
    try (io.etcd.jetcd.Client proxied = ETCD.proxiedClient();
        CachingClient cache = CachingClient.builder(proxied).openTelemetry(otel).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      await(() -> cache.status().connected());
      ETCD.proxy().cutAll();
      await(() -> cache.status().reconnects() >= 1 && cache.status().connected());
      await(() -> !named(Tracing.RECONNECT).isEmpty());
    }
    SpanData reconnect = named(Tracing.RECONNECT).get(0);
    assertThat(reconnect.getAttributes().get(Tracing.REASON)).isNotBlank();
    assertThat(reconnect.getEndEpochNanos()).isGreaterThanOrEqualTo(reconnect.getStartEpochNanos());
  }

  @Test
  void viewDecode_oneSpanPerBatchWithTheViewAndItsChanges() throws Exception {
    KV direct = ETCD.client().getKVClient();
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("vd/")).openTelemetry(otel)
        .build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      dev.etcdcache.api.CacheView<String> view = cache.view("vd/", new dev.etcdcache.api.Adapter<>() {
        @Override
        public String decode(byte[] key, byte[] value) {
          return new String(value, StandardCharsets.UTF_8);
        }

        @Override
        public byte[] encode(String object) {
          return object.getBytes(StandardCharsets.UTF_8);
        }
      });
      view.snapshot().get(30, TimeUnit.SECONDS);
      long revision = direct.put(bytes("vd/a"), bytes("1")).get().getHeader().getRevision();
      view.snapshot().get(30, TimeUnit.SECONDS);
      await(() -> named(Tracing.VIEW_DECODE).stream()
          .anyMatch(s -> s.getAttributes().get(Tracing.REVISION) == revision));
      SpanData batch = named(Tracing.VIEW_DECODE).stream()
          .filter(s -> s.getAttributes().get(Tracing.REVISION) == revision).findFirst().orElseThrow();
      assertThat(batch.getAttributes().get(Tracing.VIEW)).isEqualTo("vd/");
      assertThat(batch.getAttributes().get(Tracing.KEYS)).isEqualTo(1L);
    }
  }

  @Test
  void disabled_startsNothingAndReadsNoContext() {
    Tracing off = Tracing.disabled();
    assertThat(off.enabled()).isFalse();
    assertThat(off.start(Tracing.BOOTSTRAP).getSpanContext().isValid()).isFalse();
    assertThat(off.caller()).isSameAs(io.opentelemetry.context.Context.root());
  }

  private static MirrorSettings settings(String prefix, int pageBytes, int firstPageLimit) {
    return new MirrorSettings(List.of(KeyRange.prefix(prefix.getBytes(StandardCharsets.UTF_8))), pageBytes,
        firstPageLimit, 100, Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofSeconds(30),
        Duration.ofMillis(50), Duration.ofMillis(200));
  }

  private List<SpanData> named(String name) {
    return exporter.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
  }

  private SpanData only(String name) {
    List<SpanData> spans = named(name);
    assertThat(spans).as(name).hasSize(1);
    return spans.get(0);
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
