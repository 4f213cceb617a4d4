package dev.etcdcache.server.clients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.EtcdCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server in front of a three-member etcd cluster ({@code --endpoints} lists all three), with
 * etcdctl: members are killed and restarted one at a time (the leader first, then member 0, the
 * first endpoint) while writes go directly to a running member. Every linearizable read through
 * the server that succeeds must return the last acknowledged write (errors are allowed during an
 * election), and a watch through the server must deliver every acknowledged write once, in order.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ClusterBehindServerTest {
  private static final int ROUNDS = 60;
  private static final Duration COLLECT = Duration.ofSeconds(60);

  private static EtcdCluster cluster;
  private static ServerUnderTest server;

  @BeforeAll
  static void start() {
    cluster = EtcdCluster.builder().members(3).name("ClusterBehindServerTest").build().start();
    server = ServerUnderTest.start(cluster.clientEndpoints(), Path.of("target", "client-suites", "ClusterBehindServerTest"));
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (server != null) {
        server.close();
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  @Test
  void membersKilledOneAtATime_readsThroughServerNeverStale_watchSeesEveryWriteOnce() {
    Etcdctl viaServer = new Etcdctl(server.endpoint(), cluster.clientEndpoints().get(0));
    List<Etcdctl> direct = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      direct.add(new Etcdctl(cluster.clientEndpoints().get(i), cluster.clientEndpoints().get(i)));
    }
    List<String> acknowledged = new ArrayList<>();
    List<String> stale = new ArrayList<>();
    int readErrors = 0;
    int killed = -1;
    try (ExternalCommand watch = viaServer.start("watch", "--prefix", "ha/", "-w", "json")) {
      sleep(1500); // let the watch be created; not an assertion
      for (int round = 0; round < ROUNDS; round++) {
        if (round == 15) {
          killed = cluster.leader();
          cluster.member(killed).kill();
        } else if (round == 30 || round == 55) {
          cluster.member(killed).restart();
          killed = -1;
        } else if (round == 40) {
          killed = 0;
          cluster.member(0).kill();
        }
        String value = null;
        for (int attempt = 0; attempt < 5 && value == null; attempt++) {
          String candidate = "v-" + round + "-" + attempt;
          Etcdctl writer = direct.get(firstRunning(killed));
          if (writer.run("", "--command-timeout=10s", "put", "ha/k", candidate).exitCode() == 0) {
            value = candidate;
          }
        }
        assertThat(value).as("a write to the cluster in round " + round).isNotNull();
        acknowledged.add(value);
        ExternalCommand.Result read = viaServer.run("", "--command-timeout=10s", "get", "ha/k", "--print-value-only");
        if (read.exitCode() != 0) {
          readErrors++;
        } else if (!read.stdout().equals(value + "\n")) {
          stale.add("round " + round + ": wrote " + value + ", read " + read.stdout().strip());
        }
      }
      String lastValue = acknowledged.get(acknowledged.size() - 1);
      boolean sawLast = watch.awaitStdout(out -> out.contains(base64(lastValue)), COLLECT);
      ExternalCommand.Result watched = watch.stop();
      System.out.println("reads through the server that failed during the faults: " + readErrors);

      assertThat(stale).as("linearizable reads through the server that missed an acknowledged write").isEmpty();
      assertThat(readErrors).as("reads that failed (allowed while a member is down, not all of them)").isLessThan(ROUNDS / 2);
      assertThat(sawLast).as("the watch through the server saw the last write: " + watched.describe()).isTrue();
      List<String> values = valuesOf(watched.stdout());
      assertThat(values).as("watch through the server: every acknowledged write once, in order (unacknowledged"
          + " attempts may appear too): " + watched.stdout()).containsSubsequence(acknowledged).doesNotHaveDuplicates();
      assertThat(modRevisions(watched.stdout())).as("watch revisions").isSorted().doesNotHaveDuplicates();
    } finally {
      for (int i = 0; i < 3; i++) {
        if (!cluster.member(i).isRunning()) {
          cluster.member(i).restart();
        }
      }
    }
  }

  private static int firstRunning(int killed) {
    for (int i = 0; i < 3; i++) {
      if (i != killed && cluster.member(i).isRunning()) {
        return i;
      }
    }
    throw new AssertionError("no running member");
  }

  private static List<String> valuesOf(String watchJson) {
    List<String> values = new ArrayList<>();
    Matcher m = Pattern.compile("\"kv\":\\{[^}]*\"value\":\"([^\"]*)\"").matcher(watchJson);
    while (m.find()) {
      values.add(new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8));
    }
    return values;
  }

  private static List<Long> modRevisions(String watchJson) {
    List<Long> revisions = new ArrayList<>();
    Matcher m = Pattern.compile("\"kv\":\\{[^}]*?\"mod_revision\":(\\d+)").matcher(watchJson);
    while (m.find()) {
      revisions.add(Long.parseLong(m.group(1)));
    }
    return revisions;
  }

  private static String base64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
