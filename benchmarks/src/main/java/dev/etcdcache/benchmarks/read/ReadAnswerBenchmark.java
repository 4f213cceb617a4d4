package dev.etcdcache.benchmarks.read;

import com.google.protobuf.ByteString;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.demo.load.Answers;
import dev.etcdcache.demo.load.BulkLoader;
import dev.etcdcache.demo.load.KeySet;
import dev.etcdcache.testing.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What a caller pays, in process, for a serializable read served from memory and read the way a
 * caller reads it ({@link Answers}: {@code getKvs()}, every key and value as bytes, the revision
 * fields): a point Get, a prefix List of 100 keys and one of 10,000, over the load harness's key set
 * (41-byte keys, 256-byte values) in a real local etcd. The harness measures the same reads end to
 * end with many callers; this isolates the cost per answer so that changes to how answers are
 * built can be compared (issue 17).
 *
 * <p>Three methods split the cost: {@link #read} (all of it), {@link #buildOnly} (the cache's part)
 * and {@link #consumeOnly} (the caller's part, which plain jetcd's callers pay too).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ReadAnswerBenchmark -f 2 -wi 3 -i 5 -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ReadAnswerBenchmark {

  private static final int KEYS = 20_000;
  private static final GetOption SERIALIZABLE = GetOption.builder().withSerializable(true).build();

  /** The read. */
  public enum Shape { POINT, LIST_100, LIST_10K }

  @Param({"POINT", "LIST_100", "LIST_10K"})
  Shape shape;

  private EtcdCluster etcd;
  private Client client;
  private CachingClient cache;
  private KV kv;
  private KeySet keys;
  private GetOption option;
  private final AtomicLong next = new AtomicLong();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    etcd = EtcdCluster.builder().members(1).name("read-answer-bench")
        .logDir(Path.of(System.getProperty("java.io.tmpdir"), "etcd-cache-read-answer-bench")).build().start();
    client = etcd.newClient();
    keys = new KeySet("/bench/answers/", KEYS);
    new BulkLoader(client.getKVClient(), new PrintStream(OutputStream.nullOutputStream()), "").load(keys);
    cache = CachingClient.builder(client).prefixes(keys.rootBytes()).build();
    if (!cache.awaitReady(Duration.ofSeconds(60))) {
      throw new IllegalStateException("cache not ready: " + cache.status());
    }
    kv = cache.getKVClient();
    option = shape == Shape.POINT ? SERIALIZABLE : GetOption.builder().withSerializable(true).isPrefix(true).build();
    buildAnswers();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    cache.close();
    client.close();
    etcd.close();
  }

  /** The whole cost: the cache builds the answer, the caller reads it. */
  @Benchmark
  public GetResponse read() {
    return Answers.consume(kv.get(nextKey(), option).join());
  }

  /** The cache's part alone: the answer built and handed over, not read. */
  @Benchmark
  public GetResponse buildOnly() {
    return kv.get(nextKey(), option).join();
  }

  /**
   * The caller's part alone: reading an answer that is already built (jetcd's {@code KeyValue}
   * and {@code ByteSequence} wrappers, the key and value copies {@code getBytes()} makes). A caller
   * of plain jetcd pays the same for the same answer, after the network; no cache can go below it
   * through jetcd's {@code GetResponse}.
   */
  @Benchmark
  public GetResponse consumeOnly() {
    RangeResponse built = built(nextKey());
    return Answers.consume(new GetResponse(built, ByteSequence.EMPTY));
  }

  private ByteSequence nextKey() {
    int i = (int) (next.getAndIncrement() & Integer.MAX_VALUE);
    return switch (shape) {
      case POINT -> keys.prebuiltKey(i % KEYS);
      case LIST_100 -> keys.namespace(i % keys.namespaces());
      case LIST_10K -> keys.first10k();
    };
  }

  /** The protobuf answers of every key this shape reads, built once, so consumeOnly reads them. */
  private final Map<ByteSequence, RangeResponse> builtAnswers = new HashMap<>();

  private RangeResponse built(ByteSequence key) {
    return builtAnswers.get(key);
  }

  private void buildAnswers() {
    int distinct = switch (shape) {
      case POINT -> KEYS;
      case LIST_100 -> keys.namespaces();
      case LIST_10K -> 1;
    };
    for (int i = 0; i < distinct; i++) {
      ByteSequence key = nextKey();
      GetResponse answer = kv.get(key, option).join();
      RangeResponse.Builder proto = RangeResponse.newBuilder().setCount(answer.getCount()).setMore(answer.isMore())
          .setHeader(ResponseHeader.newBuilder().setRevision(answer.getHeader().getRevision()));
      for (KeyValue kv : answer.getKvs()) {
        proto.addKvs(io.etcd.jetcd.api.KeyValue.newBuilder()
            .setKey(ByteString.copyFrom(kv.getKey().getBytes())).setValue(ByteString.copyFrom(kv.getValue().getBytes()))
            .setCreateRevision(kv.getCreateRevision()).setModRevision(kv.getModRevision())
            .setVersion(kv.getVersion()).setLease(kv.getLease()));
      }
      builtAnswers.put(key, proto.build());
    }
  }
}
