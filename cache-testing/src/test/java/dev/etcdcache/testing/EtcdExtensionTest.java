package dev.etcdcache.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.kv.GetResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdExtensionTest {
  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.builder().build();

  @Test
  void put_thenGet_returnsValueFromRealEtcd() throws Exception {
    ByteSequence key = bytes("/smoke/key");
    etcd.client().getKVClient().put(key, bytes("value")).get(30, TimeUnit.SECONDS);

    GetResponse response = etcd.client().getKVClient().get(key).get(30, TimeUnit.SECONDS);

    assertThat(response.getKvs()).hasSize(1);
    assertThat(response.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8)).isEqualTo("value");
    assertThat(etcd.endpoints()).hasSize(1);
  }

  @Test
  void metrics_afterRange_countRangeCallsOnTheServer() throws Exception {
    double before = etcd.metrics(0).value("grpc_server_handled_total", java.util.Map.of("grpc_method", "Range"));
    etcd.client().getKVClient().get(bytes("/smoke/other")).get(30, TimeUnit.SECONDS);

    double after = etcd.metrics(0).value("grpc_server_handled_total", java.util.Map.of("grpc_method", "Range"));

    assertThat(after).isGreaterThanOrEqualTo(before + 1);
  }

  @Test
  void proxy_withoutWithProxy_isRejected() {
    assertThatThrownBy(etcd::proxy).isInstanceOf(IllegalStateException.class).hasMessageContaining("withProxy");
  }

  @Test
  void cluster_isNamedAfterTheTestClass_andLogsUnderTargetEtcdLogs() {
    assertThat(etcd.cluster().name()).isEqualTo("EtcdExtensionTest");
    assertThat(etcd.cluster().member(0).logFile()).isEqualTo(Path.of("target", "etcd-logs", "EtcdExtensionTest-0.log"));
    assertThat(etcd.cluster().member(0).logFile()).exists();
  }

  @Test
  void compact_atCurrentRevision_succeeds() throws Exception {
    long revision = etcd.client().getKVClient().put(bytes("/smoke/compact"), bytes("v")).get(30, TimeUnit.SECONDS)
        .getHeader().getRevision();

    etcd.compact(revision);

    assertThat(etcd.client().getKVClient().get(bytes("/smoke/compact")).get(30, TimeUnit.SECONDS).getCount()).isEqualTo(1);
  }

  @Nested
  class WhenNested {
    @Test
    void nestedClass_sharesTheEnclosingClassCluster() {
      assertThat(etcd.cluster().name()).isEqualTo("EtcdExtensionTest");
      assertThat(etcd.endpoints()).hasSize(1);
    }
  }

  static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
