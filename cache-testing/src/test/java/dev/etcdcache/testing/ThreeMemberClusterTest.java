package dev.etcdcache.testing;

import static dev.etcdcache.testing.Retries.retry;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ThreeMemberClusterTest {
  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.builder().members(3).build();

  @Test
  void killLeader_clusterElectsNewLeader_andAcceptsWrites_andKilledMemberRestarts() throws Exception {
    assertThat(etcd.endpoints()).hasSize(3);
    int oldLeader = etcd.leader();

    etcd.kill(oldLeader);

    assertThat(etcd.cluster().member(oldLeader).isRunning()).isFalse();
    int newLeader = etcd.leader();
    assertThat(newLeader).isNotEqualTo(oldLeader);
    ByteSequence key = bytes("/cluster/after-failover");
    // The shared client may first try the dead member; a write is not retried by jetcd, so retry here.
    retry(() -> etcd.client().getKVClient().put(key, bytes("written")).get(10, TimeUnit.SECONDS));

    etcd.restart(oldLeader);

    assertThat(etcd.cluster().member(oldLeader).isRunning()).isTrue();
    try (Client direct = etcd.cluster().newClient(etcd.cluster().member(oldLeader).clientEndpoint())) {
      GetResponse response = direct.getKVClient().get(key).get(30, TimeUnit.SECONDS);
      assertThat(response.getKvs()).singleElement()
          .satisfies(kv -> assertThat(kv.getValue().toString(StandardCharsets.UTF_8)).isEqualTo("written"));
    }
  }

  @Test
  void leader_reportsTheOnlyMemberWhoseMetricsSayLeader() {
    int leader = etcd.leader();

    for (int i = 0; i < 3; i++) {
      if (etcd.cluster().member(i).isRunning()) {
        assertThat(etcd.metrics(i).value("etcd_server_is_leader")).isEqualTo(i == leader ? 1.0 : 0.0);
      }
    }
  }

  static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
