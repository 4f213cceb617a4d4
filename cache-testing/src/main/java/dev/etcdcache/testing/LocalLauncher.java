package dev.etcdcache.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts an {@link EtcdCluster}'s members as local etcd processes: chooses free loopback ports (or,
 * with a {@link PeerNetwork}, each member's own addresses in its namespace and etcd's usual ports),
 * creates one data directory per member, builds the shared {@code --initial-cluster}, launches all
 * members together and waits until each serves.
 *
 * <p>Ports are probed and released before etcd binds them, so another process can take one in
 * between; etcd then exits with "address already in use" and the whole start is retried on fresh
 * ports, a few times. Every process and data directory is handed to the cluster's sinks as soon as
 * it exists, so the cluster's shutdown hook and {@code close()} cover a start that fails halfway.
 *
 * <p>Used under the cluster's lock, by one thread at a time.
 */
final class LocalLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(LocalLauncher.class);
  private static final int START_ATTEMPTS = 5;

  private final String clusterName;
  private final int memberCount;
  private final Path logDir;
  private final List<String> etcdArgs;
  private final IntFunction<int[]> portAllocator;
  private final Duration serveTimeout;
  private final EtcdProcess.Tls tls;
  /** The members' network namespaces, or null to run them on loopback addresses of the host. */
  private final PeerNetwork network;

  LocalLauncher(String clusterName, int memberCount, Path logDir, List<String> etcdArgs,
      IntFunction<int[]> portAllocator, Duration serveTimeout, EtcdProcess.Tls tls, PeerNetwork network) {
    this.tls = tls;
    this.network = network;
    this.clusterName = clusterName;
    this.memberCount = memberCount;
    this.logDir = logDir;
    this.etcdArgs = List.copyOf(etcdArgs);
    this.portAllocator = portAllocator;
    this.serveTimeout = serveTimeout;
  }

  /**
   * Starts all members of {@code binary} and returns them once all serve.
   *
   * @param backends receives each process before it is launched, and loses it if the attempt is retried
   * @param dataDirs receives each data directory when created; the caller deletes them
   */
  List<EtcdMember> start(Path binary, List<MemberBackend> backends, List<Path> dataDirs) {
    for (int attempt = 1; ; attempt++) {
      List<EtcdProcess> processes = createProcesses(binary, dataDirs);
      backends.addAll(processes);
      try {
        for (EtcdProcess process : processes) {
          process.launch(false);
        }
        // Members of a multi-member cluster only become healthy together, once they elect a leader.
        for (EtcdProcess process : processes) {
          process.awaitServing(serveTimeout);
        }
        List<EtcdMember> members = new ArrayList<>();
        for (EtcdProcess process : processes) {
          members.add(new EtcdMember(members.size(), process.spec().name(), process, serveTimeout));
        }
        return List.copyOf(members);
      } catch (EtcdProcess.PortClashException e) {
        processes.forEach(EtcdProcess::close);
        backends.removeAll(processes);
        if (attempt == START_ATTEMPTS) {
          throw e;
        }
        LOG.info("port clash starting etcd cluster {} (attempt {}), retrying on new ports", clusterName, attempt);
      }
    }
  }

  private List<EtcdProcess> createProcesses(Path binary, List<Path> dataDirs) {
    // client, peer and, with TLS, a plain-HTTP metrics/health port per member
    int stride = tls == null ? 2 : 3;
    // In namespaces every member has addresses of its own, so etcd's usual ports never clash.
    int[] ports = network == null ? portAllocator.apply(stride * memberCount) : namespacePorts(stride);
    // A fresh token per attempt: members of an abandoned attempt must never be mistaken for peers.
    String token = clusterName + "-" + UUID.randomUUID();
    StringBuilder initialCluster = new StringBuilder();
    for (int i = 0; i < memberCount; i++) {
      initialCluster.append(i == 0 ? "" : ",").append(memberName(i)).append("=http://").append(placement(i).peerHost())
          .append(':').append(ports[stride * i + 1]);
    }
    List<EtcdProcess> processes = new ArrayList<>();
    for (int i = 0; i < memberCount; i++) {
      Path dataDir = createDataDir(i);
      dataDirs.add(dataDir);
      processes.add(new EtcdProcess(new EtcdProcess.Spec(binary, memberName(i), ports[stride * i],
          ports[stride * i + 1], initialCluster.toString(), token, dataDir, logDir.resolve(memberName(i) + ".log"),
          etcdArgs, tls, tls == null ? 0 : ports[stride * i + 2], placement(i))));
    }
    return processes;
  }

  private EtcdProcess.Placement placement(int index) {
    return network == null ? EtcdProcess.Placement.LOOPBACK
        : new EtcdProcess.Placement(network.clientHost(index), network.peerHost(index), network.launchPrefix(index));
  }

  private int[] namespacePorts(int stride) {
    int[] ports = new int[stride * memberCount];
    for (int i = 0; i < memberCount; i++) {
      ports[stride * i] = PeerNetwork.CLIENT_PORT;
      ports[stride * i + 1] = PeerNetwork.PEER_PORT;
      if (stride > 2) {
        ports[stride * i + 2] = PeerNetwork.PEER_PORT + 1;
      }
    }
    return ports;
  }

  private Path createDataDir(int index) {
    try {
      // createTempDirectory makes it 0700 on POSIX, which etcd insists on for its data dir.
      return Files.createTempDirectory("etcd-" + memberName(index) + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("could not create an etcd data directory", e);
    }
  }

  private String memberName(int index) {
    return clusterName + "-" + index;
  }

  /** {@code count} distinct free loopback ports, released again for etcd to bind. */
  static int[] freePorts(int count) {
    // Hold all sockets open together so the ports are distinct; start() retries if one is lost.
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("could not find free loopback ports", e);
    } finally {
      for (ServerSocket socket : sockets) {
        try {
          socket.close();
        } catch (IOException e) {
          // Nothing to do: the descriptor is released either way.
        }
      }
    }
  }
}
