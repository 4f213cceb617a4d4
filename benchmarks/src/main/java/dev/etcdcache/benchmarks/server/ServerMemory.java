package dev.etcdcache.benchmarks.server;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Memory per client connection and per watch, as each contender's process sees it: opening
 * {@code memoryConnections} connections (each answers one Range), then {@code memoryWatches} watch
 * streams (one quiet prefix watch each, spread over those connections). cache-server (its own JVM)
 * is measured by heap used after full GCs, read through its {@link CacheServerProcess} (MemoryMXBean
 * in the child), and by its VmRSS; grpc-proxy and etcd by their VmRSS, which also counts Go garbage
 * not yet returned to the OS (a rough upper bound). Not thread-safe.
 */
final class ServerMemory {

  /** One contender's growth: bytes per connection and per watch, as measured for that contender. */
  record Growth(Contender contender, String measure, long connections, long watches, double bytesPerConnection,
      double bytesPerWatch, long createdWatches) {}

  /** Heap used after GC by a contender's process; -1 when not a JVM. */
  interface HeapProbe {
    long heapAfterGc() throws IOException;
  }

  private final ServerBench bench;
  private final CacheServerProcess server;

  ServerMemory(ServerBench bench, CacheServerProcess server) {
    this.bench = bench;
    this.server = server;
  }

  List<Growth> run() throws InterruptedException, IOException {
    List<Growth> out = new ArrayList<>();
    long[] etcd = measure(Contender.DIRECT, () -> -1);
    out.add(growth(Contender.DIRECT, "etcd RSS", etcd[3], etcd[4], etcd[5], etcd[6]));
    long[] proxy = measure(Contender.GRPC_PROXY, () -> -1);
    out.add(growth(Contender.GRPC_PROXY, "grpc-proxy RSS", proxy[3], proxy[4], proxy[5], proxy[6]));
    long[] cache = measure(Contender.CACHE_SERVER, server::heapAfterGc);
    out.add(growth(Contender.CACHE_SERVER, "cache-server heap after GC", cache[0], cache[1], cache[2], cache[6]));
    out.add(growth(Contender.CACHE_SERVER, "cache-server RSS", cache[3], cache[4], cache[5], cache[6]));
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
  private long[] measure(Contender contender, HeapProbe heap) throws InterruptedException, IOException {
    ServerOptions o = bench.options();
    long pid = bench.pids().get(contender);
    Thread.sleep(1000);
    long heap0 = heap.heapAfterGc();
    long rss0 = pid > 0 ? ProcStatus.rssBytes(pid) : -1;
    List<StreamObserver<WatchRequest>> streams = new ArrayList<>();
    try (Connections conns = Connections.open(bench.port(contender), o.memoryConnections())) {
      RangeRequest probe = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("/mem/probe"))
          .setSerializable(true).build();
      for (int i = 0; i < conns.size(); i++) {
        KVGrpc.newBlockingStub(conns.get(i)).withDeadlineAfter(30, TimeUnit.SECONDS).range(probe);
      }
      Thread.sleep(1000);
      long heap1 = heap.heapAfterGc();
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
      Thread.sleep(1000);
      long heap2 = heap.heapAfterGc();
      long rss2 = pid > 0 ? ProcStatus.rssBytes(pid) : -1;
      bench.out().printf(Locale.ROOT, "    %-13s heap %,d -> %,d -> %,d KiB; rss %,d -> %,d -> %,d KiB; %,d watches%n",
          contender.label(), heap0 >> 10, heap1 >> 10, heap2 >> 10, rss0 >> 10, rss1 >> 10, rss2 >> 10, made);
      for (StreamObserver<WatchRequest> s : streams) {
        s.onCompleted();
      }
      return new long[] {heap0, heap1, heap2, rss0, rss1, rss2, made};
    }
  }
}
