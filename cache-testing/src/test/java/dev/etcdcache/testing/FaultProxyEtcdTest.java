package dev.etcdcache.testing;

import static dev.etcdcache.testing.Retries.retry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The proxy in front of a real etcd, with jetcd (gRPC over HTTP/2) going through it. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FaultProxyEtcdTest {
  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.builder().withProxy().build();

  @Test
  void pass_forwardsGrpcToEtcd() throws Exception {
    try (Client client = etcd.proxiedClient()) {
      client.getKVClient().put(bytes("/proxy/pass"), bytes("v")).get(30, TimeUnit.SECONDS);

      assertThat(client.getKVClient().get(bytes("/proxy/pass")).get(30, TimeUnit.SECONDS).getCount()).isEqualTo(1);
      assertThat(etcd.proxy().connectionCount()).isPositive();
    }
  }

  @Test
  void stall_makesRequestsTimeOut_andPassRestoresService() throws Exception {
    try (Client client = etcd.proxiedClient()) {
      client.getKVClient().put(bytes("/proxy/stall"), bytes("before")).get(30, TimeUnit.SECONDS);

      etcd.proxy().stall();
      try {
        assertThatThrownBy(() -> client.getKVClient().get(bytes("/proxy/stall")).get(2, TimeUnit.SECONDS))
            .isInstanceOf(TimeoutException.class);
      } finally {
        etcd.proxy().pass();
      }

      assertThat(client.getKVClient().get(bytes("/proxy/stall")).get(30, TimeUnit.SECONDS).getCount()).isEqualTo(1);
    }
  }

  @Test
  void cutAll_closesConnections_andClientReconnects() throws Exception {
    try (Client client = etcd.proxiedClient()) {
      client.getKVClient().put(bytes("/proxy/cut"), bytes("v")).get(30, TimeUnit.SECONDS);
      assertThat(etcd.proxy().connectionCount()).isPositive();

      // Counted by cutAll itself: gRPC may reconnect before connectionCount() could be read.
      assertThat(etcd.proxy().cutAll()).isPositive();
      // The request that meets the cut may fail with UNAVAILABLE; the client then reconnects by itself.
      long count = retry(() -> client.getKVClient().get(bytes("/proxy/cut")).get(10, TimeUnit.SECONDS).getCount());
      assertThat(count).isEqualTo(1);
      assertThat(etcd.proxy().connectionCount()).isPositive();
    }
  }

  @Test
  void latency_delaysRequests_andZeroRemovesTheDelay() throws Exception {
    try (Client client = etcd.proxiedClient()) {
      client.getKVClient().get(bytes("/proxy/latency")).get(30, TimeUnit.SECONDS);
      etcd.proxy().latency(Duration.ofMillis(300));
      try {
        long start = System.nanoTime();
        client.getKVClient().get(bytes("/proxy/latency")).get(30, TimeUnit.SECONDS);
        // At least one delayed chunk each way.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
      } finally {
        etcd.proxy().latency(Duration.ZERO);
      }
    }
  }

  static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
