package dev.etcdcache.server.clients;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcd auth driven by etcdctl ({@code user}, {@code role}, {@code auth enable/disable},
 * {@code --user}), through the server and on the reference etcd in lockstep: while auth is on,
 * reads and watches get etcd's answer for that user (or for nobody); writes made meanwhile are not
 * visible to the server's own unauthenticated mirror, so right after {@code auth disable} a read
 * through the server must still show them (no stale cache).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class EtcdctlAuthTest {
  /** More than cache-server's auth probe interval; not an assertion. */
  private static final long PROBE_MILLIS = 3000;

  @RegisterExtension
  static final TwoSubjects subjects = new TwoSubjects();

  @Test
  void authEnabledThenDisabled_answersLikeEtcd_andNothingStaleAfterwards() {
    EtcdctlPair both = new EtcdctlPair(subjects);
    both.step("put", "pub/a", "1");
    both.step("put", "secret/a", "2");
    both.step("user", "add", "root:rootpw");
    both.step("role", "add", "root");
    both.step("user", "grant-role", "root", "root");
    both.step("role", "add", "pub-reader");
    both.step("role", "grant-permission", "pub-reader", "read", "pub/", "--prefix");
    both.step("user", "add", "reader:readerpw");
    both.step("user", "grant-role", "reader", "pub-reader");
    both.step("auth", "enable");
    sleep(PROBE_MILLIS);

    both.step("get", "pub/a", "-w", "json");
    both.step("--user=reader:readerpw", "get", "pub/a", "-w", "json");
    both.step("--user=reader:readerpw", "get", "pub/", "--prefix", "-w", "json");
    both.step("--user=reader:readerpw", "get", "secret/a", "-w", "json");
    both.step("--user=reader:readerpw", "put", "pub/a", "no");
    both.step("--user=root:rootpw", "put", "pub/a", "3");
    both.step("--user=root:rootpw", "put", "pub/b", "4");
    both.step("--user=root:rootpw", "del", "secret/a");
    both.step("--user=reader:readerpw", "get", "pub/", "--prefix", "-w", "json");
    both.step("--user=root:rootpw", "get", "", "--from-key", "-w", "json");
    both.collect(new String[] {"--user=reader:readerpw", "watch", "--rev=1", "--prefix", "pub/", "-w", "json"}, () -> {},
        out -> out.contains("\"mod_revision\":5,"), Duration.ofSeconds(15));
    both.collect(new String[] {"--user=reader:readerpw", "watch", "--rev=1", "secret/a", "-w", "json"}, () -> {},
        out -> false, Duration.ofSeconds(3));

    both.step("--user=root:rootpw", "auth", "disable");
    // At once: whatever the server's mirror missed while auth was on must not be served now.
    both.step("get", "", "--from-key", "-w", "json");
    both.step("get", "pub/", "--prefix", "-w", "json");
    both.step("put", "pub/c", "5");
    both.step("get", "", "--from-key", "-w", "json");
    both.collect(new String[] {"watch", "--rev=1", "--prefix", "", "-w", "json"}, () -> {},
        out -> out.contains("\"mod_revision\":6,"), Duration.ofSeconds(15));
    sleep(PROBE_MILLIS);
    both.step("get", "", "--from-key", "-w", "json");
    both.assertSameTranscripts();
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
