package dev.etcdcache.server.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcd's own Go client, clientv3 3.4.23 from Debian's golang-etcd-server-dev, a client nobody
 * here wrote: {@code src/test/go/src/clientv3transcript} is built offline in GOPATH mode into
 * {@code target/go/} and run against the reference etcd and against the server (which advertises
 * its own URL). It covers KV with every read option, txn, watches under
 * {@code clientv3.WithRequireLeader} (history, live, created and progress notifications, cancel,
 * compacted), leases, {@code concurrency.NewSession}/{@code NewMutex}/{@code NewElection}, and
 * endpoint sync ({@code Client.Sync} and {@code AutoSyncInterval}): synced endpoints must stay on the
 * server's URL. The two transcripts must be equal; the program lists what it normalises.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GoClientv3Test {
  private static final Path GOPATH_ROOT = Path.of("src", "test", "go");
  private static final Path BINARY_DIR = Path.of("target", "go");
  private static final Path BINARY = BINARY_DIR.resolve("clientv3transcript");
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(4);
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);

  @RegisterExtension
  static final TwoSubjects subjects = new TwoSubjects();

  @BeforeAll
  static void buildOffline() {
    ExternalCommand.Result build = build(InstalledClients.go(), InstalledClients.debianGopath(), "clientv3transcript");
    assertThat(build.exitCode()).as("offline GOPATH build of the Go suite\n" + build.describe()).isZero();
    assertThat(BINARY).isExecutable();
  }

  @Test
  void transcript_throughServer_equalsTranscriptOnEtcd() {
    ExternalCommand.Result onReference = run(subjects.reference());
    ExternalCommand.Result onServer = run(subjects.server());

    Transcripts.save("GoClientv3Test", onReference.stdout(), onServer.stdout());
    assertThat(onReference.exitCode()).as(onReference.describe()).isZero();
    assertThat(onReference.stdout()).as("the program against plain etcd must run clean: " + onReference.describe())
        .doesNotContain("TIMEOUT").contains("endpoints after sync -> [<endpoint>]");
    assertThat(onServer.exitCode()).as(onServer.describe()).isZero();
    assertThat(onServer.stdout())
        .as("clientv3 transcript through the server (expected: the same program on the reference etcd)\nserver stderr: "
            + onServer.stderr())
        .isEqualTo(onReference.stdout());
  }

  /**
   * {@code GO111MODULE=off GOPATH=src/test/go:/usr/share/gocode go build <program>} into
   * {@code target/go/<program>}, with the module proxy off so that anything not in Debian's
   * sources fails instead of downloading.
   */
  static ExternalCommand.Result build(Path go, Path debianGopath, String program) {
    try {
      Files.createDirectories(BINARY_DIR);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> env = Map.of(
        "GO111MODULE", "off",
        "GOPATH", GOPATH_ROOT.toAbsolutePath() + ":" + debianGopath,
        "GOPROXY", "off",
        "GOFLAGS", "",
        "CGO_ENABLED", "0");
    return ExternalCommand.run(List.of(go.toString(), "build", "-o", binary(program).toAbsolutePath().toString(),
        program), env, null, "", BUILD_TIMEOUT);
  }

  /** Where {@link #build} puts {@code program}. */
  static Path binary(String program) {
    return BINARY_DIR.resolve(program);
  }

  private static ExternalCommand.Result run(URI endpoint) {
    return ExternalCommand.run(List.of(BINARY.toAbsolutePath().toString(), endpoint.toString()), Map.of(), null, "",
        RUN_TIMEOUT);
  }
}
