package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.WatchCancelRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Seeded random Watch streams: many watches (random ranges, start revisions in the past, now and
 * the future, prev_kv, filters, client IDs), random cancels, random writes between; the server's
 * stream and etcd's must carry the same events per watch, the same created and canceled answers.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class WatchRandomDifferentialTest {

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
  void watch_randomStreams_sameAnswersAsEtcd() throws Exception {
    for (long seed = 1; seed <= 3; seed++) {
      runOnce(new Random(seed));
    }
  }

  private void runOnce(Random random) throws Exception {
    for (int i = 0; i < 30; i++) {
      write(random);
    }
    ServerFixture.pause(Duration.ofMillis(300));
    long now = revision();
    List<WatchRequest> opens = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      opens.add(WatchRequest.newBuilder().setCreateRequest(randomCreate(random, now, i)).build());
    }
    try (RecordedStream direct = new RecordedStream(fixture.toEtcd);
        RecordedStream cached = new RecordedStream(fixture.toServer)) {
      opens.forEach(direct::send);
      opens.forEach(cached::send);
      // Every created response (not just as many responses: a replayed event can come first), so
      // that no write below races a create and moves its created revision.
      direct.await(l -> l.stream().filter(WatchResponse::getCreated).count() >= opens.size());
      cached.await(l -> l.stream().filter(WatchResponse::getCreated).count() >= opens.size());
      List<WatchRequest> cancels = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        cancels.add(WatchRequest.newBuilder()
            .setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(random.nextInt(6))).build());
      }
      for (int i = 0; i < 40; i++) {
        write(random);
      }
      ServerFixture.pause(Duration.ofMillis(500));
      // Cancels after the writes have reached both, so no event races a cancel.
      awaitQuiet(direct, cached);
      cancels.forEach(direct::send);
      cancels.forEach(cached::send);
      awaitQuiet(direct, cached);
      assertThat(cached.error()).isNull();
      Map<Long, List<String>> expected = summary(direct.responses());
      assertThat(summary(cached.responses())).isEqualTo(expected);
      assertThat(expected.values().stream().mapToInt(List::size).sum()).as("events compared")
          .isGreaterThan(3 * opens.size());
    }
  }

  private static void awaitQuiet(RecordedStream a, RecordedStream b) throws InterruptedException {
    int before;
    int after = -1;
    do {
      before = after;
      ServerFixture.pause(Duration.ofMillis(400));
      after = a.responses().size() + b.responses().size();
    } while (after != before);
  }

  /** Per watch: created/canceled answers and every event with its prev_kv, in order. */
  private static Map<Long, List<String>> summary(List<WatchResponse> responses) {
    Map<Long, List<String>> out = new LinkedHashMap<>();
    for (WatchResponse r : responses) {
      List<String> l = out.computeIfAbsent(r.getWatchId(), k -> new ArrayList<>());
      if (r.getCreated() || r.getCanceled() || r.getCompactRevision() != 0) {
        l.add((r.getCreated() ? "created " : "") + (r.getCanceled() ? "canceled " : "") + r.getCancelReason()
            + " compact=" + r.getCompactRevision() + " rev=" + r.getHeader().getRevision());
      }
      for (Event e : r.getEventsList()) {
        l.add(e.getType() + " " + e.getKv().getKey().toStringUtf8() + "@" + e.getKv().getModRevision()
            + " v" + e.getKv().getVersion() + "=" + e.getKv().getValue().toStringUtf8()
            + (e.hasPrevKv() ? " prev@" + e.getPrevKv().getModRevision() + "=" + e.getPrevKv().getValue().toStringUtf8() : ""));
      }
    }
    return out;
  }

  private static WatchCreateRequest randomCreate(Random random, long now, int i) {
    int a = random.nextInt(20);
    WatchCreateRequest.Builder b = WatchCreateRequest.newBuilder().setKey(key(a));
    switch (random.nextInt(5)) {
      case 0 -> { }
      case 1 -> b.setRangeEnd(key(a + 1 + random.nextInt(10)));
      case 2 -> b.setRangeEnd(ByteString.copyFrom(new byte[] {0}));
      case 3 -> b.setKey(ByteString.copyFromUtf8("rw/")).setRangeEnd(ByteString.copyFromUtf8("rw0"));
      default -> b.setRangeEnd(key(Math.max(0, a - 3))); // often empty: refused as etcd
    }
    switch (random.nextInt(4)) {
      case 0 -> b.setStartRevision(Math.max(1, now - random.nextInt(25)));
      case 1 -> b.setStartRevision(now + 1 + random.nextInt(10));
      default -> { }
    }
    b.setPrevKv(random.nextBoolean());
    if (random.nextInt(4) == 0) {
      b.addFilters(random.nextBoolean() ? WatchCreateRequest.FilterType.NOPUT : WatchCreateRequest.FilterType.NODELETE);
    }
    WatchCreateRequest r = b.build();
    return random.nextInt(4) == 0 ? MissingFields.withWatchId(r, 100 + random.nextInt(3)) : r;
  }

  private static void write(Random random) {
    ByteString k = key(random.nextInt(20));
    if (random.nextInt(4) == 0) {
      kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(k).build());
    } else {
      kv.put(PutRequest.newBuilder().setKey(k).setValue(ByteString.copyFromUtf8("v" + random.nextInt(100))).build());
    }
  }

  private static long revision() {
    return kv.range(RangeRequest.newBuilder().setKey(key(0)).build()).getHeader().getRevision();
  }

  private static ByteString key(int i) {
    return ByteString.copyFromUtf8(String.format("rw/%02d", i));
  }
}
