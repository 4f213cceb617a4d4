package dev.etcdcache.server.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.Predicate;

/**
 * The same etcdctl steps on the reference etcd and on the server, in lockstep (each step runs on
 * both before the next), so both see the same revisions. Each side's normalised transcript
 * accumulates; {@link #assertSameTranscripts()} compares them at the end of a test, so one
 * mismatch does not leave the two etcds out of step for later steps.
 */
final class EtcdctlPair {
  private final Etcdctl reference;
  private final Etcdctl server;
  private final StringBuilder referenceTranscript = new StringBuilder();
  private final StringBuilder serverTranscript = new StringBuilder();
  private final String name;

  EtcdctlPair(TwoSubjects subjects) {
    this.name = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
        .walk(frames -> frames.skip(1).findFirst().map(f -> f.getDeclaringClass().getSimpleName() + "." + f.getMethodName())
            .orElse("unknown"));
    this.reference = new Etcdctl(subjects.reference(), subjects.reference());
    this.server = new Etcdctl(subjects.server(), subjects.backend());
  }

  Etcdctl reference() {
    return reference;
  }

  Etcdctl server() {
    return server;
  }

  /** Runs {@code etcdctl args...} on both, records both transcripts, and returns the server's. */
  String step(String... args) {
    return stepWithInput("", args);
  }

  /** As {@link #step}, with {@code stdin} (for {@code txn -i}). */
  String stepWithInput(String stdin, String... args) {
    String onReference = reference.transcript(stdin, args);
    String onServer = server.transcript(stdin, args);
    referenceTranscript.append(onReference);
    serverTranscript.append(onServer);
    return onServer;
  }

  /** Records a text on both sides (for results a test derives itself, such as a watch's output). */
  void record(String onReference, String onServer) {
    referenceTranscript.append(onReference);
    serverTranscript.append(onServer);
  }

  /**
   * Starts a long-running etcdctl (watch) on both, runs {@code between} (writes, on both), then
   * collects each side's stdout until {@code done} holds or {@code timeout} passes, stops both, and
   * records the normalised stdout and kept stderr.
   */
  void collect(String[] args, Runnable between, Predicate<String> done, Duration timeout) {
    try (ExternalCommand onReference = reference.start(args); ExternalCommand onServer = server.start(args)) {
      between.run();
      onReference.awaitStdout(done, timeout);
      onServer.awaitStdout(done, timeout);
      record(reference.transcript(onReference.stop()), server.transcript(onServer.stop()));
    }
  }

  /** The two transcripts must be equal. Both are kept under target/client-transcripts/ to read. */
  void assertSameTranscripts() {
    Transcripts.save(name, referenceTranscript.toString(), serverTranscript.toString());
    assertThat(serverTranscript.toString())
        .as("etcdctl transcript through the server (expected: the same steps on the reference etcd)")
        .isEqualTo(referenceTranscript.toString());
  }
}
