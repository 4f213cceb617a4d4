package dev.etcdcache.server.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcd's Go client under concurrency ({@code src/test/go/src/clientv3load}): 8 goroutines write
 * directly to etcd and read each write back through the server (linearizable: never stale), while
 * watchers through the server, early and late, must each receive every revision exactly once, in
 * order, with the written values. The same program against the reference etcd gives the expected
 * summary (no violation); the server's must equal it.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GoClientv3LoadTest {
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);

  @RegisterExtension
  static final TwoSubjects subjects = new TwoSubjects();

  @BeforeAll
  static void buildOffline() {
    ExternalCommand.Result build = GoClientv3Test.build(InstalledClients.go(), InstalledClients.debianGopath(), "clientv3load");
    assertThat(build.exitCode()).as("offline GOPATH build of the Go load program\n" + build.describe()).isZero();
  }

  @Test
  void concurrentDirectWrites_readsThroughServerNeverStale_watchersSeeEveryRevisionOnce() {
    ExternalCommand.Result onReference = run(subjects.reference(), subjects.reference());
    ExternalCommand.Result onServer = run(subjects.server(), subjects.backend());
    Transcripts.save("GoClientv3LoadTest", onReference.stdout(), onServer.stdout());

    assertThat(onReference.exitCode()).as(onReference.describe()).isZero();
    assertThat(onReference.stdout()).as("the program against plain etcd must find nothing: " + onReference.describe())
        .contains("stale=0 errors=0").doesNotContain("TIMEOUT");
    assertThat(onServer.exitCode()).as(onServer.describe()).isZero();
    assertThat(onServer.stdout()).as("concurrent writes to etcd, reads and watches through the server").isEqualTo(onReference.stdout());
  }

  private static ExternalCommand.Result run(URI readAndWatch, URI write) {
    return ExternalCommand.run(List.of(GoClientv3Test.binary("clientv3load").toAbsolutePath().toString(),
        readAndWatch.toString(), write.toString()), Map.of(), null, "", RUN_TIMEOUT);
  }
}
