package dev.etcdcache.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Linux network namespaces of one cluster whose members can be cut off from their peers while
 * clients on the host still reach them: a real peer partition, which a proxy in front of the
 * client URL cannot make (etcd's peer traffic does not go through it).
 *
 * <h2>Layout</h2>
 * Each member runs in a namespace of its own with two links:
 * <ul>
 *   <li>a <em>client</em> veth to the host: host side {@code 10.A.B.(4i+1)/30}, member side
 *       {@code 10.A.B.(4i+2)}, where etcd listens for clients; {@code A.B} is chosen per cluster
 *       among subnets the host does not route yet;</li>
 *   <li>a <em>peer</em> veth to a switch namespace holding a bridge: member side
 *       {@code 10.0.0.(i+1)/24}, where etcd listens for peers. The switch and peer subnet are
 *       private to the cluster's namespaces, so they never meet the host's or another run's.</li>
 * </ul>
 * {@link #isolate(int)} sets the switch's port of member {@code i} down: its peers lose it (and it
 * them) while its client link is untouched; {@link #heal(int)} sets it up again.
 *
 * <h2>Lifetime</h2>
 * Namespace names carry the creating JVM's PID ({@code etcdcache-<pid>-<seq>-...}); deleting them
 * deletes every link, since each link has an end inside one. {@link #destroy()} runs from the
 * cluster's {@code close()} and its shutdown hook; namespaces left by a JVM that died without
 * either (SIGKILL) are deleted by the next {@link #create}, once their PID is gone.
 *
 * <p>Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) and iproute2's {@code ip}; without them
 * {@link #create} fails with {@link EtcdUnavailableException} saying what is missing (a test that
 * asked for a partition must not silently run without one). Thread-safe: the commands are
 * independent and {@link #destroy()} is idempotent.
 */
final class PeerNetwork {
  private static final Logger LOG = LoggerFactory.getLogger(PeerNetwork.class);
  private static final String PREFIX = "etcdcache-";
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  /** The port etcd listens on for clients and for peers: each member has addresses of its own. */
  static final int CLIENT_PORT = 2379;
  static final int PEER_PORT = 2380;

  private final Path ip;
  private final String base;
  private final String subnet;
  private final int members;
  private volatile boolean destroyed;

  private PeerNetwork(Path ip, String base, String subnet, int members) {
    this.ip = ip;
    this.base = base;
    this.subnet = subnet;
    this.members = members;
  }

  /**
   * Creates the namespaces and links for {@code members} members.
   *
   * @throws EtcdUnavailableException if {@code ip} is missing or a namespace or link cannot be made
   */
  static PeerNetwork create(int members) {
    Path ip = locateIp();
    sweepAbandoned(ip);
    long pid = ProcessHandle.current().pid();
    int seq = SEQUENCE.incrementAndGet();
    PeerNetwork network = new PeerNetwork(ip, PREFIX + pid + "-" + seq, freeSubnet(ip), members);
    try {
      network.build(String.format("ec%06x%02x", pid & 0xffffff, seq & 0xff));
    } catch (RuntimeException e) {
      network.destroy();
      throw e;
    }
    LOG.info("network namespaces {}-* ready: clients reach members on {}.0/24, peers on a private bridge",
        network.base, network.subnet);
    return network;
  }

  /** The namespace member {@code index} runs in. */
  String namespace(int index) {
    return base + "-" + index;
  }

  /** The address clients on the host reach member {@code index} at. */
  String clientHost(int index) {
    return subnet + "." + (4 * index + 2);
  }

  /** The address member {@code index}'s peers reach it at (inside the cluster's namespaces only). */
  String peerHost(int index) {
    return "10.0.0." + (index + 1);
  }

  /** The command prefix that runs a program inside member {@code index}'s namespace. */
  List<String> launchPrefix(int index) {
    return List.of(ip.toString(), "netns", "exec", namespace(index));
  }

  /** Cuts member {@code index} off from every peer; its client link stays up. */
  void isolate(int index) {
    run("-n", switchNamespace(), "link", "set", "dev", "p" + index, "down");
    LOG.info("member {} of {} isolated from its peers", index, base);
  }

  /** Joins member {@code index} to its peers again. */
  void heal(int index) {
    run("-n", switchNamespace(), "link", "set", "dev", "p" + index, "up");
    LOG.info("member {} of {} rejoined its peers", index, base);
  }

  /** Deletes every namespace (and with them every link). Idempotent; never throws. */
  void destroy() {
    if (destroyed) {
      return;
    }
    destroyed = true;
    for (int i = 0; i < members; i++) {
      deleteNamespace(ip, namespace(i));
    }
    deleteNamespace(ip, switchNamespace());
  }

  private String switchNamespace() {
    return base + "-switch";
  }

  private void build(String hostLinkPrefix) {
    String sw = switchNamespace();
    run("netns", "add", sw);
    run("-n", sw, "link", "add", "name", "bridge0", "type", "bridge", "forward_delay", "0");
    run("-n", sw, "link", "set", "dev", "bridge0", "up");
    for (int i = 0; i < members; i++) {
      String ns = namespace(i);
      run("netns", "add", ns);
      run("-n", ns, "link", "set", "dev", "lo", "up");
      // Peer link: member side "peer" in the member's namespace, switch side "p<i>" on the bridge.
      run("link", "add", "name", "p" + i, "netns", sw, "type", "veth", "peer", "name", "peer", "netns", ns);
      run("-n", sw, "link", "set", "dev", "p" + i, "master", "bridge0");
      run("-n", sw, "link", "set", "dev", "p" + i, "up");
      run("-n", ns, "addr", "add", peerHost(i) + "/24", "dev", "peer");
      run("-n", ns, "link", "set", "dev", "peer", "up");
      // Client link: host side named for this cluster (host link names are global), member side "client".
      String hostSide = hostLinkPrefix + i;
      run("link", "add", "name", hostSide, "type", "veth", "peer", "name", "client", "netns", ns);
      run("addr", "add", subnet + "." + (4 * i + 1) + "/30", "dev", hostSide);
      run("link", "set", "dev", hostSide, "up");
      run("-n", ns, "addr", "add", clientHost(i) + "/30", "dev", "client");
      run("-n", ns, "link", "set", "dev", "client", "up");
    }
  }

  private void run(String... args) {
    run(ip, args);
  }

  private static String run(Path ip, String... args) {
    List<String> command = new ArrayList<>();
    command.add(ip.toString());
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new EtcdUnavailableException(String.join(" ", command) + " did not finish within 30 s");
      }
      if (p.exitValue() != 0) {
        throw new EtcdUnavailableException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): "
            + output.strip() + ". Network namespaces need root (CAP_NET_ADMIN and CAP_SYS_ADMIN) and iproute2.");
      }
      return output;
    } catch (IOException e) {
      throw new EtcdUnavailableException("could not run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdUnavailableException("interrupted running " + String.join(" ", command), e);
    }
  }

  private static void deleteNamespace(Path ip, String name) {
    try {
      run(ip, "netns", "delete", name);
    } catch (EtcdUnavailableException e) {
      LOG.debug("could not delete network namespace {}: {}", name, e.getMessage());
    }
  }

  /** A {@code 10.A.B} prefix no address or route of the host uses (A from 100, clear of common private ranges). */
  private static String freeSubnet(Path ip) {
    String inUse = run(ip, "-4", "route", "show", "table", "all") + run(ip, "-4", "-o", "addr", "show");
    for (int attempt = 0; attempt < 1000; attempt++) {
      String candidate = "10." + ThreadLocalRandom.current().nextInt(100, 251) + "."
          + ThreadLocalRandom.current().nextInt(0, 256);
      if (!inUse.contains(candidate + ".")) {
        return candidate;
      }
    }
    throw new EtcdUnavailableException("no free 10.x.y.0/24 subnet for the client links");
  }

  /** Deletes namespaces of earlier runs whose JVM is gone (one killed before its shutdown hook ran). */
  private static void sweepAbandoned(Path ip) {
    for (String line : run(ip, "netns", "list").split("\n")) {
      String name = line.strip().split("\\s+")[0];
      if (!name.startsWith(PREFIX)) {
        continue;
      }
      String[] parts = name.substring(PREFIX.length()).split("-");
      try {
        long owner = Long.parseLong(parts[0]);
        if (ProcessHandle.of(owner).map(h -> !h.isAlive()).orElse(true)) {
          LOG.info("deleting network namespace {} left by an ended test run", name);
          deleteNamespace(ip, name);
        }
      } catch (NumberFormatException e) {
        // Not one of ours.
      }
    }
  }

  /** iproute2's {@code ip}: on the PATH or in /usr/sbin, /sbin. */
  private static Path locateIp() {
    List<Path> candidates = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(":")) {
        if (!dir.isEmpty()) {
          candidates.add(Path.of(dir, "ip"));
        }
      }
    }
    candidates.add(Path.of("/usr/sbin/ip"));
    candidates.add(Path.of("/sbin/ip"));
    for (Path candidate : candidates) {
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new EtcdUnavailableException("network namespaces need iproute2's ip, which is not installed:"
        + " apt-get install -y iproute2 (scripts/test.sh does this)");
  }
}
