package dev.etcdcache.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EtcdMetricsTest {
  private static final String TEXT = String.join("\n",
      "# HELP grpc_server_handled_total Total number of RPCs completed on the server.",
      "# TYPE grpc_server_handled_total counter",
      "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Range\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 7",
      "grpc_server_handled_total{grpc_code=\"OutOfRange\",grpc_method=\"Range\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 2",
      "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Txn\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 3",
      "etcd_server_is_leader 1",
      "process_cpu_seconds_total 1.5e-01",
      "odd{path=\"a\\\"b\\\\c\\nd\", le=\"+Inf\"} +Inf",
      "with_timestamp{x=\"1\"} 4 1700000000000",
      "");

  @Test
  void value_withLabelSubset_sumsMatchingSamples() {
    EtcdMetrics metrics = EtcdMetrics.parse(TEXT);

    assertThat(metrics.value("grpc_server_handled_total", Map.of("grpc_method", "Range"))).isEqualTo(9.0);
    assertThat(metrics.value("grpc_server_handled_total", Map.of("grpc_method", "Range", "grpc_code", "OK"))).isEqualTo(7.0);
    assertThat(metrics.value("grpc_server_handled_total")).isEqualTo(12.0);
  }

  @Test
  void value_withoutLabels_readsPlainSamples() {
    EtcdMetrics metrics = EtcdMetrics.parse(TEXT);

    assertThat(metrics.value("etcd_server_is_leader")).isEqualTo(1.0);
    assertThat(metrics.value("process_cpu_seconds_total")).isEqualTo(0.15);
    assertThat(metrics.value("with_timestamp", Map.of("x", "1"))).isEqualTo(4.0);
  }

  @Test
  void value_ofUnknownMetricOrLabel_isZero() {
    EtcdMetrics metrics = EtcdMetrics.parse(TEXT);

    assertThat(metrics.value("no_such_metric")).isZero();
    assertThat(metrics.value("grpc_server_handled_total", Map.of("grpc_method", "Watch"))).isZero();
    assertThat(metrics.contains("no_such_metric")).isFalse();
    assertThat(metrics.contains("etcd_server_is_leader")).isTrue();
  }

  @Test
  void parse_escapedLabelValuesAndInfinity_areUnderstood() {
    EtcdMetrics metrics = EtcdMetrics.parse(TEXT);

    assertThat(metrics.value("odd", Map.of("path", "a\"b\\c\nd"))).isEqualTo(Double.POSITIVE_INFINITY);
  }

  @Test
  void parse_malformedLine_failsNamingTheLine() {
    assertThatThrownBy(() -> EtcdMetrics.parse("broken{a=\"x\" 1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("broken");
  }
}
