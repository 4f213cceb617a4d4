package dev.etcdcache.testing;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One etcd member as a local OS process.
 *
 * <p>Concurrency: lifecycle methods are {@code synchronized}; {@link #process} is also volatile
 * so the JVM shutdown hook can destroy it without taking the lock (a test thread may hold the
 * lock while stuck waiting for the process).
 */
final class EtcdProcess implements MemberBackend {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdProcess.class);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

  /** Everything needed to (re)launch the member; fixed for its lifetime, so restart reuses ports and data. */
  record Spec(
      Path binary,
      String name,
      int clientPort,
      int peerPort,
      String initialCluster,
      String clusterToken,
      Path dataDir,
      Path logFile,
      List<String> extraArgs,
      Tls tls,
      int metricsPort,
      Placement placement) {
    Spec {
      extraArgs = List.copyOf(extraArgs);
    }

    /** A member on loopback addresses of the host. */
    Spec(Path binary, String name, int clientPort, int peerPort, String initialCluster, String clusterToken,
        Path dataDir, Path logFile, List<String> extraArgs, Tls tls, int metricsPort) {
      this(binary, name, clientPort, peerPort, initialCluster, clusterToken, dataDir, logFile, extraArgs, tls,
          metricsPort, Placement.LOOPBACK);
    }

    /** A plain-HTTP member (no TLS, health and metrics on the client URL). */
    Spec(Path binary, String name, int clientPort, int peerPort, String initialCluster, String clusterToken,
        Path dataDir, Path logFile, List<String> extraArgs) {
      this(binary, name, clientPort, peerPort, initialCluster, clusterToken, dataDir, logFile, extraArgs, null, 0);
    }

    URI clientUri() {
      return URI.create((tls == null ? "http" : "https") + "://" + placement.clientHost() + ":" + clientPort);
    }

    /** Where {@code /health} and {@code /metrics} answer over plain HTTP. */
    URI metricsUri() {
      return metricsPort == 0 ? clientUri() : URI.create("http://" + placement.clientHost() + ":" + metricsPort);
    }

    URI peerUri() {
      return URI.create("http://" + placement.peerHost() + ":" + peerPort);
    }
  }

  /**
   * Where a member runs: the addresses it serves clients and peers on, and the command prefix that
   * starts it there (empty on the host; {@code ip netns exec <namespace>} in a {@link PeerNetwork}).
   */
  record Placement(String clientHost, String peerHost, List<String> launchPrefix) {
    static final Placement LOOPBACK = new Placement("127.0.0.1", "127.0.0.1", List.of());

    Placement {
      launchPrefix = List.copyOf(launchPrefix);
    }
  }

  /**
   * TLS toward clients: etcd's {@code --cert-file}, {@code --key-file}, {@code --trusted-ca-file},
   * and {@code --client-cert-auth} when {@code clientCertAuth}. Peers stay on plain HTTP.
   */
  record Tls(TestCertificates certificates, boolean clientCertAuth) {}

  /** The process exited because one of its ports was taken between choosing and binding it. */
  static final class PortClashException extends EtcdUnavailableException {
    private static final long serialVersionUID = 1L;

    PortClashException(String message) {
      super(message);
    }
  }

  private final Spec spec;

  /** Written under the lock, read without it (see the class comment). */
  private volatile Process process;

  @GuardedBy("this")
  private long lastPid = -1;

  EtcdProcess(Spec spec) {
    this.spec = spec;
  }

  Spec spec() {
    return spec;
  }

  @Override
  public URI clientEndpoint() {
    return spec.clientUri();
  }

  @Override
  public URI metricsEndpoint() {
    return spec.metricsUri();
  }

  @Override
  public Path logFile() {
    return spec.logFile();
  }

  @Override
  public boolean isRunning() {
    Process p = process;
    return p != null && p.isAlive();
  }

  @Override
  public synchronized OptionalLong pid() {
    return lastPid < 0 ? OptionalLong.empty() : OptionalLong.of(lastPid);
  }

  /** Starts the process without waiting; the first launch truncates the log, later ones append. */
  synchronized void launch(boolean appendLog) {
    if (isRunning()) {
      throw new IllegalStateException("etcd member " + spec.name() + " is already running");
    }
    // In a network namespace, "ip netns exec" execs etcd itself: the process (and PID) is etcd's.
    List<String> command = new ArrayList<>(spec.placement().launchPrefix());
    command.add(spec.binary().toString());
    command.add("--name=" + spec.name());
    command.add("--data-dir=" + spec.dataDir());
    command.add("--listen-client-urls=" + spec.clientUri());
    command.add("--advertise-client-urls=" + spec.clientUri());
    command.add("--listen-peer-urls=" + spec.peerUri());
    command.add("--initial-advertise-peer-urls=" + spec.peerUri());
    command.add("--initial-cluster=" + spec.initialCluster());
    // Ignored by etcd once the data dir holds a WAL, so a restart with the same flags rejoins.
    command.add("--initial-cluster-state=new");
    command.add("--initial-cluster-token=" + spec.clusterToken());
    if (spec.tls() != null) {
      TestCertificates.Identity server = spec.tls().certificates().server();
      command.add("--cert-file=" + server.certFile());
      command.add("--key-file=" + server.keyFile());
      if (spec.tls().clientCertAuth()) {
        // etcd 3.4 demands a client certificate whenever --trusted-ca-file is set, so it goes
        // only with --client-cert-auth.
        command.add("--trusted-ca-file=" + spec.tls().certificates().caFile());
        command.add("--client-cert-auth");
      }
      // /health and /metrics on a plain-HTTP port, so the launcher needs no client certificate.
      command.add("--listen-metrics-urls=" + spec.metricsUri());
    }
    command.addAll(spec.extraArgs());
    try {
      Files.createDirectories(spec.logFile().toAbsolutePath().getParent());
      if (appendLog) {
        Files.writeString(spec.logFile(), "\n===== restart =====\n", StandardCharsets.UTF_8,
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
      }
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.redirectOutput(appendLog
          ? ProcessBuilder.Redirect.appendTo(spec.logFile().toFile())
          : ProcessBuilder.Redirect.to(spec.logFile().toFile()));
      // etcd reads ETCD_* variables as flags; an inherited ETCD_NAME or ETCD_DATA_DIR would clash.
      builder.environment().keySet().removeIf(k -> k.startsWith("ETCD_"));
      Process started = builder.start();
      process = started;
      lastPid = started.pid();
      LOG.debug("started etcd member {} pid {} client {} peer {}", spec.name(), lastPid, spec.clientUri(), spec.peerUri());
    } catch (IOException e) {
      throw new EtcdUnavailableException("could not start etcd member " + spec.name() + " with " + command, e);
    }
  }

  /**
   * Waits until the member answers {@code /health} with {@code "health":"true"} (it has a leader and
   * serves requests). Fails with the log tail if the process exits or the timeout passes.
   */
  void awaitServing(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Process p = process;
      if (p == null || !p.isAlive()) {
        String tail = logTail();
        String why = "etcd member " + spec.name() + " exited" + (p == null ? "" : " with code " + p.exitValue())
            + " before serving. Log " + spec.logFile() + " ends with:\n" + tail;
        if (tail.contains("address already in use")) {
          throw new PortClashException(why);
        }
        throw new EtcdUnavailableException(why);
      }
      if (isHealthy()) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new EtcdUnavailableException("etcd member " + spec.name() + " did not serve at " + spec.clientUri()
            + "/health within " + timeout + ". Log " + spec.logFile() + " ends with:\n" + logTail());
      }
      sleep(100);
    }
  }

  private boolean isHealthy() {
    try {
      String body = HttpText.get(spec.metricsUri().resolve("/health"), Duration.ofSeconds(2));
      return body.replace(" ", "").contains("\"health\":\"true\"");
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public synchronized void kill() {
    Process p = process;
    if (p != null && p.isAlive()) {
      // Process.destroyForcibly is SIGKILL on Unix: no chance for etcd to flush or step down.
      p.destroyForcibly();
      awaitExit(p);
      LOG.info("killed etcd member {} (pid {})", spec.name(), p.pid());
    }
  }

  @Override
  public synchronized void stop() {
    Process p = process;
    if (p != null && p.isAlive()) {
      p.destroy(); // SIGTERM: etcd shuts down gracefully (a leader transfers leadership first).
      if (!waitFor(p, STOP_TIMEOUT)) {
        LOG.warn("etcd member {} did not stop within {}, killing it", spec.name(), STOP_TIMEOUT);
        p.destroyForcibly();
        awaitExit(p);
      }
      LOG.info("stopped etcd member {} (pid {})", spec.name(), p.pid());
    }
  }

  @Override
  public synchronized void restart(Duration serveTimeout) {
    stop();
    launch(true);
    awaitServing(serveTimeout);
    LOG.info("restarted etcd member {} (pid {})", spec.name(), lastPid);
  }

  @Override
  public synchronized void restoreSnapshot(Path etcdctl, Path snapshot, Duration serveTimeout) {
    stop();
    try {
      deleteTree(spec.dataDir());
      List<String> command = List.of(etcdctl.toString(), "snapshot", "restore", snapshot.toString(),
          "--name=" + spec.name(), "--data-dir=" + spec.dataDir(), "--initial-cluster=" + spec.initialCluster(),
          "--initial-cluster-token=" + spec.clusterToken(), "--initial-advertise-peer-urls=" + spec.peerUri());
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().keySet().removeIf(k -> k.startsWith("ETCD"));
      Process restore = builder.start();
      String output = new String(restore.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!restore.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || restore.exitValue() != 0) {
        throw new EtcdUnavailableException("etcdctl snapshot restore failed: " + output);
      }
    } catch (IOException e) {
      throw new EtcdUnavailableException("could not restore " + snapshot + " into " + spec.dataDir(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdUnavailableException("interrupted restoring " + snapshot, e);
    }
    launch(true);
    awaitServing(serveTimeout);
    LOG.info("restored etcd member {} from {} (pid {})", spec.name(), snapshot, lastPid);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Override
  public synchronized void close() {
    Process p = process;
    if (p != null && p.isAlive()) {
      p.destroyForcibly();
      awaitExit(p);
    }
  }

  @Override
  public void destroyForcibly() {
    Process p = process;
    if (p != null) {
      p.destroyForcibly();
      waitFor(p, Duration.ofSeconds(5)); // bounded: this runs while the JVM is exiting
    }
  }

  /** The last lines of this member's log, for failure messages. */
  String logTail() {
    try {
      List<String> lines = Files.readAllLines(spec.logFile(), StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException | RuntimeException e) {
      return "(log " + spec.logFile() + " unreadable: " + e + ")";
    }
  }

  private void awaitExit(Process p) {
    if (!waitFor(p, STOP_TIMEOUT)) {
      LOG.warn("etcd member {} (pid {}) still alive {} after SIGKILL", spec.name(), p.pid(), STOP_TIMEOUT);
    }
  }

  private static boolean waitFor(Process p, Duration timeout) {
    try {
      return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !p.isAlive();
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

  /** Tiny HTTP GET over HttpURLConnection: no client threads left behind, unlike java.net.http. */
  static final class HttpText {
    private HttpText() {}

    static String get(URI uri, Duration timeout) throws IOException {
      HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
      connection.setConnectTimeout((int) timeout.toMillis());
      connection.setReadTimeout((int) timeout.toMillis());
      try {
        int status = connection.getResponseCode();
        InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
        String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        if (status != 200) {
          throw new IOException("GET " + uri + " returned " + status + ": " + body);
        }
        return body;
      } finally {
        connection.disconnect();
      }
    }
  }
}
