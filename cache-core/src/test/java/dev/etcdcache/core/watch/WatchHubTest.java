package dev.etcdcache.core.watch;

import dev.etcdcache.core.mirror.AppliedRevision;
import dev.etcdcache.core.mirror.KeyWrite;
import dev.etcdcache.core.mirror.MirrorFeed;
import dev.etcdcache.core.mirror.RevisionListener;
import dev.etcdcache.core.store.StoredValue;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.etcdcache.btree.BPlusTree;
import dev.etcdcache.core.history.EventHistory;
import dev.etcdcache.core.stats.StatsRecorder;
import dev.etcdcache.core.store.KeyRange;
import dev.etcdcache.core.store.StoreVersion;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The hub on a fake mirror and a fake etcd, same-thread or hand-run delivery, no etcd. */
class WatchHubTest {

  private final FakeSource source = new FakeSource();
  private final FakeUpstream upstream = new FakeUpstream();
  private final ManualExecutor delivery = new ManualExecutor();
  private long revision = 10;
  private WatchHub hub = newHub(1024);

  private WatchHub newHub(int queueLimit) {
    source.current = revision;
    return new WatchHub(source, upstream, new EventHistory(1000, Long.MAX_VALUE / 2, System::nanoTime),
        delivery, null, new WatchHub.Settings(queueLimit, 1000, Duration.ofSeconds(5), Duration.ofMinutes(10)),
        StatsRecorder.disabled());
  }

  @Test
  void liveWatcher_oneResponsePerRevision_headerIsThatRevision_onlyItsRange() {
    Recorder prefix = watch("a/", WatchOption.builder().isPrefix(true).build());
    Recorder single = watch("a/x", WatchOption.DEFAULT);
    Recorder range = watch("b", WatchOption.builder().withRange(bytes("c")).build());
    Recorder all = watch("\0", WatchOption.builder().withRange(bytes("\0")).build());
    apply(put("a/x", "1", null), put("b/1", "2", null), put("z", "3", null));
    apply(put("a/y", "4", null));
    delivery.runAll();
    assertThat(prefix.revisions()).containsExactly(List.of(11L, 11L), List.of(12L, 12L));
    assertThat(single.revisions()).containsExactly(List.of(11L, 11L));
    assertThat(range.keys()).containsExactly("b/1");
    assertThat(all.keys()).containsExactly("a/x", "b/1", "z", "a/y");
  }

  @Test
  void watcher_prevKvAndFilters_shapeEventsAsEtcd() {
    Recorder plain = watch("k", WatchOption.DEFAULT);
    Recorder prev = watch("k", WatchOption.builder().withPrevKV(true).build());
    Recorder noPut = watch("k", WatchOption.builder().withNoPut(true).withPrevKV(true).build());
    Recorder noDelete = watch("k", WatchOption.builder().withNoDelete(true).build());
    KeyValue old = kv("k", "old", 3);
    apply(put("k", "new", old));
    apply(delete("k", kv("k", "new", 11)));
    delivery.runAll();
    assertThat(plain.events()).allMatch(e -> !e.hasPrevKv()).hasSize(2);
    assertThat(prev.events()).allMatch(Event::hasPrevKv).hasSize(2);
    assertThat(noPut.events()).extracting(Event::getType).containsExactly(Event.EventType.DELETE);
    assertThat(noDelete.events()).extracting(Event::getType).containsExactly(Event.EventType.PUT);
  }

  @Test
  void watchFromHistory_replaysInOneBatchAtCurrentRevision_thenLiveWithoutGap() {
    apply(put("k", "1", null));
    apply(put("k", "2", null));
    apply(put("k", "3", null));
    Recorder r = watch("k", WatchOption.builder().withRevision(12).withCreateNotify(true).build());
    apply(put("k", "4", null));
    delivery.runAll();
    assertThat(r.responses.get(0).isCreatedNotify()).isTrue();
    assertThat(r.responses.get(0).getHeader().getRevision()).isEqualTo(13);
    assertThat(r.revisions()).containsExactly(List.of(13L, 12L, 13L), List.of(14L, 14L));
  }

  @Test
  void watchFromNow_startsAfterTheMirrorsRevision() {
    apply(put("k", "1", null));
    Recorder r = watch("k", WatchOption.DEFAULT);
    apply(put("k", "2", null));
    delivery.runAll();
    assertThat(r.revisions()).containsExactly(List.of(12L, 12L));
  }

  @Test
  void watchFromCompactRevision_deleteAtItIsNotReplayed() {
    apply(put("k", "1", null));
    apply(delete("k", kv("k", "1", 11)), put("j", "x", null));
    upstream.compactRevision = 12;
    Recorder r = watch("", WatchOption.builder().withRange(bytes("\0")).withRevision(12).build());
    delivery.runAll();
    assertThat(r.keys()).containsExactly("j");
  }

  @Test
  void slowWatcher_queueOverflow_catchesUpFromHistoryWithoutGapOrDuplicate() {
    hub = newHub(2);
    Recorder r = watch("k", WatchOption.DEFAULT);
    for (int i = 0; i < 6; i++) {
      apply(put("k", "v" + i, null));
    }
    delivery.runAll();
    apply(put("k", "late", null));
    delivery.runAll();
    assertThat(hub.overflows()).isEqualTo(1);
    List<Long> seen = new ArrayList<>();
    r.events().forEach(e -> seen.add(e.getKv().getModRevision()));
    assertThat(seen).containsExactly(11L, 12L, 13L, 14L, 15L, 16L, 17L);
    assertThat(r.responses.get(2).getHeader().getRevision()).as("catch-up header = current").isEqualTo(16);
  }

  @Test
  void relist_watchersBelowCompaction_endWithCompactedError_futureWatchersContinue() {
    apply(put("k", "1", null));
    Recorder live = watch("k", WatchOption.DEFAULT);
    Recorder future = watch("k", WatchOption.builder().withRevision(40).build());
    source.current = 30;
    hub.onRelist(version(30), 25);
    revision = 39;
    apply(put("k", "x", null));
    delivery.runAll();
    assertThat(live.errors).singleElement().isInstanceOf(CompactedException.class)
        .extracting(t -> ((CompactedException) t).getCompactedRevision()).isEqualTo(25L);
    assertThat(live.completed).isEqualTo(1);
    assertThat(future.revisions()).containsExactly(List.of(40L, 40L));
  }

  @Test
  void relist_inlineWatcherBelowCompaction_endsWithCompactedError_asAQueuedOne() {
    apply(put("k", "1", null));
    Recorder queued = watch("k", WatchOption.DEFAULT);
    Recorder inline = watchInline("k", WatchOption.DEFAULT);
    source.current = 30;
    hub.onRelist(version(30), 25);
    delivery.runAll();
    assertThat(inline.errors).singleElement().isInstanceOf(CompactedException.class)
        .extracting(t -> ((CompactedException) t).getCompactedRevision()).isEqualTo(25L);
    assertThat(inline.completed).isEqualTo(1);
    assertThat(queued.errors).hasSize(1);
    assertThat(hub.compactionCancels()).isEqualTo(2);
  }

  @Test
  void inlineWatcher_deliveredDuringApply_withoutTheDeliveryExecutor_sameResponsesAsQueued() {
    Recorder queued = watch("a/", WatchOption.builder().isPrefix(true).withPrevKV(true).build());
    Recorder inline = watchInline("a/", WatchOption.builder().isPrefix(true).withPrevKV(true).build());
    apply(put("a/x", "1", null), put("a/y", "2", null));
    assertThat(inline.revisions()).as("delivered inside apply").containsExactly(List.of(11L, 11L, 11L));
    assertThat(queued.responses).as("queued waits for the executor").isEmpty();
    apply(delete("a/x", kv("a/x", "1", 11)));
    inline.watcher.requestProgress();
    queued.watcher.requestProgress();
    delivery.runAll();
    assertThat(inline.revisions()).isEqualTo(queued.revisions()).hasSize(2);
    assertThat(inline.events()).isEqualTo(queued.events()).hasSize(3);
    assertThat(inline.responses.get(2).isProgressNotify()).isTrue();
  }

  @Test
  void watch_rangeEndBelowKey_failsLikeEtcdAndStaysOpen() {
    Recorder r = watch("b", WatchOption.builder().withRange(bytes("a")).build());
    delivery.runAll();
    assertThat(r.errors).singleElement().isInstanceOf(EtcdException.class)
        .extracting(Throwable::getMessage).asString().contains("etcd server failed to create watch id");
    assertThat(r.completed).isZero();
    assertThat(r.watcher.isClosed()).isFalse();
    r.watcher.close();
    r.watcher.close();
    delivery.runAll();
    assertThat(r.completed).isEqualTo(1);
  }

  @Test
  void watch_olderThanHistoryOrCompacted_getsItsOwnUpstreamWatch() {
    apply(put("k", "1", null));
    watch("k", WatchOption.builder().withRevision(5).build());
    apply(put("k", "2", null));
    upstream.compactRevision = 12;
    watch("k", WatchOption.builder().withRevision(11).build());
    assertThat(upstream.watchRevisions).containsExactly(5L, 11L);
    assertThat(hub.upstreamWatches()).isEqualTo(2);
  }

  @Test
  void bypassTurnedOnWhileAWatcherRegisters_itMovesToEtcdAsItGoesLive_withoutWaitingForARevision() {
    CompletableFuture<Long> probe = new CompletableFuture<>();
    upstream.pendingProbe = probe;
    watch("k", WatchOption.DEFAULT);
    hub.bypass(true); // nothing in the index to move yet: the watcher is still registering
    assertThat(upstream.watchRevisions).isEmpty();
    probe.complete(source.current); // it goes live at 11; no revision is applied after that
    assertThat(upstream.watchRevisions).containsExactly(revision + 1);
    assertThat(hub.upstreamStreams()).isEqualTo(1);
  }

  @Test
  void upstreamWatcher_onceEtcdSentWhatTheHistoryLacks_rejoinsTheHub_withoutGapOrDuplicate() {
    apply(put("k", "1", null)); // 11: the history starts at 10 (the first watch's revision)
    Recorder r = watch("k", WatchOption.builder().withRevision(5).build());
    assertThat(upstream.watchRevisions).containsExactly(5L);
    assertThat(upstream.options.get(0).isProgressNotify()).as("the own watch asks for progress").isTrue();
    Watch.Listener own = upstream.listeners.get(0);
    apply(put("k", "2", null)); // 12
    apply(put("k", "3", null)); // 13
    own.onNext(upstreamEvents(13, 7)); // etcd's catch-up: 7 is before the history, stays upstream
    delivery.runAll();
    assertThat(hub.upstreamRejoins()).isZero();
    own.onNext(upstreamEvents(13, 11)); // everything through 11: the history has 12 on
    delivery.runAll();
    assertThat(hub.upstreamRejoins()).isEqualTo(1);
    assertThat(upstream.closed).isEqualTo(1);
    own.onNext(upstreamEvents(13, 12)); // in flight when the own watch closed: dropped
    apply(put("k", "4", null)); // 14, live
    delivery.runAll();
    List<Long> seen = new ArrayList<>();
    r.events().forEach(e -> seen.add(e.getKv().getModRevision()));
    assertThat(seen).containsExactly(7L, 11L, 12L, 13L, 14L);
    assertThat(r.completed).as("the own watch's completion is not the watcher's").isZero();
    assertThat(r.watcher.isClosed()).isFalse();
    assertThat(hub.upstreamStreams()).isZero();
  }

  @Test
  void upstreamWatcher_periodicProgressVouchesForQuietRange_rejoins_unsubscribedNotificationsHidden() {
    apply(put("other", "1", null)); // 11
    Recorder r = watch("k", WatchOption.builder().withRevision(5).build());
    Watch.Listener own = upstream.listeners.get(0);
    apply(put("other", "2", null)); // 12
    own.onNext(progressAt(12)); // etcd's periodic notification: every event of "k" up to 12 was sent
    apply(put("k", "v", null)); // 13
    delivery.runAll();
    assertThat(hub.upstreamRejoins()).isEqualTo(1);
    assertThat(r.responses).as("no notification the client did not subscribe to").allMatch(x -> !x.getEvents().isEmpty());
    List<Long> seen = new ArrayList<>();
    r.events().forEach(e -> seen.add(e.getKv().getModRevision()));
    assertThat(seen).containsExactly(13L);
  }

  @Test
  void upstreamWatcher_compactedStart_staysWithEtcdUntilEtcdSendsSomething() {
    apply(put("k", "1", null)); // 11
    upstream.compactRevision = 12;
    Recorder r = watch("k", WatchOption.builder().withRevision(11).withCreateNotify(true).build());
    assertThat(upstream.watchRevisions).as("the revision check failed: etcd decides").containsExactly(11L);
    upstream.listeners.get(0).onNext(new WatchResponse(io.etcd.jetcd.api.WatchResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(11)).setCreated(true).build()));
    delivery.runAll();
    assertThat(hub.upstreamRejoins()).as("created vouches for nothing; etcd may still cancel it").isZero();
  }

  @Test
  void upstreamWatcher_afterTheClientAskedForProgress_notificationsNoLongerVouch() {
    apply(put("other", "1", null)); // 11
    Recorder r = watch("k", WatchOption.builder().withRevision(5).build());
    Watch.Listener own = upstream.listeners.get(0);
    r.watcher.requestProgress();
    own.onNext(progressAt(11)); // etcd 3.4 may answer a progress request before events it covers
    delivery.runAll();
    assertThat(hub.upstreamRejoins()).isZero();
    assertThat(r.responses).hasSize(1); // the answer the client asked for
  }

  @Test
  void requestProgress_liveWatcher_getsEmptyResponseAtCurrentRevisionAfterItsEvents() {
    Recorder r = watch("k", WatchOption.DEFAULT);
    apply(put("k", "1", null));
    r.watcher.requestProgress();
    delivery.runAll();
    assertThat(r.responses).hasSize(2);
    assertThat(r.responses.get(1).isProgressNotify()).isTrue();
    assertThat(r.responses.get(1).getHeader().getRevision()).isEqualTo(11);
  }

  @Test
  void progressTick_idleProgressNotifyWatcher_getsNotification_busyOneDoesNot() {
    Recorder idle = watch("i", WatchOption.builder().withProgressNotify(true).build());
    Recorder busy = watch("k", WatchOption.builder().withProgressNotify(true).build());
    apply(put("k", "1", null));
    hub.progressTickForTest();
    delivery.runAll();
    assertThat(idle.responses).singleElement().matches(WatchResponse::isProgressNotify);
    assertThat(busy.responses).hasSize(1).noneMatch(WatchResponse::isProgressNotify);
  }

  @Test
  void close_deliversOnCompletedOnce_andNothingAfter() {
    Recorder r = watch("k", WatchOption.DEFAULT);
    apply(put("k", "1", null));
    r.watcher.close();
    apply(put("k", "2", null));
    delivery.runAll();
    assertThat(r.responses).isEmpty();
    assertThat(r.completed).isEqualTo(1);
    assertThat(hub.watchers()).isZero();
  }

  // ---- helpers ----

  private Recorder watchInline(String key, WatchOption option) {
    Recorder r = new Recorder();
    r.watcher = hub.watch(bytes(key), option, r, true);
    return r;
  }

  private Recorder watch(String key, WatchOption option) {
    Recorder r = new Recorder();
    r.watcher = hub.watch(bytes(key), option, r);
    return r;
  }

  private void apply(Event... events) {
    long before = revision;
    revision++;
    List<Event> stamped = new ArrayList<>();
    for (Event e : events) {
      stamped.add(e.toBuilder().setKv(e.getKv().toBuilder().setModRevision(revision)).build());
    }
    source.current = revision;
    List<KeyWrite> writes = new ArrayList<>();
    for (Event e : stamped) {
      writes.add(new KeyWrite(e.getKv().getKey().toByteArray(),
          e.getType() == Event.EventType.DELETE ? null : StoredValue.pack(e.getKv()),
          e.hasPrevKv() ? StoredValue.pack(e.getPrevKv()) : null));
    }
    hub.onRevision(new AppliedRevision(version(before), version(revision), writes));
  }

  /** A response of an own upstream watch with one PUT of "k" at {@code mod}, header {@code header}. */
  private static WatchResponse upstreamEvents(long header, long mod) {
    return new WatchResponse(io.etcd.jetcd.api.WatchResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(header))
        .addEvents(put("k", "x", null).toBuilder().setKv(kv("k", "x", mod)))
        .build());
  }

  private static WatchResponse progressAt(long revision) {
    return new WatchResponse(io.etcd.jetcd.api.WatchResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(revision)).build());
  }

  private static StoreVersion version(long revision) {
    return new StoreVersion(revision, BPlusTree.<byte[]>empty(), 0);
  }

  private static Event put(String key, String value, KeyValue prev) {
    Event.Builder b = Event.newBuilder().setType(Event.EventType.PUT).setKv(kv(key, value, 0));
    if (prev != null) {
      b.setPrevKv(prev);
    }
    return b.build();
  }

  private static Event delete(String key, KeyValue prev) {
    return Event.newBuilder().setType(Event.EventType.DELETE)
        .setKv(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key))).setPrevKv(prev).build();
  }

  private static KeyValue kv(String key, String value, long mod) {
    return KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value))
        .setModRevision(mod).build();
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(ByteString.copyFromUtf8(s));
  }

  private static final class Recorder implements Watch.Listener {
    final List<WatchResponse> responses = new ArrayList<>();
    final List<Throwable> errors = new ArrayList<>();
    int completed;
    Watch.Watcher watcher;

    @Override
    public void onNext(WatchResponse response) {
      responses.add(response);
    }

    @Override
    public void onError(Throwable t) {
      errors.add(t);
    }

    @Override
    public void onCompleted() {
      completed++;
    }

    /** Per response with events: header revision, then each event's mod revision. */
    List<List<Long>> revisions() {
      List<List<Long>> out = new ArrayList<>();
      for (WatchResponse r : responses) {
        if (r.getEvents().isEmpty()) {
          continue;
        }
        List<Long> one = new ArrayList<>();
        one.add(r.getHeader().getRevision());
        r.getEvents().forEach(e -> one.add(e.getKeyValue().getModRevision()));
        out.add(one);
      }
      return out;
    }

    List<Event> events() {
      List<Event> out = new ArrayList<>();
      for (WatchResponse r : responses) {
        out.addAll(protoEvents(r));
      }
      return out;
    }

    List<String> keys() {
      return events().stream().map(e -> e.getKv().getKey().toStringUtf8()).toList();
    }

    private static List<Event> protoEvents(WatchResponse r) {
      List<Event> out = new ArrayList<>();
      r.getEvents().forEach(e -> {
        Event.Builder b = Event.newBuilder()
            .setType(e.getEventType() == io.etcd.jetcd.watch.WatchEvent.EventType.PUT ? Event.EventType.PUT
                : Event.EventType.DELETE)
            .setKv(KeyValue.newBuilder().setKey(ByteString.copyFrom(e.getKeyValue().getKey().getBytes()))
                .setModRevision(e.getKeyValue().getModRevision()));
        if (!e.getPrevKV().getKey().isEmpty()) {
          b.setPrevKv(KeyValue.newBuilder().setKey(ByteString.copyFrom(e.getPrevKV().getKey().getBytes())));
        }
        out.add(b.build());
      });
      return out;
    }
  }

  private static final class FakeSource implements MirrorFeed {
    long current;

    @Override
    public void executeOnApplyThread(Runnable task) {
      task.run();
    }

    @Override
    public StoreVersion current() {
      return version(current);
    }

    @Override
    public long currentRevision() {
      return current;
    }

    @Override
    public CompletableFuture<StoreVersion> ready() {
      return CompletableFuture.completedFuture(current());
    }

    @Override
    public void addListener(RevisionListener listener) {}

    @Override
    public void removeListener(RevisionListener listener) {}

    @Override
    public ResponseHeader header() {
      return ResponseHeader.newBuilder().setClusterId(1).setMemberId(2).setRaftTerm(3).build();
    }

    @Override
    public boolean covers(KeyRange range) {
      return true;
    }

    @Override
    public CompletableFuture<StoreVersion> awaitRevision(long revision) {
      return CompletableFuture.completedFuture(current());
    }

    @Override
    public void requestProgress() {}
  }

  private final class FakeUpstream implements Upstream {
    long compactRevision;
    /** When set, the next probe answers only when the test completes it. */
    CompletableFuture<Long> pendingProbe;
    final List<Long> watchRevisions = new ArrayList<>();
    final List<Watch.Listener> listeners = new ArrayList<>();
    final List<WatchOption> options = new ArrayList<>();
    int closed;

    @Override
    public CompletableFuture<Long> probe(long at) {
      if (pendingProbe != null) {
        CompletableFuture<Long> pending = pendingProbe;
        pendingProbe = null;
        return pending;
      }
      if (at != 0 && at < compactRevision) {
        return CompletableFuture.failedFuture(Status.OUT_OF_RANGE
            .withDescription("etcdserver: mvcc: required revision has been compacted").asRuntimeException());
      }
      return CompletableFuture.completedFuture(source.current);
    }

    @Override
    public Watch.Watcher watch(ByteSequence key, WatchOption option, Watch.Listener listener) {
      watchRevisions.add(option.getRevision());
      listeners.add(listener);
      options.add(option);
      return new Watch.Watcher() {
        @Override
        public void close() {
          closed++;
          // jetcd completes a watcher it was asked to close.
          listener.onCompleted();
        }

        @Override
        public boolean isClosed() {
          return false;
        }

        @Override
        public void requestProgress() {}
      };
    }
  }

  /** Runs submitted tasks only when asked, on the test thread. */
  private static final class ManualExecutor extends AbstractExecutorService {
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    void runAll() {
      Runnable t;
      while ((t = tasks.poll()) != null) {
        t.run();
      }
    }

    @Override
    public void execute(Runnable command) {
      tasks.add(command);
    }

    @Override
    public void shutdown() {}

    @Override
    public List<Runnable> shutdownNow() {
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }
  }
}
