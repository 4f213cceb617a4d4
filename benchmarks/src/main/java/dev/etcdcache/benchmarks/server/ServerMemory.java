package dev.etcdcache.benchmarks.server;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.stub.StreamObserver;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Memory per client connection and per watch, as each contender's process sees it.
 *
 * <p>cache-server runs in the harness's JVM, so its cost is heap used after a full GC
 * ({@link java.lang.management.MemoryMXBean}) before and after opening {@code memoryConnections}
 * connections (each answers one Range) and then {@code memoryWatches} watch streams (one quiet
 * prefix watch each, spread over those connections). That delta also holds the harness's own client
 * side, so the same steps are first run against direct etcd (a separate process: the harness's heap
 * grows by the client side only) and that delta is subtracted. grpc-proxy and etcd are measured by
 * their resident set ({@code VmRSS}), which also counts Go's not yet returned garbage. Not
 * thread-safe.
 */
final class ServerMemory {

  /** One contender's growth: bytes per connection and per watch, as measured for that contender. */
  record Growth(Contender contender, String measure, long connections, long watches, double bytesPerConnection,
      double bytesPerWatch, long createdWatches) {}

  private final ServerBench bench;
  private final long proxyPid;

  ServerMemory(ServerBench bench, long proxyPid) {
    this.bench = bench;
    this.proxyPid = proxyPid;
  }

  /** Direct etcd (etcd's RSS and the harness's client-side heap), grpc-proxy (RSS), cache-server (heap, client side subtracted). */
  List<Growth> run() throws InterruptedException {
    List<Growth> out = new ArrayList<>();
    long etcdPid = bench.etcd().member(0).pid().orElse(-1);
    long[] client = measure(Contender.DIRECT, etcdPid);
    out.add(growth(Contender.DIRECT, "etcd RSS", client[3], client[4], client[5], client[6]));
    out.add(growth(Contender.DIRECT, "harness heap (client side only)", client[0], client[1], client[2], client[6]));
    long[] proxy = measure(Contender.GRPC_PROXY, proxyPid);
    out.add(growth(Contender.GRPC_PROXY, "grpc-proxy RSS", proxy[3], proxy[4], proxy[5], proxy[6]));
    long[] server = measure(Contender.CACHE_SERVER, -1);
    long connections = (server[1] - server[0]) - (client[1] - client[0]);
    long watches = (server[2] - server[1]) - (client[2] - client[1]);
    out.add(growth(Contender.CACHE_SERVER, "harness heap minus client side", 0, connections, connections + watches,
        server[6]));
    return out;
  }

  private Growth growth(Contender c, String measure, long before, long afterConnections, long afterWatches,
      long createdWatches) {
    ServerOptions o = bench.options();
    return new Growth(c, measure, o.memoryConnections(), o.memoryWatches(),
        (double) (afterConnections - before) / o.memoryConnections(),
        (double) (afterWatches - afterConnections) / Math.max(1, createdWatches), createdWatches);
  }

  /** {heap before, heap with connections, heap with watches, rss before, rss with connections, rss with watches, watches created}. */
  private long[] measure(Contender contender, long pid) throws InterruptedException {
    ServerOptions o = bench.options();
    long heap0 = heapAfterGc();
    long rss0 = pid > 0 ? ProcStatus.rssBytes(pid) : -1;
    List<StreamObserver<WatchRequest>> streams = new ArrayList<>();
    try (Connections conns = Connections.open(bench.port(contender), o.memoryConnections())) {
      RangeRequest probe = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("/mem/probe"))
          .setSerializable(true).build();
      for (int i = 0; i < conns.size(); i++) {
        KVGrpc.newBlockingStub(conns.get(i)).withDeadlineAfter(30, TimeUnit.SECONDS).range(probe);
      }
      long heap1 = heapAfterGc();
      long rss1 = pid > 0 ? ProcStatus.rssBytes(pid) : -1;
      ByteString prefix = ByteString.copyFromUtf8("/mem/" + contender.name().toLowerCase(Locale.ROOT) + "/");
      WatchRequest create = WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
          .setKey(prefix).setRangeEnd(RangeRows.prefixEnd(prefix))).build();
      CountDownLatch created = new CountDownLatch(o.memoryWatches());
      for (int w = 0; w < o.memoryWatches(); w++) {
        StreamObserver<WatchRequest> s = WatchGrpc.newStub(conns.get(w % conns.size())).watch(new StreamObserver<>() {
          @Override
          public void onNext(WatchResponse r) {
            if (r.getCreated()) {
              created.countDown();
            }
          }

          @Override
          public void onError(Throwable t) {
          }

          @Override
          public void onCompleted() {
          }
        });
        s.onNext(create);
        streams.add(s);
      }
      created.await(2, TimeUnit.MINUTES);
      long made = o.memoryWatches() - created.getCount();
      long heap2 = heapAfterGc();
      long rss2 = pid > 0 ? ProcStatus.rssBytes(pid) : -1;
      bench.out().printf(Locale.ROOT, "    %-13s heap %,d -> %,d -> %,d KiB; rss %,d -> %,d -> %,d KiB; %,d watches%n",
          contender.label(), heap0 >> 10, heap1 >> 10, heap2 >> 10, rss0 >> 10, rss1 >> 10, rss2 >> 10, made);
      for (StreamObserver<WatchRequest> s : streams) {
        s.onCompleted();
      }
      return new long[] {heap0, heap1, heap2, rss0, rss1, rss2, made};
    }
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
