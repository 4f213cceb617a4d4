package dev.etcdcache.server;

import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A raw Watch stream that records every response it receives, for comparing two servers. */
final class RecordedStream implements AutoCloseable {

  private final List<WatchResponse> received = new ArrayList<>();
  private final StreamObserver<WatchRequest> requests;
  private Throwable error;

  RecordedStream(Channel channel) {
    requests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
      @Override
      public void onNext(WatchResponse value) {
        synchronized (RecordedStream.this) {
          received.add(value);
          RecordedStream.this.notifyAll();
        }
      }

      @Override
      public void onError(Throwable t) {
        synchronized (RecordedStream.this) {
          error = t;
          RecordedStream.this.notifyAll();
        }
      }

      @Override
      public void onCompleted() {
      }
    });
  }

  void create(WatchCreateRequest r) {
    send(WatchRequest.newBuilder().setCreateRequest(r).build());
  }

  synchronized void send(WatchRequest r) {
    requests.onNext(r);
  }

  /** Everything received so far. */
  synchronized List<WatchResponse> responses() {
    return List.copyOf(received);
  }

  synchronized Throwable error() {
    return error;
  }

  /** Waits (hang guard: 30 s) until the responses received satisfy {@code done}; returns them. */
  synchronized List<WatchResponse> await(Predicate<List<WatchResponse>> done) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!done.test(received) && error == null) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return List.copyOf(received);
  }

  /** Waits until {@code n} responses have arrived. */
  List<WatchResponse> await(int n) throws InterruptedException {
    return await(l -> l.size() >= n);
  }

  /**
   * Waits until this stream has received as much as {@code other} did, counted per revision (see
   * {@link #perRevision}), so a stream whose revisions the server joined is not waited on forever.
   */
  List<WatchResponse> awaitAsMuchAs(List<WatchResponse> other) throws InterruptedException {
    int n = perRevision(other);
    return await(l -> perRevision(l) >= n);
  }

  /**
   * How many responses {@code responses} would be if every events response carried one revision:
   * a response carrying the events of several revisions (a replay, or revisions the server joined
   * for a stream it is behind on) counts once per revision.
   */
  static int perRevision(List<WatchResponse> responses) {
    int n = 0;
    for (WatchResponse r : responses) {
      long last = -1;
      int revisions = 0;
      for (Event e : r.getEventsList()) {
        if (e.getKv().getModRevision() != last) {
          last = e.getKv().getModRevision();
          revisions++;
        }
      }
      n += Math.max(1, revisions);
    }
    return n;
  }

  /**
   * {@code responses} grouped by watch (in order of each watch's first response) with every run of
   * consecutive events-only responses of a watch joined into one, under the run's last header: the
   * form in which a stream of etcd's and one of the server's compare whatever revisions the server
   * joined, byte for byte. Any other response (created, canceled, progress, a fragment) stays as it is
   * and ends a run.
   */
  static List<WatchResponse> joinedRuns(List<WatchResponse> responses) {
    Map<Long, List<WatchResponse>> byWatch = new LinkedHashMap<>();
    for (WatchResponse r : responses) {
      List<WatchResponse> own = byWatch.computeIfAbsent(r.getWatchId(), k -> new ArrayList<>());
      WatchResponse last = own.isEmpty() ? null : own.get(own.size() - 1);
      if (last != null && eventsOnly(last) && eventsOnly(r)) {
        own.set(own.size() - 1, r.toBuilder().clearEvents().addAllEvents(last.getEventsList())
            .addAllEvents(r.getEventsList()).build());
      } else {
        own.add(r);
      }
    }
    return byWatch.values().stream().flatMap(List::stream).toList();
  }

  private static boolean eventsOnly(WatchResponse r) {
    return r.getEventsCount() > 0 && !r.getCreated() && !r.getCanceled() && r.getCompactRevision() == 0
        && r.getCancelReason().isEmpty() && !MissingFields.fragment(r);
  }

  /** Waits {@code quiet} for anything more to arrive, then returns all. */
  List<WatchResponse> settle(Duration quiet) throws InterruptedException {
    ServerFixture.pause(quiet);
    return responses();
  }

  @Override
  public synchronized void close() {
    try {
      requests.onError(new RuntimeException("test done"));
    } catch (RuntimeException ignored) {
      // already closed
    }
  }
}
