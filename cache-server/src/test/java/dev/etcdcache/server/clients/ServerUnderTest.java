package dev.etcdcache.server.clients;

import java.io.IOException;
import java.io.UncheckedIOException;
import dev.etcdcache.server.CacheServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The second endpoint of every client suite: what stands where {@code etcd grpc-proxy start} would,
 * in front of a backend etcd. Which one is chosen by the system property {@code clients.subject}:
 *
 * <ul>
 *   <li>{@code server} (the default): cache-server's {@link CacheServer#start(String...)} in this JVM,
 *       with grpc-proxy's flags, once its mirror is ready;
 *   <li>{@code grpc-proxy}: the real {@code etcd grpc-proxy start} (the program cache-server replaces),
 *       to check that a suite's expectations hold for the original;
 *   <li>{@code etcd}: no proxy at all, the backend itself (to develop a suite).
 * </ul>
 *
 * <p>It listens on {@code 127.0.0.1:<free port>} and advertises {@code http://127.0.0.1:<port>}.
 */
final class ServerUnderTest implements AutoCloseable {
  static final String SUBJECT_PROPERTY = "clients.subject";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final String kind;
  private final URI endpoint;
  private final AutoCloseable running;

  private ServerUnderTest(String kind, URI endpoint, AutoCloseable running) {
    this.kind = kind;
    this.endpoint = endpoint;
    this.running = running;
  }

  /** Which subject the property selects. */
  static String kind() {
    return System.getProperty(SUBJECT_PROPERTY, "server");
  }

  /** Starts the selected subject in front of {@code backend} (a {@code http://host:port} client URL). */
  static ServerUnderTest start(URI backend, Path workDir) {
    return start(List.of(backend), workDir);
  }

  /** Starts the selected subject in front of the etcd members {@code backends} ("etcd": the first). */
  static ServerUnderTest start(List<URI> backends, Path workDir) {
    URI backend = backends.get(0);
    String kind = kind();
    switch (kind) {
      case "etcd":
        return new ServerUnderTest(kind, backend, () -> {});
      case "grpc-proxy":
        return startGrpcProxy(backends, workDir);
      case "server":
        return startCacheServer(backends);
      default:
        throw new IllegalArgumentException(SUBJECT_PROPERTY + " must be server, grpc-proxy or etcd, was " + kind);
    }
  }

  /** The client URL clients dial, {@code http://127.0.0.1:<port>}; also the advertised URL. */
  URI endpoint() {
    return endpoint;
  }

  /** "server", "grpc-proxy" or "etcd". */
  String subject() {
    return kind;
  }

  @Override
  public void close() throws Exception {
    running.close();
  }

  @Override
  public String toString() {
    return kind + "@" + endpoint;
  }

  // ---- the subjects ----

  private static List<String> proxyFlags(List<URI> backends, int port) {
    return List.of("--endpoints=" + backends.stream().map(b -> b.getHost() + ":" + b.getPort())
            .collect(java.util.stream.Collectors.joining(",")),
        "--listen-addr=127.0.0.1:" + port,
        "--advertise-client-url=http://127.0.0.1:" + port);
  }

  private static ServerUnderTest startCacheServer(List<URI> backend) {
    int port = freePort();
    CacheServer server = CacheServer.start(proxyFlags(backend, port).toArray(String[]::new));
    try {
      // Until its mirror is ready the server passes reads through to etcd: wait, so that the suites
      // exercise what it serves from the cache.
      server.ready().get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.close();
      throw new AssertionError("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      server.close();
      throw new AssertionError("cache-server in front of " + backend + " did not become ready within " + START_TIMEOUT, e);
    }
    awaitListening(port, null);
    return new ServerUnderTest("server", URI.create(server.clientUrl()), server::close);
  }

  private static ServerUnderTest startGrpcProxy(List<URI> backend, Path workDir) {
    int port = freePort();
    Path etcd = Path.of(System.getProperty("etcd.bin", "/usr/bin/etcd"));
    try {
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ExternalCommand proxy = ExternalCommand.start(
        ExternalCommand.commandLine(etcd.toString(), concat(List.of("grpc-proxy", "start"), proxyFlags(backend, port))),
        Map.of(), workDir);
    awaitListening(port, proxy);
    return new ServerUnderTest("grpc-proxy", URI.create("http://127.0.0.1:" + port), proxy::close);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }

  private static void awaitListening(int port, ExternalCommand process) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() - deadline < 0) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
        return;
      } catch (IOException e) {
        try {
          Thread.sleep(100);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted", ie);
        }
      }
    }
    String output = process == null ? "" : "\n" + process.stop().describe();
    throw new AssertionError("nothing listens on 127.0.0.1:" + port + " after " + START_TIMEOUT + output);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
