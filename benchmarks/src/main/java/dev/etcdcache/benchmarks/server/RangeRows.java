package dev.etcdcache.benchmarks.server;

import com.google.protobuf.ByteString;
import dev.etcdcache.demo.load.KeySet;
import io.etcd.jetcd.api.RangeRequest;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The Range rows: point Range serializable and linearizable on random keys, a prefix Range of 100
 * keys (a random namespace), and a Range of the first 10,000 keys, each at every connection count.
 * Within a cell the contenders run back to back against the same etcd, in an order rotated from
 * cell to cell, so drift in the machine's background load is spread over all of them. Before the
 * cells, every row runs unmeasured on every contender at 16 connections for {@code rowWarmup}. Not
 * thread-safe.
 */
final class RangeRows {

  /** One row of requests. */
  record Row(String name, int expectedKvs, Supplier<RangeRequest> request) {}

  /** One cell: a row at a connection count, every contender's outcome. */
  record Cell(Row row, int connections, Map<Contender, RangeLoop.Outcome> outcomes) {}

  private final ServerBench bench;
  private final KeySet keys;
  private final ByteString[] keyBytes;

  RangeRows(ServerBench bench, KeySet keys) {
    this.bench = bench;
    this.keys = keys;
    this.keyBytes = new ByteString[keys.count()];
    for (int i = 0; i < keys.count(); i++) {
      keyBytes[i] = ByteString.copyFrom(keys.key(i).getBytes());
    }
  }

  List<Row> rows() {
    ByteString[] namespaces = new ByteString[keys.namespaces()];
    for (int n = 0; n < namespaces.length; n++) {
      namespaces[n] = ByteString.copyFrom(keys.namespace(n).getBytes());
    }
    ByteString tenK = ByteString.copyFrom(keys.first10k().getBytes());
    ByteString tenKEnd = prefixEnd(tenK);
    return List.of(
        new Row("point Range, serializable", 1, () -> RangeRequest.newBuilder()
            .setKey(keyBytes[ThreadLocalRandom.current().nextInt(keyBytes.length)]).setSerializable(true).build()),
        new Row("point Range, linearizable", 1, () -> RangeRequest.newBuilder()
            .setKey(keyBytes[ThreadLocalRandom.current().nextInt(keyBytes.length)]).build()),
        new Row("prefix Range, 100 keys", KeySet.PER_NAMESPACE, () -> {
          ByteString ns = namespaces[ThreadLocalRandom.current().nextInt(namespaces.length)];
          return RangeRequest.newBuilder().setKey(ns).setRangeEnd(prefixEnd(ns)).build();
        }),
        new Row("Range of 10,000 keys", 10_000, () -> RangeRequest.newBuilder().setKey(tenK).setRangeEnd(tenKEnd)
            .build()));
  }

  /** Runs every row at every connection count; prints one line per cell. */
  List<Cell> run() throws InterruptedException {
    // A fresh JVM spends its first seconds in the JIT compiler (a first run measured cache-server's C2
    // thread at 30-65% of a core through the 1-connection cells), and grpc-proxy's cache starts empty:
    // every row runs unmeasured on every contender first, so each cell measures a warm steady state.
    for (Row row : rows()) {
      for (Contender c : Contender.values()) {
        try (Connections conns = Connections.open(bench.port(c), 16)) {
          new RangeLoop(conns, row.request(), row.expectedKvs()).run(java.time.Duration.ZERO,
              bench.options().rowWarmup(), RangeRows::noCounters, () -> Double.NaN);
        }
      }
    }
    List<Cell> cells = new java.util.ArrayList<>();
    int rotation = 0;
    for (Row row : rows()) {
      for (int n : bench.options().connections()) {
        Map<Contender, RangeLoop.Outcome> outcomes = new EnumMap<>(Contender.class);
        Contender[] all = Contender.values();
        for (int k = 0; k < all.length; k++) {
          Contender c = all[(k + rotation) % all.length];
          try (Connections conns = Connections.open(bench.port(c), n)) {
            outcomes.put(c, new RangeLoop(conns, row.request(), row.expectedKvs())
                .run(bench.options().warmup(), bench.options().window(), bench::counters,
                    () -> c == Contender.DIRECT ? Double.NaN : bench.cpuSeconds(c)));
          }
        }
        rotation++;
        Cell cell = new Cell(row, n, outcomes);
        cells.add(cell);
        say(cell);
      }
    }
    return cells;
  }

  private void say(Cell cell) {
    Map<Contender, RangeLoop.Outcome> o = cell.outcomes();
    StringBuilder b = new StringBuilder(String.format(java.util.Locale.ROOT, "    %-28s %2d conn:", cell.row().name(),
        cell.connections()));
    for (Map.Entry<Contender, RangeLoop.Outcome> e : new LinkedHashMap<>(o).entrySet()) {
      RangeLoop.Outcome x = e.getValue();
      b.append(String.format(java.util.Locale.ROOT, " | %s %,.0f/s p99 %.0f us (%d Range at etcd, %d err, cpu etcd %.1f"
          + " proxy %.1f client %.1f s)", e.getKey().label(), x.opsPerSecond(), x.p99Micros(), x.etcd().range(),
          x.errors() + x.wrong(), x.etcd().cpuSeconds(), x.proxyCpuSeconds(), x.clientCpuSeconds()));
    }
    bench.out().println(b);
  }

  private static dev.etcdcache.demo.load.EtcdCounters noCounters() {
    return new dev.etcdcache.demo.load.EtcdCounters(0, 0, 0, 0, 0);
  }

  /** etcd's prefix range end: the prefix with its last byte below 0xff incremented. */
  static ByteString prefixEnd(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0});
  }

}
