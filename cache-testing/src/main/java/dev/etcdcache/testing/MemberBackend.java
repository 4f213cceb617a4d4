package dev.etcdcache.testing;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * What runs one etcd member: a local process ({@link EtcdProcess}) or a container
 * ({@link EtcdContainer}). {@link EtcdMember} is the public face over it.
 */
interface MemberBackend {
  URI clientEndpoint();

  /** Where {@code /metrics} and {@code /health} answer over plain HTTP; the client URL unless TLS. */
  default URI metricsEndpoint() {
    return clientEndpoint();
  }

  Path logFile();

  boolean isRunning();

  /** PID of the most recently started process, also after it ended; empty for a container. */
  OptionalLong pid();

  void kill();

  void stop();

  /** Starts the member again on the same data and ports, and waits until it serves. */
  void restart(Duration serveTimeout);

  /**
   * Stops the member, replaces its data with {@code snapshot} ({@code etcdctl snapshot restore},
   * same name, peer URL, cluster and token), and starts it again on the same ports.
   */
  default void restoreSnapshot(Path etcdctl, Path snapshot, Duration serveTimeout) {
    throw new UnsupportedOperationException("restoring a snapshot is supported for local etcd processes only");
  }

  /** Forcibly ends the member and releases its resources; safe to call more than once. */
  void close();

  /** Last-resort cleanup from a JVM shutdown hook: must not take locks; waits at most a few seconds. */
  void destroyForcibly();
}
