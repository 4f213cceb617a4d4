package dev.etcdcache.testing;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.options.CompactOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real etcd cluster of one or more members for tests, demos and benchmarks: local etcd
 * processes on free loopback ports (or, when an image is asked for and Docker is available, a
 * single-member Testcontainers container).
 *
 * <pre>{@code
 * try (EtcdCluster etcd = EtcdCluster.builder().members(3).name("demo").build().start();
 *      Client client = etcd.newClient()) {
 *   client.getKVClient().put(key, value).get();
 *   etcd.member(etcd.leader()).kill();
 * }
 * }</pre>
 *
 * <p>Each member gets its own temporary data directory (deleted on {@link #close()}) and writes
 * its output to {@code <logDir>/<name>-<index>.log}. {@link #start()} returns once every member
 * answers {@code /health} as healthy, and fails with the log tail of a member that does not.
 * {@link #close()} ends every process this cluster started, by its own process handle; a JVM
 * shutdown hook does the same if the JVM exits first, so no etcd outlives the test run.
 *
 * <p>Thread-safe. Not restartable: after {@code close()} build a new cluster.
 */
public final class EtcdCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdCluster.class);
  private static final Duration SERVE_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(30);

  private final Builder config;
  private final Object lock = new Object();

  @GuardedBy("lock")
  private State state = State.NEW;

  /** Published once by start(); read without the lock. */
  private volatile List<EtcdMember> members = List.of();

  /** Every member process or container ever started; copy-on-write so the shutdown hook reads it lock-free. */
  private final List<MemberBackend> backends = new CopyOnWriteArrayList<>();

  /** Data directories of every member ever created, deleted on close. */
  private final List<Path> dataDirs = new CopyOnWriteArrayList<>();

  @GuardedBy("lock")
  private Thread shutdownHook;

  /** Used by compact(); created on first use, closed with the cluster. */
  @GuardedBy("lock")
  private Client internalClient;

  /** The members' network namespaces when built with networkNamespaces(); read by the shutdown hook. */
  private volatile PeerNetwork network;

  /** Set once by enableAuth(): then the cluster's own clients log in as root. */
  private volatile EtcdAuth auth;

  private enum State { NEW, STARTED, CLOSED }

  private EtcdCluster(Builder config) {
    this.config = config;
  }

  /** A builder with defaults: 1 member, name "etcd", logs under {@code target/etcd-logs}. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts every member and waits until all serve. Returns {@code this} for chaining.
   *
   * @throws EtcdUnavailableException if etcd is not installed (the message gives the install
   *     command) or a member does not start serving within 30 s
   * @throws IllegalStateException if already started or closed
   */
  public EtcdCluster start() {
    synchronized (lock) {
      if (state != State.NEW) {
        throw new IllegalStateException("cluster " + config.name + " is " + state);
      }
      state = State.STARTED;
      shutdownHook = new Thread(this::destroyForcibly, "etcd-cluster-shutdown-" + config.name);
      Runtime.getRuntime().addShutdownHook(shutdownHook);
      try {
        if (config.image != null && config.members == 1 && config.tls == null && !config.networkNamespaces
            && EtcdContainer.dockerAvailable()) {
          startContainer();
        } else {
          if (config.image != null) {
            LOG.info("etcd image {} requested for cluster {} but {}; using the local etcd binary", config.image,
                config.name, config.members == 1 ? "Docker is not available" : "containers are single-member only");
          }
          startProcesses();
        }
      } catch (RuntimeException | Error e) {
        closeLocked();
        throw e;
      }
      LOG.info("etcd cluster {} serving at {}", config.name, clientEndpoints());
      return this;
    }
  }

  /** The client URLs of all members, in member order. */
  public List<URI> clientEndpoints() {
    return members().stream().map(EtcdMember::clientEndpoint).collect(Collectors.toUnmodifiableList());
  }

  /** All members, in order. @throws IllegalStateException before {@link #start()} */
  public List<EtcdMember> members() {
    List<EtcdMember> current = members;
    if (current.isEmpty()) {
      throw new IllegalStateException("cluster " + config.name + " is not started");
    }
    return current;
  }

  /** Member {@code index} (from 0). @throws IndexOutOfBoundsException, IllegalStateException before start */
  public EtcdMember member(int index) {
    return members().get(index);
  }

  /** Number of members, as configured. */
  public int size() {
    return config.members;
  }

  /** This cluster's name, used for member names and log files. */
  public String name() {
    return config.name;
  }

  /**
   * The index of the current leader among running members, read from each member's
   * {@code etcd_server_is_leader} metric. Waits up to 30 s for an election in progress.
   *
   * @throws EtcdUnavailableException if no running member is leader within 30 s
   */
  public int leader() {
    long deadline = System.nanoTime() + OPERATION_TIMEOUT.toNanos();
    while (true) {
      for (EtcdMember member : members()) {
        if (member.isRunning()) {
          try {
            if (member.metrics().value("etcd_server_is_leader") == 1.0) {
              return member.index();
            }
          } catch (UncheckedIOException e) {
            // The member may be starting or dying; ask the others and retry.
          }
        }
      }
      if (System.nanoTime() - deadline > 0) {
        throw new EtcdUnavailableException("no leader in etcd cluster " + config.name + " within " + OPERATION_TIMEOUT);
      }
      sleep(100);
    }
  }

  /**
   * Compacts the key-value store at {@code revision} with physical compaction, and returns once etcd
   * has finished it: afterwards reads and watches below {@code revision} fail with etcd's
   * compaction error.
   *
   * @throws RuntimeException etcd's failure (a gRPC status exception, for example when the
   *     revision is already compacted or in the future), or an {@link EtcdUnavailableException}
   *     on timeout (30 s)
   */
  public void compact(long revision) {
    Client client;
    synchronized (lock) {
      if (internalClient == null) {
        internalClient = newClient();
      }
      client = internalClient;
    }
    try {
      client.getKVClient()
          .compact(revision, CompactOption.builder().withCompactPhysical(true).build())
          .get(OPERATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      LOG.info("compacted etcd cluster {} at revision {}", config.name, revision);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      throw new EtcdUnavailableException("compaction at " + revision + " failed", cause);
    } catch (TimeoutException e) {
      throw new EtcdUnavailableException("compaction at " + revision + " did not finish within " + OPERATION_TIMEOUT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdUnavailableException("interrupted while compacting", e);
    }
  }

  /**
   * A new jetcd client over all members' endpoints with the cluster's administrative identity (see
   * {@link #clientBuilder()}). The caller owns and closes it.
   */
  public Client newClient() {
    return clientBuilder().build();
  }

  /**
   * A new jetcd client over the given endpoints (for example a {@link FaultProxy}), with the
   * cluster's administrative identity. The caller closes it.
   */
  public Client newClient(URI... endpoints) {
    return withTls(Client.builder().endpoints(endpoints), adminCertificate()).build();
  }

  /**
   * A jetcd client builder preset with all members' endpoints and the cluster's administrative
   * identity: for a TLS cluster it trusts the test CA (and, with client-certificate auth,
   * presents a client certificate with CN {@code root}); once {@link #enableAuth()} ran, it logs
   * in as {@code root}. Add options before building.
   */
  public ClientBuilder clientBuilder() {
    ClientBuilder b = withTls(Client.builder().endpoints(clientEndpoints()), adminCertificate());
    EtcdAuth a = auth;
    if (a != null) {
      b.user(bytes(EtcdAuth.ROOT)).password(bytes(a.rootPassword()));
    }
    return b;
  }

  /**
   * A jetcd client builder that logs in as {@code user} with {@code password} (etcd issues a
   * token; jetcd renews it when etcd says it is invalid). For a TLS cluster it trusts the test CA
   * and, with client-certificate auth, presents a certificate with CN {@code user} (etcd prefers the
   * token over the certificate).
   */
  public ClientBuilder clientBuilder(String user, String password) {
    return withTls(Client.builder().endpoints(clientEndpoints()),
        tls() != null && tls().clientCertAuth() ? tls().certificates().client(user) : null)
        .user(bytes(user)).password(bytes(password));
  }

  /**
   * A jetcd client builder for a TLS cluster that presents {@code identity}'s certificate (under
   * client-certificate auth etcd takes its CN as the user) and trusts the test CA.
   *
   * @throws IllegalStateException if the cluster was not built with {@link Builder#tls}
   */
  public ClientBuilder clientBuilder(TestCertificates.Identity identity) {
    if (tls() == null) {
      throw new IllegalStateException("cluster " + config.name + " does not use TLS");
    }
    return withTls(Client.builder().endpoints(clientEndpoints()), identity);
  }

  /**
   * Turns etcd's auth on: adds user {@code root} (with a generated password) in role {@code root},
   * then enables auth. Afterwards this cluster's own clients ({@link #clientBuilder()},
   * {@link #compact}) log in as root. Call once.
   *
   * @return the handle to add users and grant or revoke their permissions
   */
  public EtcdAuth enableAuth() {
    synchronized (lock) {
      if (auth != null) {
        throw new IllegalStateException("auth already enabled on cluster " + config.name);
      }
      try (Client admin = newClient()) {
        auth = EtcdAuth.enable(admin, this);
      }
      if (internalClient != null) {
        internalClient.close();
        internalClient = null;
      }
      return auth;
    }
  }

  /** The TLS setup of this cluster's client URLs, or {@code null} for plain HTTP. */
  EtcdProcess.Tls tls() {
    return config.tls;
  }

  private TestCertificates.Identity adminCertificate() {
    EtcdProcess.Tls t = tls();
    if (t == null || !t.clientCertAuth()) {
      return null;
    }
    return t.certificates().client(EtcdAuth.ROOT);
  }

  private ClientBuilder withTls(ClientBuilder b, TestCertificates.Identity identity) {
    EtcdProcess.Tls t = tls();
    if (t == null) {
      return b;
    }
    try {
      return b.sslContext(ssl -> {
        ssl.trustManager(t.certificates().caFile().toFile());
        if (identity != null) {
          ssl.keyManager(identity.certFile().toFile(), identity.keyFile().toFile());
        }
      });
    } catch (javax.net.ssl.SSLException e) {
      throw new IllegalStateException("could not build a TLS context from " + t.certificates().directory(), e);
    }
  }

  static io.etcd.jetcd.ByteSequence bytes(String s) {
    return io.etcd.jetcd.ByteSequence.from(s, java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * Ends every member (SIGKILL: the data is thrown away anyway), waits for the processes to exit,
   * deletes the data directories and closes the internal client. Idempotent.
   */
  @Override
  public void close() {
    synchronized (lock) {
      closeLocked();
    }
  }

  @Override
  public String toString() {
    return "EtcdCluster[" + config.name + ", " + config.members + " members, " + members + "]";
  }

  // ---- machinery ----

  @GuardedBy("lock")
  private void startProcesses() {
    Path binary = EtcdBinary.locate(config.binary);
    if (config.networkNamespaces) {
      network = PeerNetwork.create(config.members);
    }
    LocalLauncher launcher = new LocalLauncher(config.name, config.members, config.logDir, config.etcdArgs,
        config.portAllocator, SERVE_TIMEOUT, config.tls, network);
    List<EtcdMember> started = launcher.start(binary, backends, dataDirs);
    if (network != null) {
      started = started.stream().map(m -> m.inNetwork(network)).toList();
    }
    members = started;
  }

  @GuardedBy("lock")
  private void startContainer() {
    EtcdContainer container = new EtcdContainer(config.image, memberName(0), config.logDir.resolve(memberName(0) + ".log"),
        config.etcdArgs, SERVE_TIMEOUT);
    backends.add(container);
    container.start();
    members = List.of(new EtcdMember(0, memberName(0), container, SERVE_TIMEOUT));
  }

  private String memberName(int index) {
    return config.name + "-" + index;
  }

  @GuardedBy("lock")
  private void closeLocked() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    if (internalClient != null) {
      internalClient.close();
      internalClient = null;
    }
    for (MemberBackend backend : backends) {
      try {
        backend.close();
      } catch (RuntimeException e) {
        LOG.warn("could not stop etcd member of cluster {}", config.name, e);
      }
    }
    for (Path dir : dataDirs) {
      deleteRecursively(dir);
    }
    if (network != null) {
      network.destroy(); // after the processes: a namespace lives on while a process runs in it
    }
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down: the hook runs (or ran) anyway.
      }
      shutdownHook = null;
    }
  }

  /** Runs in the shutdown hook: no lock, since a test thread may hold it while the JVM exits. */
  private void destroyForcibly() {
    for (MemberBackend backend : backends) {
      backend.destroyForcibly();
    }
    // Processes are gone (destroyForcibly waits briefly), so their data directories can go too.
    for (Path dir : dataDirs) {
      deleteRecursively(dir);
    }
    PeerNetwork n = network;
    if (n != null) {
      n.destroy();
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("could not delete etcd data directory {}", dir, e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdUnavailableException("interrupted while waiting for etcd", e);
    }
  }

  /**
   * Configures an {@link EtcdCluster}. Each setter validates at once and may be called once.
   * Not thread-safe; {@link #build()} copies the configuration.
   */
  public static final class Builder {
    private int members = 1;
    private boolean membersSet;
    private String name = "etcd";
    private boolean nameSet;
    private Path logDir = Path.of("target", "etcd-logs");
    private boolean logDirSet;
    private List<String> etcdArgs = List.of();
    private Path binary;
    private String image;
    private IntFunction<int[]> portAllocator = LocalLauncher::freePorts;
    private TestCertificates certificates;
    private boolean clientCertAuth;
    private EtcdProcess.Tls tls;
    private boolean networkNamespaces;

    private Builder() {}

    /** Number of members, 1 to 7 (default 1). Use an odd number to survive losing members. */
    public Builder members(int members) {
      checkOnce(membersSet, "members");
      if (members < 1 || members > 7) {
        throw new IllegalArgumentException("members must be 1..7, was " + members);
      }
      this.members = members;
      membersSet = true;
      return this;
    }

    /**
     * Cluster name (default "etcd"): members are named {@code <name>-<index>} and log to
     * {@code <logDir>/<name>-<index>.log}. Characters outside {@code [A-Za-z0-9._-]} become '_'.
     */
    public Builder name(String name) {
      checkOnce(nameSet, "name");
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      this.name = name.replaceAll("[^A-Za-z0-9._-]", "_");
      nameSet = true;
      return this;
    }

    /** Directory for member logs (default {@code target/etcd-logs}, relative to the working directory). */
    public Builder logDir(Path logDir) {
      checkOnce(logDirSet, "logDir");
      this.logDir = Objects.requireNonNull(logDir, "logDir");
      logDirSet = true;
      return this;
    }

    /**
     * Extra etcd flags for every member, appended after the ones the launcher sets, for example
     * {@code --experimental-watch-progress-notify-interval=1s}. Default none.
     */
    public Builder etcdArgs(String... args) {
      checkOnce(!etcdArgs.isEmpty(), "etcdArgs");
      for (String arg : args) {
        Objects.requireNonNull(arg, "etcdArgs element");
      }
      this.etcdArgs = List.copyOf(Arrays.asList(args));
      return this;
    }

    /**
     * The etcd executable. Default: the {@code ETCD_BIN} system property or environment variable,
     * else {@code etcd} on the PATH, else {@code /usr/bin/etcd}, {@code /usr/local/bin/etcd}.
     * A path that is not executable makes {@link EtcdCluster#start()} fail with install advice.
     */
    public Builder binary(Path binary) {
      checkOnce(this.binary != null, "binary");
      this.binary = Objects.requireNonNull(binary, "binary");
      return this;
    }

    /**
     * A Docker image, for example {@code gcr.io/etcd-development/etcd:v3.5.17}, to run a
     * single-member cluster with Testcontainers. Used only if Docker is available and
     * {@code members} is 1; otherwise the local binary is used and that choice is logged.
     * Container members cannot be restarted. Default: none (nothing touches Docker).
     */
    public Builder image(String image) {
      checkOnce(this.image != null, "image");
      Objects.requireNonNull(image, "image");
      if (image.isBlank()) {
        throw new IllegalArgumentException("image must not be blank");
      }
      this.image = image;
      return this;
    }

    /**
     * Serve clients over TLS with {@code certificates}' server certificate ({@code https://} client
     * URLs; etcd's {@code --cert-file}, {@code --key-file}); clients verify the server against
     * {@link TestCertificates#caFile()} and need no certificate of their own. Peers stay
     * on plain HTTP, and each member also serves {@code /health} and {@code /metrics} over plain
     * HTTP on a port of its own ({@code --listen-metrics-urls}), so {@link EtcdMember#metrics()}
     * needs no certificate. TLS clusters always run local processes. Default: plain HTTP.
     */
    public Builder tls(TestCertificates certificates) {
      checkOnce(this.certificates != null, "tls");
      this.certificates = Objects.requireNonNull(certificates, "certificates");
      return this;
    }

    /**
     * With {@link #tls}: etcd's {@code --client-cert-auth} and {@code --trusted-ca-file}, so clients must present a certificate
     * signed by the test CA, and with auth enabled a certificate's CN is the etcd user.
     */
    public Builder clientCertAuth() {
      checkOnce(clientCertAuth, "clientCertAuth");
      clientCertAuth = true;
      return this;
    }

    /**
     * Runs each member in a Linux network namespace of its own, so that a member can be cut off
     * from its peers ({@link EtcdMember#isolateFromPeers()}) while clients on the host still reach
     * its client URL ({@code http://10.x.y.z:2379}, an address of the member's own). Needs root and
     * iproute2's {@code ip}: without them {@link EtcdCluster#start()} fails with
     * {@link EtcdUnavailableException} (never a silent fallback). The namespaces are deleted on
     * {@link EtcdCluster#close()}, by the JVM shutdown hook, or, if the JVM was killed, by the next
     * cluster started with namespaces. Local processes only, plain HTTP only. Default: off (loopback
     * ports of the host).
     */
    public Builder networkNamespaces() {
      checkOnce(networkNamespaces, "networkNamespaces");
      networkNamespaces = true;
      return this;
    }

    /** Test seam: how ports are chosen (client, peer for each member), so the port-clash retry can be exercised. */
    Builder portAllocator(IntFunction<int[]> allocator) {
      this.portAllocator = Objects.requireNonNull(allocator, "allocator");
      return this;
    }

    /** A cluster with this configuration, not yet started. The builder may be reused. */
    public EtcdCluster build() {
      Builder copy = new Builder();
      copy.members = members;
      copy.name = name;
      copy.logDir = logDir;
      copy.etcdArgs = etcdArgs;
      copy.binary = binary;
      copy.image = image;
      copy.portAllocator = portAllocator;
      copy.networkNamespaces = networkNamespaces;
      if (networkNamespaces && certificates != null) {
        // The test certificates name 127.0.0.1 and localhost, not the namespaces' addresses.
        throw new IllegalStateException("networkNamespaces() serves plain HTTP only; it cannot be combined with tls()");
      }
      if (clientCertAuth && certificates == null) {
        throw new IllegalStateException("clientCertAuth needs tls(certificates)");
      }
      copy.tls = certificates == null ? null : new EtcdProcess.Tls(certificates, clientCertAuth);
      return new EtcdCluster(copy);
    }

    private static void checkOnce(boolean alreadySet, String what) {
      if (alreadySet) {
        throw new IllegalStateException(what + " was already set");
      }
    }
  }
}
