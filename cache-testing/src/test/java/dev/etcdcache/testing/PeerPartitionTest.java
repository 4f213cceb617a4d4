package dev.etcdcache.testing;

import static dev.etcdcache.testing.Retries.retry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real peer partition: a member in a network namespace of its own is cut off from its peers while
 * its clients still reach it, as when a network splits between etcd's members but not between a
 * member and its clients.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PeerPartitionTest {
  private static final ByteSequence KEY = bytes("/partition/key");
  private static final GetOption SERIALIZABLE = GetOption.builder().withSerializable(true).build();

  @Test
  void isolateFromPeers_memberStillAnswersItsClientsFromItsOwnStaleState_majorityWritesOn_rejoinCatchesUp()
      throws Exception {
    String ours = "etcdcache-" + ProcessHandle.current().pid() + "-";
    try (EtcdCluster cluster = EtcdCluster.builder().members(3).name("partition").networkNamespaces().build().start()) {
      int leader = cluster.leader();
      int isolated = (leader + 1) % 3;
      List<URI> majority = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        if (i != isolated) {
          majority.add(cluster.member(i).clientEndpoint());
        }
      }
      assertThat(cluster.member(isolated).clientEndpoint().getHost()).as("an address of the member's own")
          .isNotEqualTo("127.0.0.1");
      assertThat(namespaces()).anyMatch(n -> n.startsWith(ours));
      try (Client toIsolated = cluster.newClient(cluster.member(isolated).clientEndpoint());
          Client toMajority = cluster.newClient(majority.toArray(URI[]::new))) {
        toMajority.getKVClient().put(KEY, bytes("before")).get(30, TimeUnit.SECONDS);
        awaitValue(toIsolated, SERIALIZABLE, "before");

        cluster.member(isolated).isolateFromPeers();

        long during = retry(() -> toMajority.getKVClient().put(KEY, bytes("during")).get(10, TimeUnit.SECONDS))
            .getHeader().getRevision();
        GetResponse stale = toIsolated.getKVClient().get(KEY, SERIALIZABLE).get(10, TimeUnit.SECONDS);
        assertThat(value(stale)).as("the isolated member answers from its own state").isEqualTo("before");
        assertThat(stale.getHeader().getRevision()).isLessThan(during);
        // A linearizable read needs the leader's ReadIndex, which the isolated member cannot get:
        // it fails or never answers while the partition lasts (10 s is a hang guard, not a claim).
        CompletableFuture<GetResponse> linearizable = toIsolated.getKVClient().get(KEY);
        assertThatThrownBy(() -> linearizable.get(10, TimeUnit.SECONDS))
            .isInstanceOfAny(ExecutionException.class, TimeoutException.class);
        assertThat(cluster.member(isolated).isRunning()).isTrue();

        cluster.member(isolated).rejoinPeers();

        awaitValue(toIsolated, GetOption.DEFAULT, "during");
      }
    }
    assertThat(namespaces()).as("namespaces deleted with the cluster").noneMatch(n -> n.startsWith(ours));
  }

  @Test
  void isolateFromPeers_withoutNetworkNamespaces_failsWithAdvice() {
    try (EtcdCluster cluster = EtcdCluster.builder().name("no-namespaces").build().start()) {
      assertThatThrownBy(() -> cluster.member(0).isolateFromPeers())
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("networkNamespaces()");
    }
  }

  /** Retries (30 s) until a read through {@code client} gives {@code expected}. */
  private static void awaitValue(Client client, GetOption option, String expected) throws Exception {
    retry(() -> {
      String actual = value(client.getKVClient().get(KEY, option).get(10, TimeUnit.SECONDS));
      if (!actual.equals(expected)) {
        throw new IllegalStateException("read " + actual + ", waiting for " + expected);
      }
      return actual;
    });
  }

  /** The names of the host's network namespaces. */
  private static List<String> namespaces() throws Exception {
    Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    List<String> names = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (!line.isBlank()) {
        names.add(line.strip().split("\\s+")[0]);
      }
    }
    return names;
  }

  private static String value(GetResponse response) {
    if (response.getKvs().size() != 1) {
      throw new IllegalStateException("expected one key, got " + response.getKvs());
    }
    return response.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
