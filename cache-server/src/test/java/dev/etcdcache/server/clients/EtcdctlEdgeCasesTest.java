package dev.etcdcache.server.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcdctl on the edges, through the server and on the reference etcd in lockstep (see
 * {@link EtcdctlTest}): a response larger than gRPC's customary 4 MiB, a watch replaying thousands
 * of events, sort NONE with a non-key target and a limit (etcd sorts only the first limit+1 keys),
 * empty and whole-keyspace ranges, a range whose end is before its key, empty values.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class EtcdctlEdgeCasesTest {
  private static final int BULK_KEYS = 5000;
  private static final int PER_TXN = 100; // etcd's --max-txn-ops is 128
  private static final String VALUE_1K = "x".repeat(1024);

  @RegisterExtension
  static final TwoSubjects subjects = new TwoSubjects();

  @Test
  void bulk_responseAbove4MiBAndLongWatchReplay_matchEtcd() {
    EtcdctlPair both = new EtcdctlPair(subjects);
    long start = 0;
    for (int first = 0; first < BULK_KEYS; first += PER_TXN) {
      StringBuilder txn = new StringBuilder("\n");
      for (int i = first; i < first + PER_TXN; i++) {
        txn.append("put ").append(String.format("bulk/%05d", i)).append(' ').append(VALUE_1K).append('\n');
      }
      txn.append("\n\n");
      String out = both.stepWithInput(txn.toString(), "txn", "-i", "-w", "json");
      if (start == 0) {
        start = Long.parseLong(out.replaceAll("(?s).*?\"revision\":(\\d+).*", "$1"));
      }
    }
    // ~5.3 MB of values, ~7 MB of JSON: compared by digest, with sizes and heads for the failure message.
    digestStep(both, "get", "bulk/", "--prefix", "-w", "json");
    digestStep(both, "get", "bulk/", "--prefix", "--print-value-only");
    both.step("get", "bulk/", "--prefix", "--limit=1", "--keys-only", "-w", "json");
    both.step("get", "bulk/", "--prefix", "--limit=3", "--keys-only");
    both.step("get", "bulk/", "--prefix", "--limit=3", "--sort-by=KEY", "--order=DESCEND", "--keys-only");
    both.step("get", "bulk/04990", "--from-key", "--keys-only");
    String[] watch = {"watch", "--rev=" + start, "--prefix", "bulk/", "-w", "json"};
    Duration replay = Duration.ofSeconds(90);
    try (ExternalCommand onReference = both.reference().start(watch); ExternalCommand onServer = both.server().start(watch)) {
      onReference.awaitStdout(out -> count(out, "\"kv\":") >= BULK_KEYS, replay);
      onServer.awaitStdout(out -> count(out, "\"kv\":") >= BULK_KEYS, replay);
      ExternalCommand.Result referenceResult = onReference.stop();
      ExternalCommand.Result serverResult = onServer.stop();
      // How many responses the replay came in is etcd's choice too: compared with the events.
      both.record("events=" + count(referenceResult.stdout(), "\"kv\":") + " responses="
              + count(referenceResult.stdout(), "\"Header\"") + "\n"
              + digest(both.reference().normalise(referenceResult.stdout()), referenceResult),
          "events=" + count(serverResult.stdout(), "\"kv\":") + " responses="
              + count(serverResult.stdout(), "\"Header\"") + "\n"
              + digest(both.server().normalise(serverResult.stdout()), serverResult));
    }
    both.assertSameTranscripts();
  }

  @Test
  void sortAndRangeEdges_matchEtcd() {
    EtcdctlPair both = new EtcdctlPair(subjects);
    // Versions 3,1,2,1,3 and values out of key order, so sorting by them is visible.
    String[][] writes = {{"s/a", "e"}, {"s/a", "d"}, {"s/a", "c"}, {"s/b", "a"}, {"s/c", "b"}, {"s/c", "z"},
        {"s/d", "y"}, {"s/e", "m"}, {"s/e", "n"}, {"s/e", "o"}, {"s/f", ""}};
    for (String[] w : writes) {
      both.step("put", w[0], w[1]);
    }
    for (String target : new String[] {"VERSION", "VALUE", "CREATE", "MODIFY"}) {
      both.step("get", "s/", "--prefix", "--sort-by=" + target, "--limit=2", "-w", "json");
      both.step("get", "s/", "--prefix", "--sort-by=" + target, "--order=ASCEND", "--limit=2", "-w", "json");
      both.step("get", "s/", "--prefix", "--sort-by=" + target, "--order=DESCEND", "--limit=3", "-w", "json");
    }
    both.step("get", "s/f", "-w", "json");
    both.step("get", "s/c", "s/a", "-w", "json");
    both.step("get", "s/c", "s/c", "-w", "json");
    both.step("get", "", "--prefix", "--keys-only");
    both.step("get", "", "--from-key", "--limit=2", "--keys-only", "-w", "json");
    both.step("get", "s/", "--prefix", "--limit=0", "--keys-only", "-w", "json");
    both.step("get", "s/", "--prefix", "--rev=0", "--keys-only");
    both.step("get", "s/", "--prefix", "--order=DESCEND", "--keys-only");
    both.step("get", "s/", "--prefix", "--sort-by=NOPE");
    both.step("del", "s/c", "s/a");
    both.step("del", "s/c", "s/e", "--prev-kv", "-w", "json");
    both.step("get", "", "--from-key", "-w", "json");
    both.assertSameTranscripts();
  }

  /** Runs a step whose output is too large to diff: records sizes, a digest and the first 300 characters. */
  private static void digestStep(EtcdctlPair both, String... args) {
    ExternalCommand.Result onReference = both.reference().run("", args);
    ExternalCommand.Result onServer = both.server().run("", args);
    both.record(digest(both.reference().normalise(onReference.stdout()), onReference),
        digest(both.server().normalise(onServer.stdout()), onServer));
  }

  private static String digest(String normalised, ExternalCommand.Result result) {
    try {
      byte[] sha = MessageDigest.getInstance("SHA-256").digest(normalised.getBytes(StandardCharsets.UTF_8));
      return "$ etcdctl " + String.join(" ", result.command().subList(2, result.command().size())) + "\n"
          + "exit " + result.exitCode() + " stdout chars=" + normalised.length() + " sha256=" + HexFormat.of().formatHex(sha)
          + "\nhead: " + normalised.substring(0, Math.min(300, normalised.length()))
          + "\nstderr: " + result.stderr().lines().filter(l -> l.startsWith("Error")).findFirst().orElse("") + "\n";
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
      n++;
    }
    return n;
  }
}
