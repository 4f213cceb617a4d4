package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What an operator sees: gRPC health, HTTP /health like etcd's, /metrics with cache and per-RPC meters. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class OperationsTest {

  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.builder().build();

  private static ServerFixture fixture;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    fixture = new ServerFixture(etcd, c -> c.withMetricsUrl(URI.create("http://127.0.0.1:0")));
  }

  @AfterAll
  static void stop() throws InterruptedException {
    fixture.close();
  }

  @Test
  void grpcHealth_mirrorReady_serving() {
    HealthCheckResponse r = HealthGrpc.newBlockingStub(fixture.toServer).check(HealthCheckRequest.getDefaultInstance());
    assertThat(r.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void httpHealth_mirrorReady_answersLikeEtcd() throws Exception {
    HttpResponse<String> r = get("/health");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"health\":\"true\"}");
  }

  @Test
  void metrics_afterRange_cacheAndRpcMeters() throws Exception {
    KVGrpc.newBlockingStub(fixture.toServer).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("m")).build());
    String body = get("/metrics").body();
    assertThat(body).contains("etcd_cache_get_results_total{", "outcome=\"memory\"");
    assertThat(body).containsPattern("grpc_server_started_total\\{[^}]*grpc_method=\"Range\"");
    assertThat(body).containsPattern(
        "grpc_server_handled_total\\{[^}]*grpc_code=\"OK\",grpc_method=\"Range\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"");
    assertThat(body).contains("grpc_server_handling_seconds_bucket{");
    assertThat(servedFromMemory(body)).isPositive();
    // The server's own state: this test's connection at least, no watch stream, no slow client.
    assertThat(body).containsPattern("(?m)^etcd_cache_server_connections [1-9]");
    assertThat(body).contains("etcd_cache_server_watch_streams", "etcd_cache_server_slow_clients_closed_total",
        "etcd_cache_server_watch_responses_joined_total");
  }

  @Test
  void grafanaDashboard_serverRowQueriesOnlyExportedMetrics() throws Exception {
    KVGrpc.newBlockingStub(fixture.toServer).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("d")).build());
    // A watch stream, so the bidi-stream series the dashboard counts open streams with exist.
    var watch = io.etcd.jetcd.api.WatchGrpc.newStub(fixture.toServer).watch(new io.grpc.stub.StreamObserver<>() {
      @Override
      public void onNext(io.etcd.jetcd.api.WatchResponse value) {
      }

      @Override
      public void onError(Throwable t) {
      }

      @Override
      public void onCompleted() {
      }
    });
    watch.onNext(io.etcd.jetcd.api.WatchRequest.newBuilder().setCreateRequest(
        io.etcd.jetcd.api.WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("d"))).build());
    watch.onCompleted();
    String dashboard = java.nio.file.Files.readString(java.nio.file.Path.of("..", "cache-metrics", "grafana",
        "etcd-cache.json"));
    java.util.Set<String> queried = new java.util.TreeSet<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("grpc_server_[a-z_]+|etcd_cache_server_[a-z_]+").matcher(dashboard);
    while (m.find()) {
      queried.add(m.group());
    }
    java.util.Set<String> exported = new java.util.TreeSet<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!exported.containsAll(queried) && System.nanoTime() < deadline) {
      for (String line : get("/metrics").body().split("\n")) {
        if (line.startsWith("grpc_server_") || line.startsWith("etcd_cache_server_")) {
          exported.add(line.split("[{ ]")[0]);
        }
      }
      Thread.sleep(50);
    }
    assertThat(queried).contains("grpc_server_handled_total", "grpc_server_handling_seconds_bucket",
        "grpc_server_started_total", "etcd_cache_server_connections", "etcd_cache_server_slow_clients_closed_total");
    assertThat(exported).containsAll(queried);
    assertThat(get("/metrics").body()).contains("grpc_type=\"bidi_stream\"");
  }

  private HttpResponse<String> get(String path) throws Exception {
    URI base = fixture.server.metricsUrl().orElseThrow();
    return http.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static double servedFromMemory(String body) {
    return body.lines()
        .filter(l -> l.startsWith("etcd_cache_get_results_total{") && l.contains("outcome=\"memory\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }
}
