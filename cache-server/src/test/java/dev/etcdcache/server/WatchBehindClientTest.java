package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchProgressRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that stops reading its Watch stream falls behind; the server then sends it the events
 * of consecutive revisions in one response (as etcd does for a lagging watcher) instead of one
 * response per revision. What the client receives must still be exactly etcd's event stream: every
 * event once, in order, no revision split across responses, header revisions never going back,
 * and a progress notification after every event at or below its revision.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class WatchBehindClientTest {

  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.builder().build();

  private static ServerFixture fixture;
  private static KVGrpc.KVBlockingStub kv;

  @BeforeAll
  static void start() {
    fixture = new ServerFixture(etcd);
    kv = KVGrpc.newBlockingStub(fixture.toEtcd);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    fixture.close();
  }

  @Test
  void clientThatStallsReading_getsEtcdsEventsOnceInOrder_inFewerResponsesThanRevisions() throws Exception {
    URI url = URI.create(fixture.server.clientUrl());
    // A small HTTP/2 window and no reads: the server's writes stop after 16 KiB, its stream backs up.
    ManagedChannel slow = NettyChannelBuilder.forAddress(url.getHost(), url.getPort()).usePlaintext()
        .flowControlWindow(16 * 1024).maxInboundMessageSize(Integer.MAX_VALUE).build();
    StalledStream stalled = new StalledStream();
    StreamObserver<WatchRequest> requests = WatchGrpc.newStub(slow).watch(stalled);
    WatchCreateRequest create = WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("lag/"))
        .setRangeEnd(ByteString.copyFromUtf8("lag0")).setPrevKv(true).build();
    try (RecordedStream direct = new RecordedStream(fixture.toEtcd)) {
      direct.create(create);
      direct.await(1);
      requests.onNext(WatchRequest.newBuilder().setCreateRequest(create).build());
      stalled.awaitCount(1); // the created response, the only message asked for so far
      long joinedBefore = fixture.server.joinedWatchResponses();

      String value = "v".repeat(500);
      int revisions = 0;
      int events = 0;
      for (int i = 0; i < 300; i++) {
        if (i % 10 == 0) { // some revisions with two events
          kv.txn(TxnRequest.newBuilder()
              .addSuccess(RequestOp.newBuilder().setRequestPut(put("lag/a" + i, value)))
              .addSuccess(RequestOp.newBuilder().setRequestPut(put("lag/b" + i, value))).build());
          events += 2;
        } else {
          kv.put(put("lag/k" + (i % 40), value + i));
          events++;
        }
        revisions++;
      }
      int expectedEvents = events;
      List<Event> expected = flatten(direct.await(l -> flatten(l).size() >= expectedEvents));
      assertThat(expected).hasSize(expectedEvents);

      Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
          .until(() -> fixture.server.joinedWatchResponses() > joinedBefore);
      requests.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
      stalled.readAll();
      List<WatchResponse> got = stalled.awaitUntil(l -> flatten(l).size() >= expectedEvents
          && l.stream().anyMatch(r -> r.getWatchId() == -1));
      assertThat(stalled.error).isNull();

      List<WatchResponse> eventResponses = got.stream().filter(r -> r.getEventsCount() > 0).toList();
      assertThat(eventResponses.size()).as("responses for %d revisions", revisions).isLessThan(revisions);
      assertThat(bytes(flatten(got))).as("the flattened event stream is etcd's, byte for byte")
          .isEqualTo(bytes(expected));
      long lastRevision = 0;
      long lastHeader = 0;
      for (WatchResponse r : got.subList(1, got.size())) {
        assertThat(r.getHeader().getRevision()).as("header revisions never go back").isGreaterThanOrEqualTo(lastHeader);
        lastHeader = r.getHeader().getRevision();
        if (r.getWatchId() == -1) {
          assertThat(r.getHeader().getRevision()).as("progress after every event at or below it")
              .isGreaterThanOrEqualTo(lastRevision);
          continue;
        }
        assertThat(r.getEvents(0).getKv().getModRevision()).as("a revision is never split across responses")
            .isGreaterThan(lastRevision);
        lastRevision = r.getEvents(r.getEventsCount() - 1).getKv().getModRevision();
        assertThat(r.getHeader().getRevision()).isGreaterThanOrEqualTo(lastRevision);
      }
    } finally {
      requests.onError(new RuntimeException("test done"));
      slow.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void joinedResponse_isTheResponseWithAllEventsUnderTheLastHeader_byteForByte() throws Exception {
    List<WatchResponse> parts = List.of(response(7, 10, "a"), response(7, 11, "b", "c"), response(7, 12, "d"));
    List<EncodedWatchResponse> encoded = parts.stream().map(EncodedWatchResponse::of).toList();
    WatchResponse.Builder expected = parts.get(2).toBuilder().clearEvents();
    parts.forEach(p -> expected.addAllEvents(p.getEventsList()));
    byte[] expectedBytes = expected.build().toByteArray();
    assertThat(EncodedWatchResponse.joined(encoded).stream().readAllBytes()).isEqualTo(expectedBytes);
    assertThat(EncodedWatchResponse.joinedSize(encoded)).isEqualTo(expectedBytes.length);

    PendingResponse pending = new PendingResponse(encoded.get(0));
    assertThat(pending.tryJoin(encoded.get(1), PendingResponse.MAX_BYTES)).isTrue();
    assertThat(pending.tryJoin(encoded.get(2), PendingResponse.MAX_BYTES)).isTrue();
    assertThat(pending.size()).isEqualTo(expectedBytes.length);
    assertThat(pending.encoded().stream().readAllBytes()).isEqualTo(expectedBytes);

    // Never joined: another watch, a response without events, a created response, a fragment,
    // or past the size limit.
    PendingResponse other = new PendingResponse(encoded.get(0));
    assertThat(other.tryJoin(EncodedWatchResponse.of(response(8, 11, "x")), PendingResponse.MAX_BYTES)).isFalse();
    assertThat(other.tryJoin(EncodedWatchResponse.of(response(7, 11)), PendingResponse.MAX_BYTES)).isFalse();
    assertThat(other.tryJoin(EncodedWatchResponse.of(response(7, 11, "x").toBuilder().setCreated(true).build()),
        PendingResponse.MAX_BYTES)).isFalse();
    assertThat(other.tryJoin(EncodedWatchResponse.of(
        MissingFields.setFragment(response(7, 11, "x").toBuilder(), true).build()), PendingResponse.MAX_BYTES)).isFalse();
    assertThat(other.tryJoin(EncodedWatchResponse.alone(response(7, 11, "x")), PendingResponse.MAX_BYTES)).isFalse();
    assertThat(other.tryJoin(encoded.get(1), encoded.get(0).size() + encoded.get(1).eventsSize())).isFalse();
    assertThat(new PendingResponse(EncodedWatchResponse.of(response(0, 11, "x")))
        .tryJoin(EncodedWatchResponse.of(response(0, 12, "y")), PendingResponse.MAX_BYTES))
        .as("watch 0 (watch_id not written)").isTrue();
  }

  // ---- machinery ----

  /** A Watch response observer that receives only what it is asked for (flow control by hand). */
  private static final class StalledStream implements ClientResponseObserver<WatchRequest, WatchResponse> {
    private final List<WatchResponse> received = new ArrayList<>();
    private ClientCallStreamObserver<WatchRequest> call;
    private volatile Throwable error;

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
      call = requestStream;
      requestStream.disableAutoRequestWithInitial(1);
    }

    void readAll() {
      call.request(Integer.MAX_VALUE);
    }

    @Override
    public synchronized void onNext(WatchResponse value) {
      received.add(value);
      notifyAll();
    }

    @Override
    public synchronized void onError(Throwable t) {
      error = t;
      notifyAll();
    }

    @Override
    public void onCompleted() {
    }

    void awaitCount(int n) throws InterruptedException {
      awaitUntil(l -> l.size() >= n);
    }

    /** Waits (hang guard: 120 s) until what arrived satisfies {@code done}; returns it. */
    synchronized List<WatchResponse> awaitUntil(java.util.function.Predicate<List<WatchResponse>> done)
        throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!done.test(received) && error == null && System.nanoTime() < deadline) {
        wait(100);
      }
      return List.copyOf(received);
    }
  }

  private static List<Event> flatten(List<WatchResponse> responses) {
    List<Event> out = new ArrayList<>();
    responses.forEach(r -> out.addAll(r.getEventsList()));
    return out;
  }

  private static List<ByteString> bytes(List<Event> events) {
    return events.stream().map(Event::toByteString).toList();
  }

  private static PutRequest put(String key, String value) {
    return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value))
        .setPrevKv(false).build();
  }

  private static WatchResponse response(long watchId, long revision, String... keys) {
    WatchResponse.Builder b = WatchResponse.newBuilder().setWatchId(watchId)
        .setHeader(ResponseHeader.newBuilder().setClusterId(1).setMemberId(2).setRaftTerm(3).setRevision(revision));
    for (String k : keys) {
      b.addEvents(Event.newBuilder().setKv(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(k))
          .setValue(ByteString.copyFromUtf8("v")).setModRevision(revision).setCreateRevision(revision).setVersion(1)));
    }
    return b.build();
  }
}
