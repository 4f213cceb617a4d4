package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Watch fan-out encodes a revision's response once and writes the same bytes to every stream with
 * a watch of that shape ({@link SharedEncodings}). Streams that share a shape must each still get
 * exactly etcd's responses, and streams of other shapes (prev_kv, a filter, another watch_id, a
 * second watch on the stream, fragment) must never get a neighbour's bytes: every stream is
 * opened on the server and on etcd alike and compared response by response.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class WatchSharedEncodingTest {

  /** Small enough that a replay of a dozen 55 KB values is fragmented for a fragment watch. */
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
  void manyStreamsOfOneShape_andOfOtherShapes_eachGetEtcdsExactResponses() throws Exception {
    String big = "x".repeat(55_000);
    long bigStart = revision() + 1;
    for (int i = 0; i < 12; i++) {
      put("fan/big/" + i, big);
    }
    ServerFixture.pause(Duration.ofMillis(300));
    WatchCreateRequest plain = create("fan/", "fan0");
    WatchCreateRequest replay = plain.toBuilder().setStartRevision(bigStart).build();
    // Each entry is one stream's creates; the same shape repeats so that streams share encodings.
    List<List<WatchCreateRequest>> streams = List.of(
        List.of(plain), List.of(plain), List.of(plain),
        List.of(plain.toBuilder().setPrevKv(true).build()), List.of(plain.toBuilder().setPrevKv(true).build()),
        List.of(plain.toBuilder().addFilters(WatchCreateRequest.FilterType.NOPUT).build()),
        List.of(MissingFields.withWatchId(plain, 7)), List.of(MissingFields.withWatchId(plain, 7)),
        // watch 0 as the streams above, then watch 1 of the prev_kv shape
        List.of(plain, plain.toBuilder().setPrevKv(true).build()),
        // a replay of the big values: whole on one stream, fragmented on two
        List.of(replay), List.of(MissingFields.withFragment(replay)), List.of(MissingFields.withFragment(replay)));
    long reusedBefore = fixture.server.sharedWatchEncodings();
    List<RecordedStream> direct = new ArrayList<>();
    List<RecordedStream> cached = new ArrayList<>();
    try {
      for (List<WatchCreateRequest> creates : streams) {
        RecordedStream d = new RecordedStream(fixture.toEtcd);
        RecordedStream c = new RecordedStream(fixture.toServer);
        direct.add(d);
        cached.add(c);
        creates.forEach(d::create);
        creates.forEach(c::create);
      }
      for (int i = 0; i < streams.size(); i++) {
        int creates = streams.get(i).size();
        direct.get(i).await(l -> l.stream().filter(WatchResponse::getCreated).count() >= creates);
        cached.get(i).await(l -> l.stream().filter(WatchResponse::getCreated).count() >= creates);
      }
      put("fan/a", "1");
      put("fan/b", "2");
      put("fan/a", "3");
      delete("fan/b");
      kv.txn(TxnRequest.newBuilder()
          .addSuccess(RequestOp.newBuilder().setRequestPut(put0("fan/x", "4")))
          .addSuccess(RequestOp.newBuilder().setRequestPut(put0("fan/y", "5")))
          .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(
              DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("fan/a")))).build());
      put("other/z", "not watched");
      put("fan/c", "6");
      for (int i = 0; i < streams.size(); i++) {
        List<WatchResponse> expected = quiet(direct.get(i));
        RecordedStream c = cached.get(i);
        c.awaitAsMuchAs(expected);
        List<WatchResponse> actual = c.settle(Duration.ofMillis(200));
        assertThat(c.error()).as("stream %d", i).isNull();
        // Each watch's runs of events responses joined on both sides: a stream still writing a large
        // replay is behind, and the server joins the revisions that wait behind it, as etcd does
        // for a lagging watcher; every byte else must be etcd's.
        assertThat(byWatch(RecordedStream.joinedRuns(actual))).as("stream %d: %s", i, streams.get(i))
            .isEqualTo(byWatch(RecordedStream.joinedRuns(expected)));
        assertThat(RecordedStream.perRevision(actual)).as("stream %d", i).isEqualTo(RecordedStream.perRevision(expected));
      }
      assertThat(cached.get(10).responses().stream().filter(MissingFields::fragment).count())
          .as("the fragment watch's replay is split").isGreaterThan(0);
      assertThat(cached.get(9).responses().stream().filter(MissingFields::fragment).count())
          .as("the same replay without fragment is whole").isZero();
      assertThat(fixture.server.sharedWatchEncodings() - reusedBefore)
          .as("responses encoded once and sent on several streams").isGreaterThan(0);
    } finally {
      direct.forEach(RecordedStream::close);
      cached.forEach(RecordedStream::close);
    }
  }

  @Test
  void sharedEncoding_isTheResponseWithItsWatchIdSerialized_neverAnotherKeysBytes() throws Exception {
    SharedEncodings shared = new SharedEncodings();
    WatchResponse a = response("k", "v1", 10);
    WatchResponse sameContent = response("k", "v1", 10);
    WatchResponse b = response("k", "v2", 11);
    List<WatchResponse> sources = List.of(a, sameContent, b);
    for (int round = 0; round < 3; round++) {
      for (WatchResponse source : sources) {
        for (long id : new long[] {0, 1, 7, -1, Long.MAX_VALUE}) {
          EncodedWatchResponse e = shared.withWatchId(source, id);
          byte[] expected = source.toBuilder().setWatchId(id).build().toByteArray();
          assertThat(e.stream().readAllBytes()).isEqualTo(expected);
          assertThat(e.size()).isEqualTo(expected.length);
          assertThat(e.decode().getWatchId()).isEqualTo(id);
        }
      }
    }
    assertThat(shared.reused()).as("later rounds reuse the first round's encodings").isGreaterThan(0);
  }

  // ---- machinery ----

  private static WatchResponse response(String key, String value, long revision) {
    return WatchResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setClusterId(1).setMemberId(2).setRaftTerm(3).setRevision(revision))
        .addEvents(Event.newBuilder().setKv(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key))
            .setValue(ByteString.copyFromUtf8(value)).setModRevision(revision).setCreateRevision(revision).setVersion(1)))
        .build();
  }

  /** Waits until nothing more arrives on {@code s} for a moment; returns what it received. */
  private static List<WatchResponse> quiet(RecordedStream s) {
    int before;
    int after = -1;
    do {
      before = after;
      ServerFixture.pause(Duration.ofMillis(300));
      after = s.responses().size();
    } while (after != before);
    return s.responses();
  }

  /** Responses per watch ID in order (etcd promises no order between watches of a stream). */
  private static Map<Long, List<WatchResponse>> byWatch(List<WatchResponse> responses) {
    Map<Long, List<WatchResponse>> out = new LinkedHashMap<>();
    for (WatchResponse r : responses) {
      out.computeIfAbsent(r.getWatchId(), k -> new ArrayList<>()).add(r);
    }
    return out;
  }

  private static WatchCreateRequest create(String key, String end) {
    return WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setRangeEnd(ByteString.copyFromUtf8(end))
        .build();
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
