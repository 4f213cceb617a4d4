package dev.etcdcache.core.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/** One watcher's state machine and delivery, with a recording owner and a hand-run executor. */
class HubWatcherTest {

  private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
  private final Executor delivery = tasks::add;
  private final RecordingOwner owner = new RecordingOwner();
  private final List<String> seen = new ArrayList<>();
  private final HubWatcher w = new HubWatcher(owner, 1,
      WatchRequest.of(ByteSequence.from(ByteString.copyFromUtf8("k")), WatchOption.DEFAULT), new Watch.Listener() {
        @Override
        public void onNext(WatchResponse response) {
          seen.add("next " + response.getHeader().getRevision());
        }

        @Override
        public void onError(Throwable throwable) {
          seen.add("error");
        }

        @Override
        public void onCompleted() {
          seen.add("completed");
        }
      }, delivery, 2);

  @Test
  void offerLive_queueFull_turnsLaggingFromThatRevision_andOwnerCatchesUpOnceDrained() {
    w.goLive(11);
    assertThat(w.isLiveAt(10)).isFalse();
    assertThat(w.offerLive(11, response(11))).isTrue();
    assertThat(w.offerLive(12, response(12))).isTrue();
    assertThat(w.offerLive(13, response(13))).isFalse();
    assertThat(w.isLagging()).isTrue();
    assertThat(w.isIndexed()).isTrue();
    assertThat(w.nextRevision()).isEqualTo(13);
    assertThat(owner.drained).isEmpty();
    runAll();
    assertThat(seen).containsExactly("next 11", "next 12");
    assertThat(owner.drained).containsExactly(w);
    w.goLive(14);
    assertThat(w.isLiveAt(14)).isTrue();
  }

  @Test
  void close_onlyOneOnCompleted_nothingQueuedBeforeIsDelivered() {
    w.goLive(11);
    w.offerLive(11, response(11));
    w.close();
    w.close();
    w.completeLater();
    runAll();
    assertThat(seen).containsExactly("completed");
    assertThat(w.isClosed()).isTrue();
    assertThat(owner.closed).containsExactly(w);
  }

  @Test
  void moveToUpstream_afterClientClose_endsInstead() {
    w.close();
    assertThat(w.moveToUpstream()).isFalse();
    assertThat(w.hasOpenUpstream()).isFalse();
  }

  @Test
  void progressTick_sentFlag_isTakenOncePerPeriod() {
    w.goLive(11);
    w.offerLive(11, response(11));
    assertThat(w.takeSentSinceProgressTick()).isTrue();
    assertThat(w.takeSentSinceProgressTick()).isFalse();
  }

  @Test
  void deliver_listenerThrowsAnError_laterResponsesStillDelivered() {
    List<Long> delivered = new ArrayList<>();
    HubWatcher failing = new HubWatcher(owner, 2,
        WatchRequest.of(ByteSequence.from(ByteString.copyFromUtf8("k")), WatchOption.DEFAULT), new Watch.Listener() {
          @Override
          public void onNext(WatchResponse response) {
            delivered.add(response.getHeader().getRevision());
            if (delivered.size() == 1) {
              throw new AssertionError("a listener's bug");
            }
          }

          @Override
          public void onError(Throwable throwable) {}

          @Override
          public void onCompleted() {}
        }, delivery, 8);
    failing.goLive(11);
    failing.offerLive(11, response(11));
    runAll();
    failing.offerLive(12, response(12));
    runAll();
    assertThat(delivered).containsExactly(11L, 12L);
    assertThat(owner.listenerFailures).isEqualTo(1);
  }

  private void runAll() {
    Runnable t;
    while ((t = tasks.poll()) != null) {
      t.run();
    }
  }

  private static WatchResponse response(long revision) {
    return new WireWatchResponse(io.etcd.jetcd.api.WatchResponse.newBuilder()
        .setHeader(io.etcd.jetcd.api.ResponseHeader.newBuilder().setRevision(revision)).build());
  }

  private static final class RecordingOwner implements HubWatcher.Owner {
    final List<HubWatcher> drained = new ArrayList<>();
    final List<HubWatcher> closed = new ArrayList<>();

    @Override
    public void drainedWhileLagging(HubWatcher w) {
      drained.add(w);
    }

    @Override
    public void closedByClient(HubWatcher w) {
      closed.add(w);
    }

    @Override
    public void progressRequested(HubWatcher w) {}

    int listenerFailures;

    @Override
    public void listenerFailed() {
      listenerFailures++;
    }

    int slowInlineCalls;

    @Override
    public void inlineListenerSlow(long nanos) {
      slowInlineCalls++;
    }
  }
}
