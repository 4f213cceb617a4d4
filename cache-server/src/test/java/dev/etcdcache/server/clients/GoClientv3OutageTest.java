package dev.etcdcache.server.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcd's Go client through the server across an outage of the etcd behind it (the program's
 * {@code outage} mode, a watch under {@code clientv3.WithRequireLeader}): after etcd is back, the
 * first linearizable Get that succeeds must return a value written to etcd directly before it,
 * and the watch must either deliver that write (it resumed) or have been ended with etcd's
 * "no leader" error (the require-leader contract). Real {@code etcd grpc-proxy} 3.4.23 keeps the
 * watch open and resumes it, so both outcomes are accepted; a watch that neither resumes nor
 * ends, or ends with another error, is a failure.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GoClientv3OutageTest {
  private static final Duration OUTAGE = Duration.ofSeconds(75);

  @RegisterExtension
  static final TwoSubjects subjects = new TwoSubjects();

  @BeforeAll
  static void buildOffline() {
    ExternalCommand.Result build = GoClientv3Test.build(InstalledClients.go(), InstalledClients.debianGopath(), "clientv3transcript");
    assertThat(build.exitCode()).as("offline GOPATH build of the Go suite\n" + build.describe()).isZero();
  }

  @Test
  void etcdDown_requireLeaderWatchEndsWithNoLeader_thenReadsResumeWithoutStaleness() {
    Etcdctl direct = new Etcdctl(subjects.backend(), subjects.backend());
    assertThat(direct.run("", "put", "outage/k", "before").exitCode()).isZero();
    try (ExternalCommand go = ExternalCommand.start(
        List.of(GoClientv3Test.binary("clientv3transcript").toAbsolutePath().toString(), "outage", subjects.server().toString()), Map.of(), null)) {
      assertThat(go.awaitStdout(out -> out.contains("watching"), Duration.ofSeconds(30)))
          .as("watch created: " + go.stdoutSoFar()).isTrue();
      subjects.backendCluster().member(0).kill();
      sleep(10_000); // the outage; not an assertion
      subjects.backendCluster().member(0).restart();
      assertThat(direct.run("", "put", "outage/k", "after").exitCode()).isZero();
      go.write("read\n");
      boolean finished = go.awaitStdout(out -> out.contains("watch outcome:"), OUTAGE);
      ExternalCommand.Result result = go.await(Duration.ofSeconds(10));
      System.out.println("Go client across the outage, through " + subjects.subject() + ":\n" + result.stdout());

      assertThat(finished).as("the Go program finished its steps: " + result.describe()).isTrue();
      assertThat(result.stdout()).as("first successful linearizable read after etcd is back: " + result.describe())
          .contains("read resumed: value=after");
      String stdout = result.stdout();
      boolean resumedWatch = stdout.contains("watch outcome: watch delivered the write made after the outage");
      boolean endedNoLeader = stdout.contains("watch outcome: watch closed") && stdout.contains("err=etcdserver: no leader");
      assertThat(resumedWatch || endedNoLeader)
          .as("WithRequireLeader watch through the server across the outage must resume or end with 'no leader': "
              + result.describe())
          .isTrue();
    } finally {
      if (!subjects.backendCluster().member(0).isRunning()) {
        subjects.backendCluster().member(0).restart();
      }
    }
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
