package dev.etcdcache.benchmarks.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * cache-server in its own JVM ({@link CacheServerChild} from the harness's own class path, started
 * with grpc-proxy's flags {@code --endpoints} and {@code --listen-addr=127.0.0.1:0}, default JVM
 * options as {@code scripts/cache-server.sh} uses), so that it owns its Netty event loops, heap and
 * GC the way grpc-proxy owns its process, and the load generator's work is never charged to it.
 * Ended by its PID on {@link #close()} (stdin closed, then {@link Process#destroy}, then forcibly)
 * and from a shutdown hook should the harness die first. Not thread-safe.
 */
final class CacheServerProcess implements AutoCloseable {

  private final Process process;
  private final BufferedReader out;
  private final Writer in;
  private final Thread hook;
  private int port;

  private CacheServerProcess(Process process) {
    this.process = process;
    this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
    this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
    this.hook = new Thread(process::destroyForcibly, "cache-server-reaper");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  static CacheServerProcess start(URI endpoint, Path logDir, List<String> jvmOptions) throws IOException {
    Files.createDirectories(logDir);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), CacheServerChild.class.getName(),
        "--endpoints=" + endpoint.getHost() + ":" + endpoint.getPort(), "--listen-addr=127.0.0.1:0"));
    Process p = new ProcessBuilder(command).redirectError(logDir.resolve("cache-server.log").toFile()).start();
    CacheServerProcess server = new CacheServerProcess(p);
    try {
      // JVM options may print first (a flight recording's start message): skip to the ready line.
      String line = server.out.readLine();
      for (int skipped = 0; line != null && !line.startsWith("ready ") && skipped < 20; skipped++) {
        System.err.println("cache-server child: " + line);
        line = server.out.readLine();
      }
      if (line == null || !line.startsWith("ready ")) {
        throw new IllegalStateException("cache-server child did not get ready (see " + logDir.resolve("cache-server.log")
            + "): " + line);
      }
      server.port = Integer.parseInt(line.substring("ready ".length()).trim());
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  int port() {
    return port;
  }

  long pid() {
    return process.pid();
  }

  /** The child's heap used after full GCs, in bytes. */
  long heapAfterGc() throws IOException {
    in.write("heap\n");
    in.flush();
    String line = out.readLine();
    if (line == null || !line.startsWith("heap ")) {
      throw new IllegalStateException("cache-server child answered " + line);
    }
    return Long.parseLong(line.substring(5).trim());
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException ignored) {
      // the child is gone already
    }
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
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
}
