package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Random RangeRequests, every field varied, sent over raw gRPC to the server and to etcd: the
 * responses (header included) and errors (code and description) must be equal. Writes go straight
 * to etcd, so the server learns them from its watch.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RangeDifferentialTest {

  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.builder().build();

  private static ServerFixture fixture;

  @BeforeAll
  static void start() {
    fixture = new ServerFixture(etcd);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    fixture.close();
  }

  @Test
  void range_randomRequests_answerAsEtcd() {
    KVGrpc.KVBlockingStub server = KVGrpc.newBlockingStub(fixture.toServer);
    KVGrpc.KVBlockingStub direct = KVGrpc.newBlockingStub(fixture.toEtcd);
    Random random = new Random(42);
    long compacted = 0;
    int compared = 0;
    for (int round = 0; round < 12; round++) {
      for (int i = 0; i < 40; i++) {
        write(direct, random);
      }
      if (round == 4) {
        long rev = direct.range(RangeRequest.newBuilder().setKey(key(0)).build()).getHeader().getRevision();
        compacted = rev - 60;
        direct.compact(CompactionRequest.newBuilder().setRevision(compacted).setPhysical(true).build());
      }
      long current = direct.range(RangeRequest.newBuilder().setKey(key(0)).build()).getHeader().getRevision();
      for (int i = 0; i < 60; i++) {
        RangeRequest request = randomRequest(random, current, compacted);
        if (request.getSerializable()) {
          awaitMirror(server, current);
        }
        assertThat(answer(server, request)).as("request %s", request).isEqualTo(answer(direct, request));
        compared++;
      }
    }
    assertThat(compared).isEqualTo(720);
  }

  @Test
  void range_edgeRequests_answerAsEtcd() {
    KVGrpc.KVBlockingStub server = KVGrpc.newBlockingStub(fixture.toServer);
    KVGrpc.KVBlockingStub direct = KVGrpc.newBlockingStub(fixture.toEtcd);
    direct.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("edge/a")).setValue(ByteString.copyFromUtf8("1")).build());
    long current = direct.range(RangeRequest.newBuilder().setKey(key(0)).build()).getHeader().getRevision();
    List<RangeRequest> edges = List.of(
        RangeRequest.getDefaultInstance(),
        RangeRequest.newBuilder().setKey(zero()).setRangeEnd(zero()).build(),
        RangeRequest.newBuilder().setKey(zero()).setRangeEnd(zero()).setLimit(-1).build(),
        RangeRequest.newBuilder().setKey(zero()).setRangeEnd(zero()).setLimit(Long.MAX_VALUE).build(),
        RangeRequest.newBuilder().setKey(zero()).setRangeEnd(zero()).setRevision(current + 1000).build(),
        RangeRequest.newBuilder().setKey(zero()).setRangeEnd(zero()).setRevision(-1).build(),
        RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("edge/b")).setRangeEnd(ByteString.copyFromUtf8("edge/a")).build(),
        RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("edge/")).setRangeEnd(ByteString.copyFromUtf8("edge0"))
            .setSortOrder(RangeRequest.SortOrder.DESCEND).setSortTarget(RangeRequest.SortTarget.VALUE).build(),
        RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("edge/a")).setCountOnly(true).setKeysOnly(true).build(),
        RangeRequest.newBuilder().setKey(ByteString.copyFrom(new byte[] {(byte) 0xff})).setRangeEnd(zero()).build());
    for (RangeRequest r : edges) {
      assertThat(answer(server, r)).as("request %s", r).isEqualTo(answer(direct, r));
    }
  }

  /** A response or an error's code and description. */
  private static Object answer(KVGrpc.KVBlockingStub stub, RangeRequest request) {
    try {
      RangeResponse r = stub.withDeadlineAfter(30, TimeUnit.SECONDS).range(request);
      return r;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
  }

  private static void awaitMirror(KVGrpc.KVBlockingStub server, long revision) {
    RangeRequest probe = RangeRequest.newBuilder().setKey(key(0)).setSerializable(true).build();
    for (int i = 0; i < 500 && server.range(probe).getHeader().getRevision() < revision; i++) {
      ServerFixture.pause(Duration.ofMillis(20));
    }
  }

  private static void write(KVGrpc.KVBlockingStub etcd, Random random) {
    ByteString k = key(random.nextInt(50));
    if (random.nextInt(5) == 0) {
      etcd.deleteRange(DeleteRangeRequest.newBuilder().setKey(k).build());
    } else {
      etcd.put(PutRequest.newBuilder().setKey(k).setValue(ByteString.copyFromUtf8("v" + random.nextInt(1000))).build());
    }
  }

  private static RangeRequest randomRequest(Random random, long current, long compacted) {
    RangeRequest.Builder b = RangeRequest.newBuilder();
    int a = random.nextInt(50);
    b.setKey(key(a));
    switch (random.nextInt(6)) {
      case 0 -> { } // single key
      case 1 -> b.setRangeEnd(key(a + random.nextInt(20)));
      case 2 -> b.setRangeEnd(zero());
      case 3 -> b.setKey(ByteString.copyFromUtf8("k/")).setRangeEnd(ByteString.copyFromUtf8("k0"));
      case 4 -> b.setKey(zero()).setRangeEnd(zero());
      default -> b.setRangeEnd(key(Math.max(0, a - 5)));
    }
    switch (random.nextInt(5)) {
      case 0 -> b.setLimit(1 + random.nextInt(10));
      case 1 -> b.setLimit(random.nextBoolean() ? Long.MAX_VALUE : -1 - random.nextInt(3));
      default -> { }
    }
    switch (random.nextInt(6)) {
      case 0 -> b.setRevision(current - random.nextInt(40));
      case 1 -> b.setRevision(compacted > 1 ? Math.max(1, compacted - random.nextInt(3)) : current + 5);
      case 2 -> b.setRevision(current + 1 + random.nextInt(3));
      default -> { }
    }
    if (random.nextInt(3) == 0) {
      b.setSortOrder(RangeRequest.SortOrder.forNumber(random.nextInt(3)));
      b.setSortTarget(RangeRequest.SortTarget.forNumber(random.nextInt(5)));
    }
    b.setKeysOnly(random.nextInt(4) == 0);
    b.setCountOnly(random.nextInt(5) == 0);
    if (random.nextInt(5) == 0) {
      b.setMinCreateRevision(current - random.nextInt(100));
    }
    if (random.nextInt(5) == 0) {
      b.setMaxCreateRevision(current - random.nextInt(100));
    }
    if (random.nextInt(5) == 0) {
      b.setMinModRevision(current - random.nextInt(100));
    }
    if (random.nextInt(5) == 0) {
      b.setMaxModRevision(current - random.nextInt(100));
    }
    b.setSerializable(random.nextInt(3) == 0);
    return b.build();
  }

  private static ByteString key(int i) {
    return ByteString.copyFromUtf8(String.format("k/%03d", i));
  }

  private static ByteString zero() {
    return ByteString.copyFrom(new byte[] {0});
  }

}
