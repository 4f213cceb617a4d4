package dev.etcdcache.core;

import org.awaitility.Awaitility;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd restored from an older snapshot ({@code etcdctl snapshot save} / {@code snapshot restore})
 * goes back in time under a running mirror, which then holds writes etcd no longer has and, at or
 * past etcd's revision, serves them even to linearizable reads. The consistency check finds it
 * (etcd refuses the mirror's revision as a future one) and the re-list brings the mirror back to
 * what etcd holds.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RestoredEtcdTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private static final GetOption SERIALIZABLE = GetOption.builder().withSerializable(true).build();

  @Test
  void mirrorAheadOfARestoredEtcd_isFoundByTheCheck_andRelistedToEtcdsState(@TempDir Path dir) throws Exception {
    KV kv = ETCD.client().getKVClient();
    for (String k : new String[] {"a", "b", "c"}) {
      kv.put(bytes("r/" + k), bytes("old")).get();
    }
    Path snapshot = dir.resolve("snap.db");
    Path etcdctl = etcdctl();
    Process save = new ProcessBuilder(etcdctl.toString(), "--endpoints=" + ETCD.endpoints().get(0),
        "snapshot", "save", snapshot.toString()).redirectErrorStream(true).start();
    String saved = new String(save.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(save.waitFor(60, TimeUnit.SECONDS) && save.exitValue() == 0).as(saved).isTrue();
    long snapshotRevision = kv.get(bytes("r/a")).get().getHeader().getRevision();

    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("r/")).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      kv.put(bytes("r/a"), bytes("lost")).get();
      long last = kv.put(bytes("r/lost"), bytes("lost")).get().getHeader().getRevision();
      await(() -> cache.status().appliedRevision() >= last);

      ETCD.cluster().member(0).restoreSnapshot(etcdctl, snapshot);
      assertThat(kv.get(bytes("r/a")).get().getHeader().getRevision()).isEqualTo(snapshotRevision);
      // The mirror is ahead of etcd and answers with writes etcd no longer has, linearizable too.
      assertThat(cache.getKVClient().get(bytes("r/lost"), SERIALIZABLE).get().getKvs()).hasSize(1);
      assertThat(cache.getKVClient().get(bytes("r/lost")).get().getKvs()).hasSize(1);

      ConsistencyReport found = cache.checkConsistency().get(60, TimeUnit.SECONDS);
      assertThat(found.lastOutcome()).isEqualTo("DIVERGED");
      assertThat(found.lastDifferences()).singleElement().asString()
          .startsWith("MIRROR_AHEAD_OF_ETCD").contains("future revision");

      await(() -> cache.status().relists() >= 1 && cache.status().appliedRevision() == snapshotRevision);
      assertThat(cache.getKVClient().get(bytes("r/lost"), SERIALIZABLE).get().getKvs()).isEmpty();
      assertThat(cache.getKVClient().get(bytes("r/a"), SERIALIZABLE).get().getKvs().get(0).getValue())
          .isEqualTo(bytes("old"));
      assertThat(cache.checkConsistency().get(60, TimeUnit.SECONDS).lastOutcome()).isEqualTo("CONSISTENT");

      // After the restore etcd writes the lost revisions again with other contents: the mirror,
      // now re-listed, follows them.
      long again = kv.put(bytes("r/new"), bytes("after")).get().getHeader().getRevision();
      assertThat(again).isEqualTo(snapshotRevision + 1);
      await(() -> cache.status().appliedRevision() >= again);
      assertThat(cache.getKVClient().get(bytes("r/new"), SERIALIZABLE).get().getKvs()).hasSize(1);
      assertThat(cache.checkConsistency().get(60, TimeUnit.SECONDS).lastOutcome()).isEqualTo("CONSISTENT");
    }
  }

  private static Path etcdctl() {
    for (String dir : System.getenv("PATH").split(":")) {
      Path p = Path.of(dir, "etcdctl");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new AssertionError("etcdctl is not on PATH: run scripts/ensure-clients.sh (Debian's etcd-client)");
  }

  /** Waits for {@code condition}: a hang guard of 60 s, not a speed bar. */
  private static void await(BooleanSupplier condition) {
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
        .until(condition::getAsBoolean);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
