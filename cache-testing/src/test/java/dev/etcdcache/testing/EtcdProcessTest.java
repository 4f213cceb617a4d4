package dev.etcdcache.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdProcessTest {
  @TempDir Path dir;

  @Test
  void awaitServing_whenClientPortIsTaken_reportsAPortClash() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int peerPort = LocalLauncher.freePorts(1)[0];
      EtcdProcess process = new EtcdProcess(new EtcdProcess.Spec(EtcdBinary.locate(null), "clash-0", taken.getLocalPort(),
          peerPort, "clash-0=http://127.0.0.1:" + peerPort, "clash-token", dir.resolve("data"), dir.resolve("clash-0.log"),
          List.of()));
      try {
        process.launch(false);

        assertThatThrownBy(() -> process.awaitServing(Duration.ofSeconds(60)))
            .isInstanceOf(EtcdProcess.PortClashException.class)
            .hasMessageContaining("address already in use");
      } finally {
        process.close();
      }
      assertThat(process.isRunning()).isFalse();
    }
  }

  @Test
  void start_whenAChosenPortIsTakenBeforeEtcdBindsIt_retriesOnNewPorts() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      AtomicInteger calls = new AtomicInteger();
      IntFunction<int[]> allocator = count -> {
        int[] ports = LocalLauncher.freePorts(count);
        if (calls.getAndIncrement() == 0) {
          ports[0] = taken.getLocalPort(); // the race: someone else bound member 0's client port
        }
        return ports;
      };

      try (EtcdCluster cluster = EtcdCluster.builder().name("retry").logDir(dir).portAllocator(allocator).build().start()) {
        assertThat(calls.get()).isEqualTo(2);
        assertThat(cluster.member(0).clientEndpoint().getPort()).isNotEqualTo(taken.getLocalPort());
        assertThat(cluster.member(0).metrics().value("etcd_server_has_leader")).isEqualTo(1.0);
      }
    }
  }

  @Test
  void start_withAFlagEtcdRejects_failsWithTheLogTail_andLeavesNoProcess() {
    EtcdCluster cluster = EtcdCluster.builder().name("badflag").logDir(dir).etcdArgs("--no-such-flag=1").build();

    assertThatThrownBy(cluster::start)
        .isInstanceOf(EtcdUnavailableException.class)
        .hasMessageContaining("badflag-0")
        .hasMessageContaining("no-such-flag");
    assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive)
        .filter(p -> p.info().command().map(c -> c.endsWith("etcd")).orElse(false))).isEmpty();
  }
}
