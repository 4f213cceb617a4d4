package dev.etcdcache.benchmarks.server;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Read-your-write through a proxy: {@code freshnessRounds} times, Put a key straight to etcd, and
 * as soon as etcd acknowledges, read the same key through the contender, first serializable, then
 * linearizable. An answer is stale when its kv's mod revision is older than the Put's revision (or
 * the key is missing). etcd's grpc-proxy caches serializable answers and invalidates them only for
 * writes that pass through it (etcd #14665); a linearizable read through cache-server must never be
 * stale. Not thread-safe.
 */
final class Freshness {

  /** One contender's stale answers out of {@code rounds} of each kind, and the largest revision lag seen. */
  record Outcome(Contender contender, int rounds, int staleSerializable, long maxLagSerializable,
      int staleLinearizable, long maxLagLinearizable, int errors) {}

  private final ServerBench bench;

  Freshness(ServerBench bench) {
    this.bench = bench;
  }

  Outcome run(Contender contender) {
    int rounds = bench.options().freshnessRounds();
    ByteString key = ByteString.copyFromUtf8("/fresh/" + contender.name().toLowerCase(Locale.ROOT));
    int staleSer = 0;
    int staleLin = 0;
    long lagSer = 0;
    long lagLin = 0;
    int errors = 0;
    try (Connections writer = Connections.open(bench.port(Contender.DIRECT), 1);
         Connections reader = Connections.open(bench.port(contender), 1)) {
      KVGrpc.KVBlockingStub put = KVGrpc.newBlockingStub(writer.get(0));
      KVGrpc.KVBlockingStub get = KVGrpc.newBlockingStub(reader.get(0));
      for (int i = 0; i < rounds; i++) {
        try {
          long revision = put.withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder().setKey(key)
              .setValue(ByteString.copyFromUtf8(Integer.toString(i))).build()).getHeader().getRevision();
          long ser = lag(get.withDeadlineAfter(10, TimeUnit.SECONDS)
              .range(RangeRequest.newBuilder().setKey(key).setSerializable(true).build()), revision);
          long lin = lag(get.withDeadlineAfter(10, TimeUnit.SECONDS)
              .range(RangeRequest.newBuilder().setKey(key).build()), revision);
          staleSer += ser > 0 ? 1 : 0;
          lagSer = Math.max(lagSer, ser);
          staleLin += lin > 0 ? 1 : 0;
          lagLin = Math.max(lagLin, lin);
        } catch (RuntimeException e) {
          errors++;
        }
      }
    }
    return new Outcome(contender, rounds, staleSer, lagSer, staleLin, lagLin, errors);
  }

  /** Revisions the answer lags behind {@code written}: 0 when fresh, the whole revision when the key is missing. */
  private static long lag(RangeResponse r, long written) {
    if (r.getKvsCount() == 0) {
      return written;
    }
    return Math.max(0, written - r.getKvs(0).getModRevision());
  }
}
