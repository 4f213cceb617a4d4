package dev.etcdcache.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdClusterTest {
  @TempDir Path logDir;

  @Test
  void restart_keepsDataWrittenBeforeTheRestart() throws Exception {
    try (EtcdCluster cluster = EtcdCluster.builder().name("restart").logDir(logDir).build().start()) {
      try (Client client = cluster.newClient()) {
        client.getKVClient().put(bytes("/restart/key"), bytes("kept")).get(30, TimeUnit.SECONDS);
      }
      long pidBefore = cluster.member(0).pid().orElseThrow();

      cluster.member(0).restart();

      assertThat(cluster.member(0).pid().orElseThrow()).isNotEqualTo(pidBefore);
      assertThat(cluster.member(0).clientEndpoint()).isEqualTo(cluster.clientEndpoints().get(0));
      try (Client client = cluster.newClient()) {
        GetResponse response = client.getKVClient().get(bytes("/restart/key")).get(30, TimeUnit.SECONDS);
        assertThat(response.getKvs()).singleElement()
            .satisfies(kv -> assertThat(kv.getValue().toString(StandardCharsets.UTF_8)).isEqualTo("kept"));
      }
    }
  }

  @Test
  void kill_thenRestart_memberServesAgainOnTheSameEndpoint() throws Exception {
    try (EtcdCluster cluster = EtcdCluster.builder().name("kill").logDir(logDir).build().start()) {
      EtcdMember member = cluster.member(0);

      member.kill();

      assertThat(member.isRunning()).isFalse();
      member.restart();
      assertThat(member.isRunning()).isTrue();
      assertThat(member.metrics().value("etcd_server_has_leader")).isEqualTo(1.0);
    }
  }

  @Test
  void compact_thenReadBelowCompactRevision_failsWithEtcdCompactionError() throws Exception {
    try (EtcdCluster cluster = EtcdCluster.builder().name("compact").logDir(logDir).build().start();
         Client client = cluster.newClient()) {
      long first = client.getKVClient().put(bytes("/c/k"), bytes("v1")).get(30, TimeUnit.SECONDS).getHeader().getRevision();
      long second = client.getKVClient().put(bytes("/c/k"), bytes("v2")).get(30, TimeUnit.SECONDS).getHeader().getRevision();

      cluster.compact(second);

      Throwable failure = catchFailure(() -> client.getKVClient()
          .get(bytes("/c/k"), io.etcd.jetcd.options.GetOption.builder().withRevision(first).build())
          .get(30, TimeUnit.SECONDS));
      assertThat(failure).isExactlyInstanceOf(StatusRuntimeException.class);
      StatusRuntimeException status = (StatusRuntimeException) failure;
      assertThat(status.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
      assertThat(status.getStatus().getDescription()).isEqualTo("etcdserver: mvcc: required revision has been compacted");
    }
  }

  @Test
  void close_endsEveryProcessTheClusterStarted() throws Exception {
    List<Long> pids = new ArrayList<>();
    try (EtcdCluster cluster = EtcdCluster.builder().members(3).name("close").logDir(logDir).build().start()) {
      for (EtcdMember member : cluster.members()) {
        pids.add(member.pid().orElseThrow());
      }
      assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true));
    }

    assertThat(pids).hasSize(3)
        .allSatisfy(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty());
  }

  @Test
  void start_withImage_usesDockerIfAvailable_elseTheLocalBinary() throws Exception {
    boolean docker = EtcdContainer.dockerAvailable();
    try (EtcdCluster cluster = EtcdCluster.builder().name("image").logDir(logDir)
            .image("gcr.io/etcd-development/etcd:v3.5.17").build().start();
         Client client = cluster.newClient()) {
      client.getKVClient().put(bytes("/image/k"), bytes("v")).get(60, TimeUnit.SECONDS);

      assertThat(client.getKVClient().get(bytes("/image/k")).get(30, TimeUnit.SECONDS).getCount()).isEqualTo(1);
      // A local process has a PID; a container member does not.
      assertThat(cluster.member(0).pid().isPresent()).isEqualTo(!docker);
    }
  }

  @Test
  void start_writesEachMemberLogUnderLogDir() {
    try (EtcdCluster cluster = EtcdCluster.builder().name("logs").logDir(logDir).etcdArgs("--log-level=info").build().start()) {
      assertThat(cluster.member(0).logFile()).isEqualTo(logDir.resolve("logs-0.log"));
      assertThat(cluster.member(0).logFile()).satisfies(file -> assertThat(Files.size(file)).isPositive());
    }
  }

  @Test
  void start_withMissingEtcdBinary_failsNamingTheInstallCommand() {
    Path missing = logDir.resolve("no-such-etcd");
    EtcdCluster cluster = EtcdCluster.builder().binary(missing).logDir(logDir).build();

    assertThatThrownBy(cluster::start)
        .isInstanceOf(EtcdUnavailableException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("apt-get update && ")
        .hasMessageContaining("apt-get install -y etcd-server")
        .hasMessageContaining("ETCD_BIN");
    cluster.close();
  }

  @Test
  void locate_withEtcdBinPointingNowhere_failsNamingTheInstallCommand() {
    assertThatThrownBy(() -> EtcdBinary.locate(null, null, Map.of("ETCD_BIN", "/nonexistent/etcd")))
        .isInstanceOf(EtcdUnavailableException.class)
        .hasMessageContaining("/nonexistent/etcd")
        .hasMessageContaining("apt-get install -y etcd-server")
        .hasMessageContaining("ETCD_BIN");
  }

  @Test
  void locate_withNoEtcdAnywhere_failsNamingTheInstallCommand() {
    Map<String, String> env = Map.of("PATH", logDir.toString());

    assertThatThrownBy(() -> EtcdBinary.locate(null, null, env, List.of(logDir.resolve("etcd"))))
        .isInstanceOf(EtcdUnavailableException.class)
        .hasMessageContaining("not found")
        .hasMessageContaining("apt-get install -y etcd-server")
        .hasMessageContaining("ETCD_BIN");
  }

  @Test
  void locate_withNothingConfigured_findsEtcdOnPath() {
    assertThat(EtcdBinary.locate(null, null, Map.of("PATH", "/nonexistent:/usr/bin"), List.of())).isEqualTo(Path.of("/usr/bin/etcd"));
  }

  @Test
  void builder_settingAValueTwice_isRejected() {
    assertThatThrownBy(() -> EtcdCluster.builder().members(1).members(3)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> EtcdCluster.builder().members(0)).isInstanceOf(IllegalArgumentException.class);
  }

  static Throwable catchFailure(ThrowingRunnable action) {
    try {
      action.run();
    } catch (Throwable t) {
      Throwable cause = t;
      while ((cause instanceof ExecutionException || cause instanceof CompletionException) && cause.getCause() != null) {
        cause = cause.getCause();
      }
      return cause;
    }
    throw new AssertionError("expected a failure");
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
