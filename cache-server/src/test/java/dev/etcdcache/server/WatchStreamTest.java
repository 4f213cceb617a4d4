package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.WatchCancelRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchProgressRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Watch stream protocol over raw gRPC, compared with the same stream opened on etcd: several
 * watches per stream, client-chosen IDs (and a duplicate), refused ranges, cancel, progress
 * requests, prev_kv and filters, compaction, replay from history, fragments.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class WatchStreamTest {

  /** Small enough that a replay of a dozen 55 KB values is fragmented. */
  private static final int MAX_REQUEST_BYTES = 65536;

  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.builder()
      .etcdArgs("--max-request-bytes=" + MAX_REQUEST_BYTES).build();

  private static ServerFixture fixture;
  private static KVGrpc.KVBlockingStub kv;

  @BeforeAll
  static void start() {
    fixture = new ServerFixture(etcd, c -> c.withMessageLimits(MAX_REQUEST_BYTES, ServerConfig.DEFAULT_MAX_RECV_BYTES));
    kv = KVGrpc.newBlockingStub(fixture.toEtcd);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    fixture.close();
  }

  @Test
  void watch_severalWatchesOneStream_sameResponsesAsEtcd() throws Exception {
    long futureStart = revision() + 4;
    compare(s -> {
      s.create(create("multi/a", ""));
      s.create(create("multi/", "multi0").toBuilder().setPrevKv(true).build());
      s.create(create("multi/m", "\0").toBuilder().addFilters(WatchCreateRequest.FilterType.NOPUT).build());
      s.create(MissingFields.withWatchId(create("multi/b", ""), 100));
      s.create(MissingFields.withWatchId(create("multi/c", ""), 100));
      s.create(create("multi/z", "multi/a"));
      s.create(create("multi/", "multi0").toBuilder().addFilters(WatchCreateRequest.FilterType.NODELETE).build());
      s.create(create("multi/", "multi0").toBuilder().setStartRevision(futureStart).build());
    }, 8, () -> {
      put("multi/a", "1");
      put("multi/b", "2");
      put("multi/n", "3");
      delete("multi/a");
      delete("multi/n");
      kv.txn(TxnRequest.newBuilder()
          .addSuccess(RequestOp.newBuilder().setRequestPut(put0("multi/x", "4")))
          .addSuccess(RequestOp.newBuilder().setRequestPut(put0("multi/y", "5"))).build());
    }, 8 + 11 + 3);
  }

  @Test
  void watch_cancelAndProgress_sameResponsesAsEtcd() throws Exception {
    compare(s -> {
      s.send(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
    }, 1, () -> { }, 1);
    compare(s -> {
      s.create(create("cancel/a", ""));
      s.create(create("cancel/b", ""));
    }, 2, () -> put("cancel/a", "1"), 3, s -> {
      s.send(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(0)).build());
      s.send(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(7)).build());
    }, 4, s -> {
      s.send(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
    }, 5);
  }

  @Test
  void watch_cancelRightAfterCreate_createdThenCanceledNothingAfter() throws Exception {
    compare(s -> {
      s.create(create("quick/a", ""));
      s.send(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(0)).build());
      s.create(MissingFields.withWatchId(create("quick/b", ""), 5));
      s.send(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(5)).build());
    }, 4, () -> {
      put("quick/a", "1");
      put("quick/b", "2");
    }, 4);
  }

  @Test
  void watch_fromCompactedRevision_canceledWithCompactRevision() throws Exception {
    for (int i = 0; i < 5; i++) {
      put("compacted/a", "v" + i);
    }
    long rev = revision();
    kv.compact(CompactionRequest.newBuilder().setRevision(rev - 1).setPhysical(true).build());
    ServerFixture.pause(Duration.ofMillis(500));
    compare(s -> s.create(create("compacted/a", "").toBuilder().setStartRevision(rev - 3).build()), 2, () -> { }, 2);
  }

  @Test
  void watch_fromPastRevisionWithPrevKv_replaysAsEtcd() throws Exception {
    long start = revision() + 1;
    put("replay/a", "1");
    put("replay/b", "2");
    put("replay/a", "3");
    delete("replay/b");
    ServerFixture.pause(Duration.ofMillis(300));
    compare(s -> s.create(create("replay/", "replay0").toBuilder().setStartRevision(start).setPrevKv(true).build()),
        2, () -> put("replay/c", "4"), 3);
  }

  @Test
  void watch_fragmentOnLargeReplay_splitAsEtcd() throws Exception {
    long start = revision() + 1;
    // etcd splits above --max-request-bytes + 512 KiB: 12 values of 55 KB (each put under 64 KiB).
    String big = "x".repeat(55_000);
    for (int i = 0; i < 12; i++) {
      put("fragment/" + i, big);
    }
    ServerFixture.pause(Duration.ofMillis(300));
    List<WatchResponse> fromServer = compare(
        s -> s.create(MissingFields.withFragment(create("fragment/", "fragment0").toBuilder().setStartRevision(start).build())),
        1, () -> { }, 3);
    assertThat(fromServer.stream().filter(MissingFields::fragment).count()).isGreaterThan(0);
  }

  // ---- machinery ----

  private interface Step {
    void run() throws Exception;
  }

  /** Runs the same stream on the server and on etcd, with writes between, and compares. */
  private List<WatchResponse> compare(Consumer<RecordedStream> open, int afterOpen, Step writes, int total)
      throws Exception {
    return compare(open, afterOpen, writes, total, s -> { }, total, s -> { }, total);
  }

  private List<WatchResponse> compare(Consumer<RecordedStream> open, int afterOpen, Step writes, int total,
      Consumer<RecordedStream> then, int afterThen) throws Exception {
    return compare(open, afterOpen, writes, total, then, afterThen, s -> { }, afterThen);
  }

  private List<WatchResponse> compare(Consumer<RecordedStream> open, int afterOpen, Step writes, int total,
      Consumer<RecordedStream> then, int afterThen, Consumer<RecordedStream> last, int afterLast) throws Exception {
    try (RecordedStream direct = new RecordedStream(fixture.toEtcd);
        RecordedStream cached = new RecordedStream(fixture.toServer)) {
      open.accept(direct);
      open.accept(cached);
      cached.awaitAsMuchAs(direct.await(afterOpen));
      writes.run();
      cached.awaitAsMuchAs(direct.await(total));
      then.accept(direct);
      List<WatchResponse> seen = direct.await(afterThen);
      then.accept(cached);
      cached.awaitAsMuchAs(seen);
      last.accept(direct);
      seen = direct.await(afterLast);
      last.accept(cached);
      cached.awaitAsMuchAs(seen);
      List<WatchResponse> expected = direct.settle(Duration.ofMillis(300));
      List<WatchResponse> actual = cached.settle(Duration.ofMillis(300));
      assertThat(cached.error()).isNull();
      // Compared with each watch's runs of events responses joined, on both sides: the server joins
      // the revisions of a watch it is behind on (as etcd does for a lagging watcher), which a
      // moment of CPU starvation on a test machine can cause; every byte else must be etcd's.
      List<WatchResponse> expectedRuns = RecordedStream.joinedRuns(expected);
      List<WatchResponse> actualRuns = RecordedStream.joinedRuns(actual);
      assertThat(describe(actualRuns)).isEqualTo(describe(expectedRuns));
      assertThat(byWatch(actualRuns)).isEqualTo(byWatch(expectedRuns));
      assertThat(RecordedStream.perRevision(actual)).isEqualTo(RecordedStream.perRevision(expected));
      return actual;
    }
  }

  /** Responses per watch ID in order (etcd promises no order between watches of a stream). */
  private static Map<Long, List<WatchResponse>> byWatch(List<WatchResponse> responses) {
    Map<Long, List<WatchResponse>> out = new LinkedHashMap<>();
    for (WatchResponse r : responses) {
      out.computeIfAbsent(r.getWatchId(), k -> new ArrayList<>()).add(r);
    }
    return out;
  }

  /** A short, readable form of the responses per watch (values by size), for assertion messages. */
  private static Map<Long, List<String>> describe(List<WatchResponse> responses) {
    Map<Long, List<String>> out = new LinkedHashMap<>();
    for (WatchResponse r : responses) {
      StringBuilder b = new StringBuilder("rev=" + r.getHeader().getRevision());
      b.append(r.getCreated() ? " created" : "").append(r.getCanceled() ? " canceled" : "")
          .append(r.getCompactRevision() != 0 ? " compact=" + r.getCompactRevision() : "")
          .append(r.getCancelReason().isEmpty() ? "" : " reason=" + r.getCancelReason())
          .append(MissingFields.fragment(r) ? " fragment" : "");
      r.getEventsList().forEach(e -> b.append(" [").append(e.getType()).append(' ').append(e.getKv().getKey().toStringUtf8())
          .append('@').append(e.getKv().getModRevision()).append(" value=").append(e.getKv().getValue().size())
          .append(e.hasPrevKv() ? " prev@" + e.getPrevKv().getModRevision() : "").append(']'));
      out.computeIfAbsent(r.getWatchId(), k -> new ArrayList<>()).add(b.toString());
    }
    return out;
  }

  private static WatchCreateRequest create(String key, String end) {
    return WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
        .setRangeEnd(end.equals("\0") ? ByteString.copyFrom(new byte[] {0}) : ByteString.copyFromUtf8(end)).build();
  }

  private static PutRequest put0(String key, String value) {
    return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build();
  }

  private static void put(String key, String value) {
    kv.put(put0(key, value));
  }

  private static void delete(String key) {
    kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build());
  }

  private static long revision() {
    return kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("x")).build()).getHeader().getRevision();
  }
}
