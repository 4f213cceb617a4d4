package dev.etcdcache.benchmarks.server;

import dev.etcdcache.server.CacheServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM {@link CacheServerProcess} starts: {@link CacheServer#start(String...)} with the
 * given grpc-proxy flags, then a line protocol on stdin/stdout for the harness: it prints
 * {@code ready <port>} once the mirror is ready; {@code heap} answers {@code heap <bytes>}, heap used
 * after full GCs; end of input or {@code exit} closes the server and exits. Warnings go to stderr.
 */
public final class CacheServerChild {

  private CacheServerChild() {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    try (CacheServer server = CacheServer.start(args)) {
      server.ready().get(2, TimeUnit.MINUTES);
      System.out.println("ready " + server.port());
      System.out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
      for (String line = in.readLine(); line != null && !line.equals("exit"); line = in.readLine()) {
        if (line.equals("heap")) {
          System.out.println("heap " + heapAfterGc());
          System.out.flush();
        }
      }
    }
    System.exit(0);
  }

  private static long heapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(300);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
