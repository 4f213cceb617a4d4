package dev.etcdcache.server.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * python-etcd3 0.12 (Debian's python3-etcd3, with its grpcio 1.51), a client nobody here wrote:
 * {@code src/test/python/etcd3_transcript.py} runs under Debian's {@code /usr/bin/python3} against
 * the reference etcd and against the server, and prints a transcript (KV with prefix/range/sort,
 * put_if_not_exists/replace, transactions, watches from history and live with prev_kv, cancel,
 * watch_once and the iterator API, leases, locks, a watch below the compaction, status and
 * members). The two transcripts must be equal; the script lists what it normalises.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PythonEtcd3Test {
  private static final Path SCRIPT = Path.of("src", "test", "python", "etcd3_transcript.py");
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);

  @RegisterExtension
  static final TwoSubjects subjects = new TwoSubjects();

  @Test
  void transcript_throughServer_equalsTranscriptOnEtcd() {
    Path python = InstalledClients.pythonWithEtcd3();
    assertThat(SCRIPT).as("the python suite, relative to the cache-server module").isRegularFile();

    ExternalCommand.Result onReference = run(python, subjects.reference());
    ExternalCommand.Result onServer = run(python, subjects.server());

    Transcripts.save("PythonEtcd3Test", onReference.stdout(), onServer.stdout());
    assertThat(onReference.exitCode()).as(onReference.describe()).isZero();
    assertThat(onReference.stdout()).as("the script against plain etcd must run clean: " + onReference.describe())
        .doesNotContain("FAILED").doesNotContain("TIMEOUT").doesNotContain("unexpected");
    assertThat(onServer.exitCode()).as(onServer.describe()).isZero();
    assertThat(onServer.stdout())
        .as("python-etcd3 transcript through the server (expected: the same script on the reference etcd)\nserver stderr: "
            + onServer.stderr())
        .isEqualTo(onReference.stdout());
  }

  private static ExternalCommand.Result run(Path python, URI endpoint) {
    // Debian's python, and nothing from a virtualenv or pyenv leaking in through the environment.
    Map<String, String> env = Map.of("PYTHONNOUSERSITE", "1", "PYTHONPATH", "", "PYTHONUNBUFFERED", "1");
    ExternalCommand.Result result = ExternalCommand.run(
        List.of(python.toString(), SCRIPT.toString(), endpoint.getHost(), String.valueOf(endpoint.getPort())),
        env, null, "", RUN_TIMEOUT);
    assertThat(Files.isRegularFile(SCRIPT)).isTrue();
    return result;
  }
}
