package dev.etcdcache.server;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import com.google.protobuf.ByteString;
import dev.etcdcache.core.CacheWire;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.WatchCancelRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.etcd.jetcd.common.exception.CompactedException;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's Watch stream, with etcd 3.4's protocol (etcd {@code v3rpc/watch.go}): any number of
 * watches, each created, cancelled and asked for progress by requests on the stream.
 *
 * <h2>Protocol, as etcd</h2>
 * <ul>
 *   <li>create: an empty key means {@code "\0"}; range_end {@code "\0"} means from the key on. A
 *       non-zero watch_id is the client's choice; taken on this stream, the answer is created and
 *       canceled with watch_id -1 and etcd's reason. Otherwise IDs are assigned from 0 upwards,
 *       skipping IDs in use. An empty range (key &ge; range_end) is refused the same way.</li>
 *   <li>created responses go out in the order of the create requests (clients match them to
 *       their requests by order), each before its watch's events.</li>
 *   <li>cancel of an open watch: canceled=true with its watch_id; of an unknown one: nothing.</li>
 *   <li>progress request: one response with watch_id -1 once every open watch has sent everything
 *       up to the revision in its header (at once when the stream has no watch).</li>
 *   <li>compaction: canceled=true with compact_revision; fragment watches get responses above
 *       {@code fragmentBytes} split as etcd's {@code sendFragments} does.</li>
 *   <li>the client's half-close does not end the stream (etcd keeps sending until it goes).</li>
 *   <li>a client that reads too slowly gets the events of consecutive revisions of a watch in one
 *       response, as etcd sends a lagging watcher (see {@link Outbox}); one that keeps up gets one
 *       response per revision.</li>
 *   <li>so does a watch whose deliveries this server is behind on: once {@value #JOIN_WHEN_BEHIND}
 *       responses wait for it in the cache, its events responses are held and joined, and sent
 *       when the cache's hand-over of them ends ({@link CacheWire.Listener#handOverEnded()}), so a
 *       server short of CPU writes a backlog in fewer messages instead of falling further behind.
 *       Any other response of the watch first sends what is held.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * Requests arrive on gRPC's executor; each watch's responses on the cache's delivery executor, one
 * at a time per watch, different watches concurrently. Both take this stream's lock, decide, and
 * hand responses to the {@link Outbox} under it, so the stream's order is the lock's order. No
 * thread belongs to a stream or a watch. {@link CacheWire#watch} is called outside the lock.
 *
 * <p>Thread-safe.
 */
final class WatchStream implements StreamObserver<WatchRequest> {

  private static final Logger LOG = LoggerFactory.getLogger(WatchStream.class);

  /**
   * A watch with this many more responses waiting for it in the cache's delivery queue has its
   * events responses joined: the server is short of CPU for its fan-out, and one message per watch
   * and revision is what it can no longer afford (measured: with 8, a fan-out of 500 revisions a
   * second to 1,000 streams on 2 cores stayed ~170 ms behind at p99; with 2, under 50 ms). A watch
   * that keeps up gets every revision as its own response, as from etcd.
   */
  static final int JOIN_WHEN_BEHIND = 2;

  /** etcd's {@code mvcc.ErrWatcherDuplicateID}. */
  static final String DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";
  /** etcd's {@code mvcc.ErrEmptyWatcherRange}. */
  static final String EMPTY_RANGE = "mvcc: watcher range is empty";
  /** etcd's cancel reason for a watch its caller may not read ({@code rpctypes.ErrGRPCPermissionDenied}). */
  static final String PERMISSION_DENIED = "rpc error: code = PermissionDenied desc = etcdserver: permission denied";
  /** etcd's cancel reason for a create whose token etcd does not accept ({@code rpctypes.ErrGRPCInvalidAuthToken}). */
  static final String INVALID_TOKEN = "rpc error: code = Unauthenticated desc = etcdserver: invalid auth token";
  /** Our cancel reason when etcd could not be asked whether the caller may read the range. */
  static final String PERMISSION_UNKNOWN =
      "etcd-cache: could not confirm the caller's read permission with etcd; watch again";

  /**
   * Whether a stream's caller may read a watch's range (etcd's answer with the caller's token).
   * Key and range end are etcd's Range form: {@code "\0"} as range end means every key from the key on.
   */
  interface Gate {
    CompletableFuture<ReadPermissions.Decision> check(ByteString key, ByteString rangeEnd);
  }

  private final CacheWire wire;
  private final ResponseHeaders headers;
  private final int fragmentBytes;
  private final Outbox outbox;
  /** Encodings of event responses shared with the server's other streams. */
  private final SharedEncodings shared;
  private final long bufferBytes;
  /** A joined response stays below this size (see the constructor). */
  private final int joinBytes;
  private final LongAdder joined;
  private final Runnable onEnd;
  /** Null: every create is served (a caller without a token while etcd's auth is off). */
  private final Gate gate;

  private final Object lock = new Object();
  /** With a gate: requests not handled yet, in arrival order; one create's check at a time. */
  @GuardedBy("lock")
  private final ArrayDeque<WatchRequest> queued = new ArrayDeque<>();
  @GuardedBy("lock")
  private boolean draining;
  @GuardedBy("lock")
  private final Map<Long, StreamWatch> watches = new HashMap<>();
  /** Watches whose created response has not gone out yet, in request order. */
  @GuardedBy("lock")
  private final ArrayDeque<StreamWatch> creating = new ArrayDeque<>();
  @GuardedBy("lock")
  private long nextId;
  /** Watches a progress request waits for, and the lowest revision they answered with. */
  @GuardedBy("lock")
  private final Set<StreamWatch> progressWaiting = new HashSet<>();
  @GuardedBy("lock")
  private long progressRevision = Long.MAX_VALUE;
  @GuardedBy("lock")
  private boolean ended;
  private final Runnable onSlowClient;
  /** Bytes of responses held in watches' {@code early} lists. */
  @GuardedBy("lock")
  private long earlyBytes;

  /**
   * A stream whose creates are served only where {@code gate} says the caller may read (null: all);
   * requests are then handled one by one in order, each create after its check.
   *
   * @param observer the call's responses, typed for {@link WatchMethod#WATCH} (encoded responses)
   * @param shared encodings of event responses, shared by the server's streams
   * @param onSlowClient called once if the stream is closed because its client did not read
   * @param joined counts event responses sent joined to the one before (the client was behind)
   */
  WatchStream(CacheWire wire, ResponseHeaders headers, int fragmentBytes, long bufferBytes,
      ServerCallStreamObserver<Object> observer, SharedEncodings shared, Runnable onEnd, Runnable onSlowClient,
      Gate gate, LongAdder joined) {
    this.gate = gate;
    this.shared = shared;
    this.onSlowClient = onSlowClient;
    this.wire = wire;
    this.headers = headers;
    this.fragmentBytes = fragmentBytes;
    // Joined responses stay below the fragment limit (--max-send-bytes plus gRPC's overhead), so
    // joining never makes a response that etcd's fragment rules would split, and below
    // --max-send-bytes itself, so it never makes one larger than the operator allowed.
    this.joinBytes = Math.min(PendingResponse.MAX_BYTES, Math.max(0, fragmentBytes - ServerConfig.GRPC_OVERHEAD_BYTES));
    this.joined = joined;
    this.outbox = new Outbox(observer, bufferBytes, joinBytes, joined);
    this.bufferBytes = bufferBytes;
    this.onEnd = onEnd;
    observer.setOnCancelHandler(this::cancelled);
  }

  @Override
  public void onNext(WatchRequest request) {
    if (gate == null) {
      handle(request);
      return;
    }
    synchronized (lock) {
      if (ended) {
        return;
      }
      queued.add(request);
      if (draining) {
        return;
      }
      draining = true;
    }
    drain();
  }

  /**
   * Handles queued requests in order until none is left or a create waits for its check (whose
   * completion carries on). Only one thread drains at a time ({@code draining}), so a cancel or
   * progress request never overtakes the create before it, as on etcd's stream.
   */
  private void drain() {
    while (true) {
      WatchRequest next;
      synchronized (lock) {
        next = ended ? null : queued.poll();
        if (next == null) {
          queued.clear();
          draining = false;
          return;
        }
      }
      if (next.getRequestUnionCase() != WatchRequest.RequestUnionCase.CREATE_REQUEST) {
        handle(next);
        continue;
      }
      WatchCreateRequest r = withKey(next.getCreateRequest());
      CompletableFuture<ReadPermissions.Decision> decision =
          gate.check(r.getKey(), r.getRangeEnd()).exceptionally(t -> ReadPermissions.Decision.UNKNOWN);
      if (!decision.isDone()) {
        decision.thenAccept(d -> {
          gated(r, d);
          drain();
        });
        return;
      }
      gated(r, decision.join());
    }
  }

  private void gated(WatchCreateRequest r, ReadPermissions.Decision decision) {
    switch (decision) {
      case ALLOWED -> create(r);
      case DENIED -> refuse(r, PERMISSION_DENIED);
      case INVALID_TOKEN -> refuse(r, INVALID_TOKEN);
      default -> refuse(r, PERMISSION_UNKNOWN);
    }
  }

  /** etcd's answer to a create it does not serve: created and canceled at once, watch_id -1. */
  private void refuse(WatchCreateRequest r, String reason) {
    synchronized (lock) {
      if (ended) {
        return;
      }
      StreamWatch w = new StreamWatch(-1, false, r.getKey(), r.getRangeEnd());
      w.created = WatchResponse.newBuilder().setHeader(headers.current()).setWatchId(-1)
          .setCreated(true).setCanceled(true).setCancelReason(reason).build();
      w.refused = true;
      creating.add(w);
      flushCreatedLocked();
    }
  }

  /**
   * Re-asks the gate about every open watch and cancels those the caller may no longer read, with
   * etcd's permission-denied reason. etcd itself never re-checks an open watch (3.4): this is
   * stricter, and how long a revoked caller keeps receiving events is bounded by how often this
   * runs. Watches whose check gets no answer, or whose token is no longer valid (expired or its user
   * deleted: etcd says so as it does for a forged one) keep running, as on etcd.
   */
  void recheck() {
    if (gate == null) {
      return;
    }
    List<StreamWatch> open;
    synchronized (lock) {
      if (ended) {
        return;
      }
      open = new ArrayList<>();
      for (StreamWatch w : watches.values()) {
        if (w.createdSent && !w.closed) {
          open.add(w);
        }
      }
    }
    for (StreamWatch w : open) {
      gate.check(w.key, w.rangeEnd).thenAccept(d -> {
        if (d == ReadPermissions.Decision.DENIED) {
          revoked(w);
        }
      });
    }
  }

  /** Cancels {@code w}: its caller lost read permission on its range. */
  private void revoked(StreamWatch w) {
    synchronized (lock) {
      if (ended || w.closed || watches.get(w.id) != w) {
        return;
      }
      watches.remove(w.id);
      w.closed = true;
      w.held = null;
      forgetProgressLocked(w);
      sendLocked(WatchResponse.newBuilder().setHeader(headers.current()).setWatchId(w.id).setCanceled(true)
          .setCancelReason(PERMISSION_DENIED).build());
    }
    w.close();
  }

  private void handle(WatchRequest request) {
    switch (request.getRequestUnionCase()) {
      case CREATE_REQUEST -> create(request.getCreateRequest());
      case CANCEL_REQUEST -> cancel(request.getCancelRequest());
      case PROGRESS_REQUEST -> progress();
      default -> { } // etcd ignores a request it does not know rather than end the stream
    }
  }

  @Override
  public void onError(Throwable t) {
    cancelled();
  }

  @Override
  public void onCompleted() {
    // etcd's recvLoop returns on EOF but the stream lives until the client goes.
  }

  /** Ends every watch and the stream with {@code status} (server shutdown). */
  void shutdown(Status status) {
    end();
    outbox.fail(status);
  }

  private void cancelled() {
    outbox.discard();
    end();
  }

  private void end() {
    List<StreamWatch> open;
    synchronized (lock) {
      if (ended) {
        return;
      }
      ended = true;
      open = new ArrayList<>(watches.values());
      open.addAll(creating);
      watches.clear();
      creating.clear();
      progressWaiting.clear();
    }
    open.forEach(StreamWatch::close);
    onEnd.run();
  }

  /** {@code request} with etcd's empty-key rule applied: an empty key means {@code "\0"}. */
  private static WatchCreateRequest withKey(WatchCreateRequest request) {
    return request.getKey().isEmpty()
        ? request.toBuilder().setKey(ByteString.copyFrom(new byte[] {0})).build() : request;
  }

  private void create(WatchCreateRequest request) {
    WatchCreateRequest r = withKey(request);
    ByteString end = r.getRangeEnd();
    boolean fromKey = end.size() == 1 && end.byteAt(0) == 0;
    StreamWatch w;
    synchronized (lock) {
      if (ended) {
        return;
      }
      String refusal = null;
      if (!end.isEmpty() && !fromKey && ByteString.unsignedLexicographicalComparator().compare(r.getKey(), end) >= 0) {
        refusal = EMPTY_RANGE;
      } else if (MissingFields.watchId(r) != 0 && watches.containsKey(MissingFields.watchId(r))) {
        refusal = DUPLICATE_ID;
      }
      long id;
      if (refusal != null) {
        id = -1;
      } else if (MissingFields.watchId(r) != 0) {
        id = MissingFields.watchId(r);
      } else {
        while (watches.containsKey(nextId)) {
          nextId++;
        }
        id = nextId++;
      }
      w = new StreamWatch(id, MissingFields.fragment(r), r.getKey(), end);
      creating.add(w);
      if (refusal != null) {
        w.created = WatchResponse.newBuilder().setHeader(headers.current()).setWatchId(-1)
            .setCreated(true).setCanceled(true).setCancelReason(refusal).build();
        w.refused = true;
        flushCreatedLocked();
        return;
      }
      watches.put(id, w);
    }
    Watch.Watcher watcher;
    try {
      watcher = wire.watch(r, new WatchListener(w));
    } catch (RuntimeException e) {
      failed(w, e);
      return;
    }
    synchronized (lock) {
      w.watcher = watcher;
      if (!ended && !w.closed) {
        return;
      }
    }
    watcher.close();
  }

  private void cancel(WatchCancelRequest request) {
    StreamWatch w;
    synchronized (lock) {
      w = watches.get(request.getWatchId());
      if (w == null || w.cancelRequested) {
        return;
      }
      if (!w.createdSent) {
        // etcd answered created at once; ours follows when the cache has it, then this cancel.
        w.cancelRequested = true;
        return;
      }
      watches.remove(w.id);
      w.closed = true; // responses already queued for it must not follow its canceled response
      w.held = null;
      forgetProgressLocked(w);
      sendLocked(WatchResponse.newBuilder().setHeader(headers.current()).setWatchId(w.id).setCanceled(true).build());
    }
    w.close();
  }

  private void progress() {
    List<StreamWatch> asked = new ArrayList<>();
    synchronized (lock) {
      if (ended) {
        return;
      }
      for (StreamWatch w : watches.values()) {
        if (w.createdSent && !w.cancelRequested && w.watcher != null) {
          asked.add(w);
        }
      }
      if (asked.isEmpty()) {
        sendLocked(WatchResponse.newBuilder().setHeader(headers.current()).setWatchId(-1).build());
        return;
      }
      // Each request starts a new round: a watch that never answers (lagging, as etcd 3.4.31+
      // leaves unsynced watchers unanswered) holds up only the rounds it is part of. A late answer
      // from an earlier round still counts: its revision is a true statement, only older.
      progressWaiting.clear();
      progressWaiting.addAll(asked);
      progressRevision = Long.MAX_VALUE;
    }
    asked.forEach(w -> w.watcher.requestProgress());
  }

  /**
   * A watch's response (watch_id unset) from the cache. The cache gives every watch of one shape
   * the same response object, so it is kept as it is (not copied with this watch's id) until it
   * is sent: {@link SharedEncodings} then encodes it with the id once for all streams.
   */
  private void received(StreamWatch w, WatchResponse response, int behind) {
    headers.observe(response.getHeader());
    synchronized (lock) {
      if (ended || w.closed) {
        return;
      }
      if (w.createdSent && !w.fragment && (w.held != null || behind >= JOIN_WHEN_BEHIND)
          && response.getEventsCount() > 0) {
        EncodedWatchResponse encoded = shared.withWatchId(response, w.id);
        if (encoded.joinable()) {
          holdLocked(w, encoded);
          return;
        }
      }
      releaseLocked(w);
      if (response.getCreated()) {
        w.created = response.toBuilder().setWatchId(w.id).build();
        flushCreatedLocked();
      } else if (response.getEventsCount() == 0 && !response.getCanceled() && progressWaiting.remove(w)) {
        progressRevision = Math.min(progressRevision, response.getHeader().getRevision());
        progressDoneLocked(response.getHeader());
      } else if (!w.createdSent) {
        // Held until an earlier watch's created response has gone out; counted in the bound.
        w.early.add(response);
        earlyBytes += response.getSerializedSize();
        if (earlyBytes + outbox.waitingBytes() > bufferBytes) {
          outbox.fail(Status.RESOURCE_EXHAUSTED.withDescription(
              "etcd-cache: watch stream closed: more than " + bufferBytes + " bytes of responses held for it"));
          abortLocked();
        }
      } else {
        sendEventsLocked(w, response);
      }
    }
  }

  /** A watch ended with an error: a compaction, or etcd's status. */
  private void failed(StreamWatch w, Throwable error) {
    synchronized (lock) {
      if (ended || w.closed) {
        return;
      }
      WatchResponse.Builder b = WatchResponse.newBuilder().setWatchId(w.id).setCanceled(true);
      if (error instanceof CompactedException c) {
        // etcd's compacted response carries no revision of its own (mvcc sends only CompactRevision).
        b.setHeader(headers.at(0)).setCompactRevision(c.getCompactedRevision());
      } else {
        b.setHeader(headers.current()).setCancelReason(String.valueOf(error.getMessage()));
      }
      releaseLocked(w);
      watches.remove(w.id);
      forgetProgressLocked(w);
      if (!w.createdSent) {
        if (w.created == null) {
          w.created = WatchResponse.newBuilder().setHeader(headers.current()).setWatchId(w.id).setCreated(true).build();
        }
        w.early.add(b.build());
        w.endAfterFlush = true;
        flushCreatedLocked();
      } else {
        sendLocked(b.build());
        w.closed = true;
      }
    }
    w.close();
  }

  @GuardedBy("lock")
  private void flushCreatedLocked() {
    while (!creating.isEmpty() && creating.peek().created != null) {
      StreamWatch w = creating.poll();
      sendLocked(w.created);
      w.createdSent = true;
      if (w.refused) {
        continue;
      }
      List<WatchResponse> held = new ArrayList<>(w.early);
      w.early.clear();
      for (WatchResponse r : held) {
        earlyBytes -= r.getSerializedSize();
        sendEventsLocked(w, r);
      }
      if (ended) {
        return;
      }
      if (w.endAfterFlush) {
        w.closed = true;
      } else if (w.cancelRequested) {
        watches.remove(w.id);
        sendLocked(WatchResponse.newBuilder().setHeader(headers.current()).setWatchId(w.id).setCanceled(true).build());
        w.closed = true;
        Watch.Watcher watcher = w.watcher;
        if (watcher != null) {
          watcher.close();
        }
      }
    }
  }

  /** Holds an events response of {@code w} to send joined with the ones after it. */
  @GuardedBy("lock")
  private void holdLocked(StreamWatch w, EncodedWatchResponse encoded) {
    if (w.held == null) {
      w.held = new PendingResponse(encoded);
    } else if (w.held.tryJoin(encoded, joinBytes)) {
      joined.increment();
    } else {
      releaseLocked(w);
      w.held = new PendingResponse(encoded);
    }
  }

  /** Sends what is held for {@code w}, if anything. */
  @GuardedBy("lock")
  private void releaseLocked(StreamWatch w) {
    PendingResponse held = w.held;
    if (held != null) {
      w.held = null;
      sendLocked(held.encoded());
    }
  }

  /** The cache's hand-over of {@code w}'s responses ended: nothing may stay held. */
  private void handOverEnded(StreamWatch w) {
    synchronized (lock) {
      if (!ended && !w.closed) {
        releaseLocked(w);
      }
    }
  }

  @GuardedBy("lock")
  private void forgetProgressLocked(StreamWatch w) {
    if (progressWaiting.remove(w)) {
      progressDoneLocked(headers.current());
    }
  }

  @GuardedBy("lock")
  private void progressDoneLocked(ResponseHeader sample) {
    if (!progressWaiting.isEmpty()) {
      return;
    }
    long revision = progressRevision == Long.MAX_VALUE ? sample.getRevision() : progressRevision;
    progressRevision = Long.MAX_VALUE;
    sendLocked(WatchResponse.newBuilder().setHeader(sample.toBuilder().setRevision(revision)).setWatchId(-1).build());
  }

  /** Sends a response from the cache (watch_id unset, or already {@code w}'s) as {@code w}'s. */
  @GuardedBy("lock")
  private void sendEventsLocked(StreamWatch w, WatchResponse source) {
    if (!w.fragment) {
      sendLocked(shared.withWatchId(source, w.id));
      return;
    }
    WatchResponse r = source.toBuilder().setWatchId(w.id).build();
    if (r.getSerializedSize() < fragmentBytes || r.getEventsCount() < 2) {
      sendLocked(r);
      return;
    }
    // etcd's sendFragments: fill each part until adding an event reaches the limit (a part holds
    // at least one event); every part but the last has fragment=true.
    int idx = 0;
    int n = r.getEventsCount();
    while (idx < n) {
      WatchResponse.Builder part = MissingFields.setFragment(r.toBuilder().clearEvents(), true);
      part.addEvents(r.getEvents(idx++));
      while (idx < n) {
        part.addEvents(r.getEvents(idx));
        if (part.build().getSerializedSize() >= fragmentBytes) {
          part.removeEvents(part.getEventsCount() - 1);
          break;
        }
        idx++;
      }
      if (idx == n) {
        MissingFields.setFragment(part, false);
      }
      sendLocked(EncodedWatchResponse.alone(part.build()));
    }
  }

  @GuardedBy("lock")
  private void sendLocked(WatchResponse r) {
    sendLocked(EncodedWatchResponse.of(r));
  }

  @GuardedBy("lock")
  private void sendLocked(EncodedWatchResponse r) {
    if (!outbox.send(r) && !ended) {
      // The client stopped reading: the outbox ended the stream; end its watches off this path.
      abortLocked();
    }
  }

  /** Ends the stream's watches after the outbox ended the call (the client does not read). */
  @GuardedBy("lock")
  private void abortLocked() {
    if (!ended) {
      onSlowClient.run();
    }
    LOG.warn("closed a watch stream with {} watches: its client did not read (RESOURCE_EXHAUSTED)",
        watches.size());
    ended = true;
    List<StreamWatch> open = new ArrayList<>(watches.values());
    open.addAll(creating);
    watches.clear();
    creating.clear();
    progressWaiting.clear();
    earlyBytes = 0;
    for (StreamWatch w : open) {
      w.closed = true;
      w.early.clear();
      Watch.Watcher watcher = w.watcher;
      if (watcher != null) {
        watcher.close();
      }
    }
    onEnd.run();
  }

  /** One watch of this stream; fields guarded by the stream's lock. */
  private static final class StreamWatch {
    final long id;
    final boolean fragment;
    /** The watch's range, for permission re-checks. */
    final ByteString key;
    final ByteString rangeEnd;
    volatile Watch.Watcher watcher;
    WatchResponse created;
    boolean createdSent;
    boolean refused;
    boolean cancelRequested;
    boolean endAfterFlush;
    boolean closed;
    /** Responses held until the created response goes out: the cache's (watch_id unset) or this watch's own. */
    final List<WatchResponse> early = new ArrayList<>();
    /** Events responses held to go out as one, while the cache is behind on this watch (see {@link #JOIN_WHEN_BEHIND}). */
    PendingResponse held;

    StreamWatch(long id, boolean fragment, ByteString key, ByteString rangeEnd) {
      this.id = id;
      this.fragment = fragment;
      this.key = key;
      this.rangeEnd = rangeEnd;
    }

    void close() {
      Watch.Watcher w = watcher;
      if (w != null) {
        w.close();
      }
    }
  }

  /** Routes one watch's callbacks to the stream. */
  private final class WatchListener implements CacheWire.Listener {
    private final StreamWatch w;

    WatchListener(StreamWatch w) {
      this.w = w;
    }

    @Override
    public void onResponse(WatchResponse response) {
      received(w, response, 0);
    }

    @Override
    public void onResponse(WatchResponse response, int behind) {
      received(w, response, behind);
    }

    @Override
    public void handOverEnded() {
      WatchStream.this.handOverEnded(w);
    }

    @Override
    public void onError(Throwable error) {
      failed(w, error);
    }

    @Override
    public void onCompleted() {
      synchronized (lock) {
        if (!ended && !w.closed) {
          releaseLocked(w);
        }
        if (!w.closed && watches.get(w.id) == w) {
          watches.remove(w.id);
          forgetProgressLocked(w);
        }
      }
    }
  }
}
