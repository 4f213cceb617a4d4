package dev.etcdcache.server;

import java.util.concurrent.CountDownLatch;

/**
 * The {@code cache-server} command: {@code java -jar cache-server-all.jar [flags]}, with the flags
 * of {@code etcd grpc-proxy start} ({@code --help} lists them). Runs until the JVM is told to stop
 * (SIGINT/SIGTERM), then shuts down cleanly. Exits with status 2 on a bad command line, 1 if the
 * server cannot start. {@code cache-server verify ...} compares a cache with etcd instead and exits
 * (see {@code VerifyCommand}).
 */
public final class Main {

  private Main() {}

  /** Starts the server and waits for shutdown. */
  public static void main(String[] args) throws InterruptedException {
    if (args.length > 0 && args[0].equals("verify")) {
      System.exit(VerifyCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
      return;
    }
    if (ServerFlags.wantsHelp(args)) {
      System.out.print(ServerFlags.usage());
      return;
    }
    ServerConfig config;
    try {
      config = ServerConfig.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("cache-server: " + e.getMessage());
      System.exit(2);
      return;
    }
    CacheServer server;
    try {
      server = CacheServer.start(config);
    } catch (RuntimeException e) {
      System.err.println("cache-server: cannot start: " + e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "cache-server-shutdown"));
    stopped.await();
  }
}
