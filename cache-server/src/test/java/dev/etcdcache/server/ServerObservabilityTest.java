package dev.etcdcache.server;

import java.time.Duration;
import org.awaitility.Awaitility;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The server's operator surfaces beyond metrics: {@code /status} as JSON, and one span per RPC with
 * the cache's decision, continuing the caller's trace.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ServerObservabilityTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private static final AttributeKey<String> DECISION = AttributeKey.stringKey("etcd_cache.decision");
  private static final AttributeKey<String> REASON = AttributeKey.stringKey("etcd_cache.reason");
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

  @Test
  void statusPage_jsonWithTheCacheStatus() throws Exception {
    long written = ETCD.client().getKVClient()
        .put(io.etcd.jetcd.ByteSequence.from("status/k", java.nio.charset.StandardCharsets.UTF_8),
            io.etcd.jetcd.ByteSequence.from("v", java.nio.charset.StandardCharsets.UTF_8))
        .get().getHeader().getRevision();
    ServerConfig config = ServerConfig.defaults().withEndpoints(ETCD.endpoints()).withListen("127.0.0.1", 0)
        .withMetricsUrl(URI.create("http://127.0.0.1:0"));
    try (CacheServer server = CacheServer.start(config)) {
      server.ready().get(60, TimeUnit.SECONDS);
      URI status = server.metricsUrl().orElseThrow().resolve("/status");
      HttpClient http = HttpClient.newHttpClient();
      // The list sets the applied revision; the watch's created response, a moment later, connects.
      await(() -> {
        String body = get(http, status).body();
        return number(body, "appliedRevision") >= written && body.contains("\"connected\":true");
      });
      HttpResponse<String> r = get(http, status);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(r.body()).startsWith("{").endsWith("}")
          .contains("\"ready\":true", "\"connected\":true", "\"relists\":0", "\"lastError\":null")
          .containsPattern("\"entries\":[1-9]");
    }
  }

  @Test
  void rpcSpans_carryTheDecisionAndContinueTheCallersTrace() throws Exception {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
    ServerConfig config = ServerConfig.defaults().withEndpoints(ETCD.endpoints()).withListen("127.0.0.1", 0)
        .withPrefixes(List.of("in/"));
    List<SpanData> spans;
    try (CacheServer server = CacheServer.start(config, otel)) {
      server.ready().get(60, TimeUnit.SECONDS);
      ManagedChannel channel = ServerFixture.channel(URI.create(server.clientUrl()));
      try {
        Metadata traceparent = new Metadata();
        traceparent.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
            "00-" + TRACE_ID + "-00f067aa0ba902b7-01");
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(traceparent));
        kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("in/a")).setValue(ByteString.copyFromUtf8("1"))
            .build());
        kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("in/a")).setSerializable(true).build());
        kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("out/b")).build());
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      // Read before the SDK shuts down: shutting the in-memory exporter down empties it.
      spans = exporter.getFinishedSpanItems();
    } finally {
      otel.close();
    }
    List<SpanData> rpcs = spans.stream()
        .filter(s -> s.getName().startsWith("etcdserverpb.KV/")).toList();
    assertThat(rpcs).extracting(SpanData::getName)
        .containsExactly("etcdserverpb.KV/Put", "etcdserverpb.KV/Range", "etcdserverpb.KV/Range");
    assertThat(rpcs).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(TRACE_ID));
    assertThat(rpcs).extracting(s -> s.getAttributes().get(DECISION) + "/" + s.getAttributes().get(REASON))
        .containsExactly("etcd/forwarded", "memory/served", "etcd/not_covered");
    SpanData passThrough = spans.stream()
        .filter(s -> s.getName().equals("etcd_cache.pass_through")).findFirst().orElseThrow();
    assertThat(passThrough.getParentSpanId()).isEqualTo(rpcs.get(2).getSpanId());
  }

  private static HttpResponse<String> get(HttpClient http, URI uri) {
    try {
      return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static long number(String json, String field) {
    Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /** Waits for {@code condition}: a hang guard of 60 s, not a speed bar. */
  private static void await(BooleanSupplier condition) {
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
        .until(condition::getAsBoolean);
  }
}
