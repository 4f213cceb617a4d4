package dev.etcdcache.benchmarks.server;

import com.google.protobuf.ByteString;
import dev.etcdcache.demo.load.EtcdCounters;
import dev.etcdcache.server.CacheServer;
import dev.etcdcache.server.ServerConfig;
import dev.etcdcache.testing.EtcdAuth;
import dev.etcdcache.testing.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.auth.Permission;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * What cache-server's per-caller permission checks cost on serializable point Ranges: the same
 * closed loop ({@link RangeLoop}, 64 connections) through one server, alternately with etcd's auth
 * disabled (no token, answered from the cache) and enabled (a token of a user with read on the
 * mirrored prefix, answered from the cache after {@code ReadPermissions} said yes). Prints one row
 * per window and the overhead of the auth rows against the auth-off rows. Reported, never asserted.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.etcdcache.benchmarks.server.AuthOverheadBench [seconds [rounds]]}
 */
public final class AuthOverheadBench {

  private static final int KEYS = 10_000;
  private static final int CONNECTIONS = 64;

  private AuthOverheadBench() {}

  public static void main(String[] args) throws Exception {
    Duration window = Duration.ofSeconds(args.length > 0 ? Integer.parseInt(args[0]) : 10);
    Duration warmup = Duration.ofSeconds(5);
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    try (EtcdCluster etcd = EtcdCluster.builder().name("auth-bench").logDir(Path.of("target", "etcd-logs"))
        .build().start()) {
      try (Client root = etcd.newClient()) {
        List<CompletableFuture<?>> puts = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
          puts.add(root.getKVClient().put(bs(key(i)), bs("v".repeat(100))));
          if (puts.size() == 500) {
            CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            puts.clear();
          }
        }
        CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      }
      try (CacheServer server = CacheServer.start(ServerConfig.defaults().withEndpoints(etcd.clientEndpoints())
          .withListen("127.0.0.1", 0).withPrefixes(List.of("bench/")))) {
        server.ready().orTimeout(60, TimeUnit.SECONDS).join();
        EtcdAuth auth = null;
        System.out.println("| window | mode | ops/s | p50 µs | p99 µs | errors | etcd Range RPCs |");
        System.out.println("|---|---|---|---|---|---|---|");
        double off = 0;
        double on = 0;
        for (int round = 1; round <= rounds; round++) {
          if (auth != null) {
            try (Client root = etcd.newClient()) {
              root.getAuthClient().authDisable().get(30, TimeUnit.SECONDS);
            }
            Thread.sleep(3_000); // the server's tokenless probe notices within a second
          }
          off += row(round, "auth disabled, no token", server.port(), null, etcd, warmup, window);
          if (auth == null) {
            auth = etcd.enableAuth();
            auth.addUser("reader", "reader-pw");
            auth.grantPrefix("reader", Permission.Type.READ, "bench/");
          } else {
            try (Client plain = Client.builder().endpoints(etcd.clientEndpoints()).build()) {
              plain.getAuthClient().authEnable().get(30, TimeUnit.SECONDS);
            }
          }
          Thread.sleep(3_000);
          on += row(round, "auth enabled, reader's token", server.port(), token(server.port()), etcd, warmup, window);
        }
        System.out.printf(Locale.ROOT, "%nauth-enabled throughput / auth-disabled throughput: %.3f (overhead %.1f%%)%n",
            on / off, 100 * (1 - on / off));
      }
    }
  }

  private static double row(int round, String mode, int port, String token, EtcdCluster etcd, Duration warmup,
      Duration window) throws InterruptedException {
    io.grpc.ClientInterceptor[] interceptors = new io.grpc.ClientInterceptor[0];
    if (token != null) {
      Metadata md = new Metadata();
      md.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
      interceptors = new io.grpc.ClientInterceptor[] {MetadataUtils.newAttachHeadersInterceptor(md)};
    }
    try (Connections connections = Connections.open(port, CONNECTIONS, interceptors)) {
      RangeLoop loop = new RangeLoop(connections, () -> RangeRequest.newBuilder()
          .setKey(ByteString.copyFromUtf8(key(ThreadLocalRandom.current().nextInt(KEYS)))).setSerializable(true)
          .build(), 1);
      RangeLoop.Outcome o = loop.run(warmup, window, () -> EtcdCounters.read(etcd.member(0).metrics()),
          () -> Double.NaN);
      System.out.printf(Locale.ROOT, "| %d | %s | %.0f | %.0f | %.0f | %d | %d |%n", round, mode, o.opsPerSecond(),
          o.p50Micros(), o.p99Micros(), o.errors() + o.wrong(), o.etcd().range());
      return o.opsPerSecond();
    }
  }

  private static String token(int port) {
    ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      return AuthGrpc.newBlockingStub(c).authenticate(AuthenticateRequest.newBuilder().setName("reader")
          .setPassword("reader-pw").build()).getToken();
    } finally {
      c.shutdownNow();
    }
  }

  private static String key(int i) {
    return String.format(Locale.ROOT, "bench/%06d", i);
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
