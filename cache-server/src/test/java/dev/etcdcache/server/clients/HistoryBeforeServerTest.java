package dev.etcdcache.server.clients;

import dev.etcdcache.testing.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Revisions from before the server started (so never in its mirror's history), read and watched
 * with etcdctl through the server and on the reference etcd in lockstep: etcd had 400 revisions of
 * writes and deletes, compacted at revision {@value #COMPACTED}, before the server came up.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HistoryBeforeServerTest {
  private static final int WRITES = 400;
  private static final long COMPACTED = 101;
  private static final Duration COLLECT = Duration.ofSeconds(30);

  @RegisterExtension
  static final TwoSubjects subjects = new TwoSubjects(HistoryBeforeServerTest::history);

  /** 400 revisions on keys old/000..old/049 (puts, every 7th a delete), compacted at 101. Same on both etcds. */
  private static void history(EtcdCluster etcd) {
    try (Client client = etcd.newClient()) {
      KV kv = client.getKVClient();
      for (int i = 0; i < WRITES; i++) {
        ByteSequence key = bytes(String.format("old/%03d", i % 50));
        if (i % 7 == 6) {
          kv.delete(key).get(30, TimeUnit.SECONDS);
        } else {
          kv.put(key, bytes("v" + i)).get(30, TimeUnit.SECONDS);
        }
      }
      etcd.compact(COMPACTED);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("writing history before the server starts", e);
    }
  }

  @Test
  void readsAndWatchesBeforeTheServersStart_matchEtcd() {
    EtcdctlPair both = new EtcdctlPair(subjects);
    String header = both.step("get", "old/", "--prefix", "--limit=1", "--keys-only", "-w", "json");
    long current = Long.parseLong(header.replaceAll("(?s).*?\"revision\":(\\d+).*", "$1"));
    String last = "\"mod_revision\":" + current + ",";
    both.step("get", "old/", "--prefix", "--rev=150", "-w", "json");
    both.step("get", "old/", "--prefix", "--rev=" + current, "--keys-only");
    both.step("get", "old/", "--prefix", "--rev=" + COMPACTED, "--keys-only");
    both.step("get", "old/", "--prefix", "--rev=" + (COMPACTED - 1), "-w", "json");
    both.step("get", "old/010", "--rev=" + (current - 50), "-w", "json");
    both.step("get", "old/", "--prefix", "--rev=" + (current - 100), "--limit=5", "--sort-by=MODIFY", "--order=DESCEND", "-w", "json");
    // DELETEs at the compact revision are gone with the compaction; PUTs at it replay.
    both.collect(new String[] {"watch", "--rev=" + COMPACTED, "--prefix", "old/", "-w", "json"}, () -> {},
        out -> out.contains(last), COLLECT);
    both.collect(new String[] {"watch", "--rev=" + (current - 40), "--prefix", "old/", "--prev-kv", "-w", "json"}, () -> {},
        out -> out.contains(last), COLLECT);
    both.collect(new String[] {"watch", "--rev=" + (COMPACTED - 1), "old/001", "-w", "json"}, () -> {},
        out -> false, Duration.ofSeconds(5));
    // A start revision in the future: etcd waits for it.
    both.collect(new String[] {"watch", "--rev=" + (current + 3), "--prefix", "old/", "-w", "json"}, () -> {
      for (int i = 0; i < 6; i++) {
        both.step("put", "old/new", "n" + i);
      }
    }, out -> out.contains("\"mod_revision\":" + (current + 6) + ","), COLLECT);
    both.assertSameTranscripts();
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
