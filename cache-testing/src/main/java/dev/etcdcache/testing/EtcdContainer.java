package dev.etcdcache.testing;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A single etcd member in a Testcontainers container. Only this class refers to Testcontainers,
 * and {@link EtcdCluster} reaches it only when an image was asked for, so a run without an image
 * never loads Docker classes or probes for a Docker engine.
 *
 * <p>Restart is not supported: Docker may publish a different host port after a restart, which
 * would break the promise that a member keeps its endpoint.
 */
final class EtcdContainer implements MemberBackend {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdContainer.class);
  private static final int CLIENT_PORT = 2379;

  private final String image;
  private final String name;
  private final Path logFile;
  private final List<String> extraArgs;
  private final Duration serveTimeout;
  private GenericContainer<?> container;
  /** Separate from this object's monitor: the log consumer thread writes while start() holds it. */
  private final Object logLock = new Object();
  private BufferedWriter log;

  EtcdContainer(String image, String name, Path logFile, List<String> extraArgs, Duration serveTimeout) {
    this.image = image;
    this.name = name;
    this.logFile = logFile;
    this.extraArgs = List.copyOf(extraArgs);
    this.serveTimeout = serveTimeout;
  }

  static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      LOG.info("Docker availability check failed: {}", e.toString());
      return false;
    }
  }

  synchronized void start() {
    List<String> command = new ArrayList<>(List.of("etcd",
        "--name=" + name,
        "--data-dir=/var/lib/etcd-data",
        "--listen-client-urls=http://0.0.0.0:" + CLIENT_PORT,
        "--advertise-client-urls=http://127.0.0.1:" + CLIENT_PORT,
        "--listen-peer-urls=http://0.0.0.0:2380",
        "--initial-advertise-peer-urls=http://127.0.0.1:2380",
        "--initial-cluster=" + name + "=http://127.0.0.1:2380",
        "--initial-cluster-state=new"));
    command.addAll(extraArgs);
    try {
      Files.createDirectories(logFile.toAbsolutePath().getParent());
      synchronized (logLock) {
        log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not open " + logFile, e);
    }
    container = new GenericContainer<>(DockerImageName.parse(image))
        .withExposedPorts(CLIENT_PORT)
        .withCommand(command.toArray(String[]::new))
        .withLogConsumer(frame -> writeLog(frame.getUtf8String()))
        .waitingFor(Wait.forHttp("/health").forPort(CLIENT_PORT).forStatusCode(200).withStartupTimeout(serveTimeout));
    try {
      container.start();
    } catch (RuntimeException e) {
      throw new EtcdUnavailableException("etcd container " + image + " did not start; see " + logFile, e);
    }
    LOG.info("started etcd container {} from {} at {}", name, image, clientEndpoint());
  }

  @Override
  public URI clientEndpoint() {
    return URI.create("http://" + container.getHost() + ":" + container.getMappedPort(CLIENT_PORT));
  }

  @Override
  public Path logFile() {
    return logFile;
  }

  @Override
  public synchronized boolean isRunning() {
    return container != null && container.isRunning();
  }

  @Override
  public OptionalLong pid() {
    return OptionalLong.empty();
  }

  @Override
  public synchronized void kill() {
    if (isRunning()) {
      container.getDockerClient().killContainerCmd(container.getContainerId()).exec();
    }
  }

  @Override
  public synchronized void stop() {
    if (isRunning()) {
      container.getDockerClient().stopContainerCmd(container.getContainerId()).exec();
    }
  }

  @Override
  public void restart(Duration timeout) {
    throw new UnsupportedOperationException("container-backed etcd members cannot be restarted; use the local binary");
  }

  @Override
  public synchronized void close() {
    if (container != null) {
      container.stop();
    }
    closeLog();
  }

  @Override
  public void destroyForcibly() {
    // Testcontainers' own reaper (Ryuk) removes containers when the JVM exits.
  }

  private void writeLog(String text) {
    synchronized (logLock) {
      writeLogLocked(text);
    }
  }

  private void writeLogLocked(String text) {
    try {
      if (log != null) {
        log.write(text);
        log.flush();
      }
    } catch (IOException e) {
      // Losing container log lines must not fail the test that the container serves.
    }
  }

  private void closeLog() {
    synchronized (logLock) {
      closeLogLocked();
    }
  }

  private void closeLogLocked() {
    try {
      if (log != null) {
        log.close();
        log = null;
      }
    } catch (IOException e) {
      // Best effort; the file is diagnostic only.
    }
  }
}
