package dev.etcdcache.server;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether etcd would serve a caller that sent no auth token. The mirror knows nothing of etcd's
 * users, so the cache may answer a tokenless Range or Watch only while etcd's auth is disabled.
 * Every {@code interval} a tokenless, serializable, count-only Range goes to etcd: when etcd
 * refuses it for want of a user (auth enabled), tokenless calls are forwarded to etcd, which gives
 * its own error. Bound: for up to one interval after auth is enabled, a tokenless caller may still
 * be answered from the mirror. Calls with a token always go to etcd (see {@link KvService}).
 *
 * <p>Thread-safe. One daemon thread runs the probe.
 */
final class AuthGuard implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AuthGuard.class);

  private final Channel upstream;
  private final ScheduledExecutorService timer;
  private volatile boolean authEnabled;

  AuthGuard(Channel upstream, Duration interval) {
    this.upstream = upstream;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cache-server-auth-probe");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::probe, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether a call without a token may be answered from the mirror. */
  boolean servesTokenless() {
    return !authEnabled;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  private void probe() {
    RangeRequest r = RangeRequest.newBuilder().setKey(ByteString.copyFrom(new byte[] {0}))
        .setCountOnly(true).setSerializable(true).setLimit(1).build();
    KVGrpc.newStub(upstream).withDeadlineAfter(5, TimeUnit.SECONDS).range(r, new StreamObserver<RangeResponse>() {
      @Override
      public void onNext(RangeResponse value) {
        set(false);
      }

      @Override
      public void onError(Throwable t) {
        Status s = Status.fromThrowable(t);
        String d = s.getDescription() == null ? "" : s.getDescription();
        // etcd: ErrGRPCUserEmpty (auth on, no token) or ErrGRPCPermissionDenied.
        if (d.contains("user name is empty") || s.getCode() == Status.Code.PERMISSION_DENIED
            || s.getCode() == Status.Code.UNAUTHENTICATED) {
          set(true);
        }
      }

      @Override
      public void onCompleted() {
      }
    });
  }

  private void set(boolean enabled) {
    if (authEnabled != enabled) {
      authEnabled = enabled;
      LOG.info("etcd auth is {}: calls without a token are {}", enabled ? "enabled" : "disabled",
          enabled ? "forwarded to etcd" : "served from the cache");
    }
  }
}
