package dev.etcdcache.server;

import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The mirror's revision probes sent over the server's own channel to etcd instead of through
 * jetcd: a grpc-java call costs a fraction of a jetcd call (no retry policy built per call, no hop
 * to jetcd's executor and Vert.x event loop), and its answer completes on the channel's Netty
 * event loop, from where the reads sharing the probe go back to their own connections' loops. Used
 * only where that channel carries the mirror's own identity (no {@code --user}: the same
 * certificate, or none).
 *
 * <p>Each call runs outside the caller's gRPC context: no caller's token rides on it
 * ({@link TokenRelay}), and a caller that goes away does not cancel a probe other reads share.
 * It gives up after {@code timeout}, as the mirror's own jetcd requests do. Failures are etcd's
 * gRPC status. Thread-safe; never blocks.
 */
final class ChannelRange implements Function<RangeRequest, CompletableFuture<RangeResponse>> {

  /** The answer is handed on where it arrives: completing the probe only schedules work elsewhere. */
  private static final Executor ON_ARRIVAL = Runnable::run;

  private final Channel channel;
  private final long timeoutNanos;

  ChannelRange(Channel channel, Duration timeout) {
    this.channel = channel;
    this.timeoutNanos = timeout.toNanos();
  }

  @Override
  public CompletableFuture<RangeResponse> apply(RangeRequest request) {
    CompletableFuture<RangeResponse> answer = new CompletableFuture<>();
    Context.ROOT.run(() -> KVGrpc.newStub(channel)
        .withExecutor(ON_ARRIVAL)
        .withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS)
        .range(request, new StreamObserver<>() {
          @Override
          public void onNext(RangeResponse value) {
            answer.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            // Unary: onNext came first, or onError instead.
          }
        }));
    return answer;
  }
}
