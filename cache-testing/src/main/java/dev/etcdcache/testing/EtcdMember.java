package dev.etcdcache.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * One member of an {@link EtcdCluster}: its client endpoint, its process (or container), and
 * fault operations on it. A member keeps its data directory and ports across
 * {@link #kill()}/{@link #stop()} and {@link #restart()}, so clients configured with its endpoint
 * reach it again after a restart.
 *
 * <p>Thread-safe: lifecycle operations on one member are serialised. Obtain members from
 * {@link EtcdCluster#member(int)}; they are valid until the cluster is closed.
 */
public final class EtcdMember {
  private final int index;
  private final String name;
  private final MemberBackend backend;
  private final Duration serveTimeout;
  /** The cluster's network namespaces, or null when the member runs on the host's loopback. */
  private final PeerNetwork network;

  EtcdMember(int index, String name, MemberBackend backend, Duration serveTimeout) {
    this(index, name, backend, serveTimeout, null);
  }

  private EtcdMember(int index, String name, MemberBackend backend, Duration serveTimeout, PeerNetwork network) {
    this.index = index;
    this.name = name;
    this.backend = backend;
    this.serveTimeout = serveTimeout;
    this.network = network;
  }

  /** This member, running in {@code network}'s namespace {@link #index()}. */
  EtcdMember inNetwork(PeerNetwork network) {
    return new EtcdMember(index, name, backend, serveTimeout, network);
  }

  /** This member's position in its cluster, from 0. */
  public int index() {
    return index;
  }

  /** The etcd member name ({@code --name}), {@code <cluster name>-<index>}. */
  public String name() {
    return name;
  }

  /**
   * The client URL, {@code http://127.0.0.1:<port>} ({@code https} for a TLS cluster; the member's own
   * address in a cluster with network namespaces); unchanged by
   * restarts.
   */
  public URI clientEndpoint() {
    return backend.clientEndpoint();
  }

  /** The client URL as a socket address, for example to point a {@link FaultProxy} at it. */
  public InetSocketAddress clientAddress() {
    URI uri = clientEndpoint();
    return new InetSocketAddress(uri.getHost(), uri.getPort());
  }

  /** The file that receives this member's stdout and stderr, across restarts. */
  public Path logFile() {
    return backend.logFile();
  }

  /** Whether the member's process is alive (not whether it has a leader). */
  public boolean isRunning() {
    return backend.isRunning();
  }

  /**
   * PID of the member's most recently started process, present also after it ended; empty for
   * a container-backed member or before the first start.
   */
  public OptionalLong pid() {
    return backend.pid();
  }

  /** Ends the member with SIGKILL and waits until the process is gone. No-op if not running. */
  public void kill() {
    backend.kill();
  }

  /** Ends the member gracefully (SIGTERM, SIGKILL after 20 s) and waits. No-op if not running. */
  public void stop() {
    backend.stop();
  }

  /**
   * Stops the member if it runs, starts it again on the same data directory and ports, and waits
   * (up to 30 s) until it answers {@code /health} as healthy, which needs a quorum of the
   * cluster running.
   *
   * @throws EtcdUnavailableException if it exits or does not serve in time (message ends with
   *     its log tail)
   * @throws UnsupportedOperationException for a container-backed member
   */
  public void restart() {
    backend.restart(serveTimeout);
  }

  /**
   * Stops the member, replaces its data with an etcd snapshot file ({@code etcdctl snapshot
   * save}) through {@code etcdctl snapshot restore} — etcd goes back to the snapshot's revision,
   * as after an operator's restore from backup — and starts it on the same ports. Local members
   * of a one-member cluster only.
   *
   * @param etcdctl the etcdctl binary (Debian's {@code etcd-client})
   */
  public void restoreSnapshot(Path etcdctl, Path snapshot) {
    backend.restoreSnapshot(etcdctl, snapshot, serveTimeout);
  }

  /**
   * Cuts this member off from every peer, as a network partition does: its raft and peer traffic
   * to the other members is dropped both ways (it keeps running, with no leader after an election
   * timeout, and the rest elect one without it) while clients still reach its client URL. Undone
   * by {@link #rejoinPeers()}. Idempotent.
   *
   * @throws IllegalStateException unless the cluster was built with
   *     {@link EtcdCluster.Builder#networkNamespaces()}
   */
  public void isolateFromPeers() {
    requireNetwork().isolate(index);
  }

  /** Ends {@link #isolateFromPeers()}: the member reaches its peers again. Idempotent. */
  public void rejoinPeers() {
    requireNetwork().heal(index);
  }

  private PeerNetwork requireNetwork() {
    if (network == null) {
      throw new IllegalStateException("member " + name + " has no network namespace of its own:"
          + " build the cluster with EtcdCluster.builder().networkNamespaces()");
    }
    return network;
  }

  /**
   * The member's Prometheus metrics, {@code GET <client URL>/metrics} (for a TLS cluster, from the
   * member's plain-HTTP {@code --listen-metrics-urls} port), as text.
   *
   * @throws java.io.UncheckedIOException if the member does not answer within 10 s
   */
  public String metricsText() {
    try {
      return EtcdProcess.HttpText.get(backend.metricsEndpoint().resolve("/metrics"), Duration.ofSeconds(10));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("could not read metrics of etcd member " + name, e);
    }
  }

  /** The member's metrics, parsed; see {@link EtcdMetrics}. */
  public EtcdMetrics metrics() {
    return EtcdMetrics.parse(metricsText());
  }

  MemberBackend backend() {
    return backend;
  }

  @Override
  public String toString() {
    return "EtcdMember[" + name + " " + clientEndpoint() + (isRunning() ? " running" : " down") + "]";
  }
}
