package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Requests a server must survive: too large, not protobuf, unknown fields, and a client that
 * opens watch streams and never reads while writes flow.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BadInputTest {

  /** The per-stream bound for this test: small, so a client that does not read passes it quickly. */
  private static final long BUFFER_BYTES = 1 << 20;

  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.builder().build();

  private static ServerFixture fixture;

  @BeforeAll
  static void start() {
    fixture = new ServerFixture(etcd, c -> c.withWatchBufferBytes(BUFFER_BYTES));
  }

  @AfterAll
  static void stop() throws InterruptedException {
    fixture.close();
  }

  @Test
  void put_largerThanMaxRecvBytes_resourceExhaustedConnectionKept() {
    PutRequest huge = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("huge"))
        .setValue(ByteString.copyFrom(new byte[ServerConfig.DEFAULT_MAX_RECV_BYTES + 1])).build();
    // Repeated on one connection: a refused request must never take the connection (and every
    // other call on it) down, as it did when etcd's response headers raced with the refusal.
    for (int i = 0; i < 10; i++) {
      assertThatThrownBy(() -> KVGrpc.newBlockingStub(fixture.toServer).put(huge))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
      assertThat(KVGrpc.newBlockingStub(fixture.toServer).range(RangeRequest.newBuilder()
          .setKey(ByteString.copyFromUtf8("huge")).build()).getCount()).isZero();
    }
  }

  @Test
  void range_garbageBytes_failsAndServerKeepsServing() {
    MethodDescriptor<byte[], byte[]> raw = KVGrpc.getRangeMethod().toBuilder(new RawBytes(), new RawBytes()).build();
    byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 0x7f, 0x01};
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(fixture.toServer, raw, CallOptions.DEFAULT, garbage))
        .isInstanceOf(StatusRuntimeException.class);
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(fixture.toEtcd, raw, CallOptions.DEFAULT, garbage))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(KVGrpc.newBlockingStub(fixture.toServer).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("x")).build())
        .hasHeader()).isTrue();
  }

  @Test
  void range_unknownFields_answeredAsEtcd() {
    KVGrpc.newBlockingStub(fixture.toEtcd).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("unknown/a"))
        .setValue(ByteString.copyFromUtf8("1")).build());
    RangeRequest r = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("unknown/")).setRangeEnd(ByteString.copyFromUtf8("unknown0"))
        .setUnknownFields(UnknownFieldSet.newBuilder()
            .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(7).build())
            .addField(100, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("?")).build())
            .build())
        .build();
    assertThat(KVGrpc.newBlockingStub(fixture.toServer).range(r)).isEqualTo(KVGrpc.newBlockingStub(fixture.toEtcd).range(r));
  }

  @Test
  void watch_clientNeverReads_streamClosedOthersServed() throws Exception {
    int before = fixture.server.openWatchStreams();
    long closedBefore = fixture.server.slowClientsClosed();
    // A client that opens two watch streams and never asks for a message: HTTP/2 flow control
    // stops the server's sends, so its responses pile up in the server until the bound.
    List<ClientCall<WatchRequest, WatchResponse>> stalled = List.of(stalledWatch(), stalledWatch());
    try (RecordedStream reader = new RecordedStream(fixture.toServer)) {
      reader.create(WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("flood/"))
          .setRangeEnd(ByteString.copyFromUtf8("flood0")).build());
      reader.await(1);
      awaitStreams(before + 3);
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(fixture.toEtcd);
      ByteString value = ByteString.copyFrom(new byte[20_000]);
      int writes = 300; // 6 MB of events per watch: far past the client's window and the bound
      for (int i = 0; i < writes; i++) {
        kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("flood/" + i)).setValue(value).build());
      }
      List<WatchResponse> got = reader.await(l -> l.stream().mapToInt(WatchResponse::getEventsCount).sum() >= writes);
      assertThat(got.stream().mapToInt(WatchResponse::getEventsCount).sum()).isEqualTo(writes);
      // Both stalled streams were closed by the server (RESOURCE_EXHAUSTED); the reader's is open.
      awaitStreams(before + 1);
      assertThat(fixture.server.openWatchStreams()).isEqualTo(before + 1);
      assertThat(fixture.server.slowClientsClosed()).as("counted for etcd_cache_server_slow_clients_closed_total")
          .isEqualTo(closedBefore + 2);
    } finally {
      stalled.forEach(c -> c.cancel("test done", null));
    }
  }

  private static ClientCall<WatchRequest, WatchResponse> stalledWatch() {
    ClientCall<WatchRequest, WatchResponse> call = fixture.toServer.newCall(WatchGrpc.getWatchMethod(), CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() { }, new Metadata());
    call.sendMessage(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8("flood/")).setRangeEnd(ByteString.copyFromUtf8("flood0"))).build());
    return call; // request(n) is never called: the client reads nothing
  }

  private static void awaitStreams(int n) {
    for (int i = 0; i < 1500 && fixture.server.openWatchStreams() != n; i++) {
      ServerFixture.pause(Duration.ofMillis(20));
    }
  }

  /** Bytes as they are, for sending what is not protobuf. */
  private static final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
