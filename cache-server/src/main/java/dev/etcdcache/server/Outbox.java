package dev.etcdcache.server;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.LongAdder;

/**
 * The outbound side of one watch stream: responses, already encoded (often shared with other
 * streams, see {@link SharedEncodings}), go to gRPC only while the stream
 * {@linkplain ServerCallStreamObserver#isReady() is ready} (the client reads and HTTP/2 flow
 * control has room); the rest wait here, in order, and go out from the stream's on-ready callback.
 * Past {@code limitBytes} waiting, the client is not keeping up: the stream is closed with
 * RESOURCE_EXHAUSTED and everything waiting is dropped, so one client that never reads cannot grow
 * the server's memory, and nobody else waits for it. No thread is involved: senders enqueue and
 * drain on their own thread, gRPC's on-ready callback drains the rest.
 *
 * <p>Fewer, larger messages for a stream that is behind: a response that has to wait is joined to
 * the waiting response before it when both carry only events of the same watch
 * ({@link PendingResponse}, as etcd batches the events of up to 1,000 revisions for a lagging
 * watcher), up to {@code joinBytes} per response. A stream counts as behind once more than
 * {@value #READY_BYTES} bytes of its responses are queued in the transport (gRPC's on-ready
 * threshold, 32 KiB by default): whether the client does not read or the server's event loop has
 * not written them yet. Writing one HTTP/2 frame per stream per revision is what bounds fan-out, so
 * a stream that falls behind catches up in fewer writes, where with gRPC's default threshold about
 * 300 small responses queued per stream, each its own frame, before the outbox saw any backlog. A
 * client that keeps up gets one response per revision, as from etcd.
 *
 * <p>Thread-safe (every method holds this object's monitor; the observer is only touched under it).
 */
final class Outbox {

  /**
   * Bytes queued in the transport for this stream beyond which it is not ready and responses wait
   * here (to be joined): a few small responses, or one large one.
   */
  static final int READY_BYTES = 1024;

  /** Takes {@link EncodedWatchResponse}s ({@link WatchMethod}'s marshaller writes their bytes). */
  private final ServerCallStreamObserver<Object> observer;
  private final long limitBytes;
  private final int joinBytes;
  private final LongAdder joined;
  private final ArrayDeque<PendingResponse> waiting = new ArrayDeque<>();
  private long waitingBytes;
  private boolean closed;

  /**
   * @param joinBytes a joined response stays below this size (below the fragment limit, so joining
   *     never makes a response etcd would have fragmented)
   * @param joined counts responses sent as part of another (server-wide)
   */
  Outbox(ServerCallStreamObserver<Object> observer, long limitBytes, int joinBytes, LongAdder joined) {
    this.observer = observer;
    this.limitBytes = limitBytes;
    this.joinBytes = joinBytes;
    this.joined = joined;
    observer.setOnReadyThreshold(READY_BYTES);
    observer.setOnReadyHandler(this::drain);
  }

  /**
   * Sends {@code response} now or once the client reads. Returns false when the outbox is closed,
   * or closes it now because the client is too far behind; the caller then ends the stream's watches.
   */
  synchronized boolean send(EncodedWatchResponse response) {
    if (closed) {
      return false;
    }
    if (waiting.isEmpty() && observer.isReady()) {
      observer.onNext(response); // the client keeps up: as it comes, nothing held
      return true;
    }
    PendingResponse tail = waiting.peekLast();
    int before = tail == null ? 0 : tail.size();
    if (tail != null && tail.tryJoin(response, joinBytes)) {
      waitingBytes += tail.size() - before;
      joined.increment();
    } else {
      waiting.add(new PendingResponse(response));
      waitingBytes += response.size();
    }
    drain();
    if (waitingBytes > limitBytes) {
      fail(Status.RESOURCE_EXHAUSTED.withDescription("etcd-cache: watch stream closed: the client did not read "
          + waitingBytes + " bytes of watch responses (limit " + limitBytes + ")"));
      return false;
    }
    return true;
  }

  /** Bytes waiting for the client. */
  synchronized long waitingBytes() {
    return waitingBytes;
  }

  /** Drops whatever waits and ends the stream with {@code status}, unless already closed. */
  synchronized void fail(Status status) {
    if (closed) {
      return;
    }
    closed = true;
    waiting.clear();
    waitingBytes = 0;
    if (!observer.isCancelled()) {
      try {
        observer.onError(status.asRuntimeException());
      } catch (IllegalStateException alreadyClosed) {
        // The call ended meanwhile.
      }
    }
  }

  /** Marks the outbox closed without sending anything (the call is gone). */
  synchronized void discard() {
    closed = true;
    waiting.clear();
    waitingBytes = 0;
  }

  private synchronized void drain() {
    while (!closed && !waiting.isEmpty() && observer.isReady()) {
      PendingResponse r = waiting.poll();
      waitingBytes -= r.size();
      observer.onNext(r.encoded());
    }
  }
}
