package dev.etcdcache.benchmarks.server;

import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * etcd's own {@code etcd grpc-proxy start} as a child process on a free loopback port, ended by
 * its PID ({@link Process#destroy}, then {@link Process#destroyForcibly}) on {@link #close()} and
 * from a shutdown hook should the harness die first. Its output goes to a log file.
 */
final class GrpcProxyProcess implements AutoCloseable {

  private final Process process;
  private final int port;
  private final Thread hook;

  private GrpcProxyProcess(Process process, int port) {
    this.process = process;
    this.port = port;
    this.hook = new Thread(process::destroyForcibly, "grpc-proxy-reaper");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Starts {@code etcd grpc-proxy start} in front of {@code endpoint} and waits until it answers a Range. */
  static GrpcProxyProcess start(Path etcdBinary, URI endpoint, Path logDir) throws IOException, InterruptedException {
    int port = freePort();
    Files.createDirectories(logDir);
    Path log = logDir.resolve("grpc-proxy.log");
    ProcessBuilder pb = new ProcessBuilder(List.of(etcdBinary.toString(), "grpc-proxy", "start",
        "--endpoints=" + endpoint.getHost() + ":" + endpoint.getPort(), "--listen-addr=127.0.0.1:" + port))
        .redirectErrorStream(true).redirectOutput(log.toFile());
    GrpcProxyProcess proxy = new GrpcProxyProcess(pb.start(), port);
    try {
      proxy.awaitServing();
    } catch (RuntimeException | InterruptedException e) {
      proxy.close();
      throw e;
    }
    return proxy;
  }

  int port() {
    return port;
  }

  long pid() {
    return process.pid();
  }

  /** The child's resident set in bytes, from {@code /proc/<pid>/status}; -1 if unreadable. */
  long rssBytes() {
    return ProcStatus.rssBytes(process.pid());
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
  }

  private void awaitServing() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("grpc-proxy exited with " + process.exitValue());
      }
      try (Connections c = Connections.open(port, 1)) {
        KVGrpc.newBlockingStub(c.get(0)).withDeadlineAfter(2, TimeUnit.SECONDS)
            .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("/")).setCountOnly(true).build());
        return;
      } catch (RuntimeException e) {
        last = e;
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("grpc-proxy not serving on port " + port + " within 30 s", last);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
