package dev.etcdcache.server;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;

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
 * <p>Thread-safe (every method holds this object's monitor; the observer is only touched under it).
 */
final class Outbox {

  /** Takes {@link EncodedWatchResponse}s ({@link WatchMethod}'s marshaller writes their bytes). */
  private final ServerCallStreamObserver<Object> observer;
  private final long limitBytes;
  private final ArrayDeque<EncodedWatchResponse> waiting = new ArrayDeque<>();
  private long waitingBytes;
  private boolean closed;

  Outbox(ServerCallStreamObserver<Object> observer, long limitBytes) {
    this.observer = observer;
    this.limitBytes = limitBytes;
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
    waiting.add(response);
    waitingBytes += response.size();
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
      EncodedWatchResponse r = waiting.poll();
      waitingBytes -= r.size();
      observer.onNext(r);
    }
  }
}
