package dev.etcdcache.server;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.AuthenticateResponse;
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
 * <p>When the server presents a client certificate to etcd ({@code lendsIdentity}), etcd's
 * {@code --client-cert-auth} takes that certificate's CN as the user of every tokenless call on the
 * server's connections, so a tokenless Range says nothing about auth (it may succeed as that user),
 * and forwarding a tokenless call would lend the caller the server's identity. Then the probe is an
 * Authenticate with an empty user name instead, which etcd answers "authentication is not enabled"
 * or "authentication failed" whoever asks; until the first answer and while auth is on,
 * {@link #refusesTokenless()} holds. While auth is on that probe runs every {@link #ENABLED_INTERVAL}
 * only (etcd logs each failed authentication), so a disabled auth is noticed within that; an
 * enabled one within {@code interval}.
 *
 * <p>Thread-safe. One daemon thread runs the probe.
 */
final class AuthGuard implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AuthGuard.class);

  /** How often the Authenticate probe runs while etcd's auth is on. */
  static final Duration ENABLED_INTERVAL = Duration.ofSeconds(30);

  private final Channel upstream;
  private final ScheduledExecutorService timer;
  private final boolean lendsIdentity;
  private final long intervalMillis;
  private volatile boolean authEnabled;

  /** @param lendsIdentity the server's connections to etcd present a client certificate */
  AuthGuard(Channel upstream, Duration interval, boolean lendsIdentity) {
    this.upstream = upstream;
    this.lendsIdentity = lendsIdentity;
    this.intervalMillis = interval.toMillis();
    // Not known yet: with a lent identity assume auth is on until etcd says otherwise.
    this.authEnabled = lendsIdentity;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cache-server-auth-probe");
      t.setDaemon(true);
      return t;
    });
    if (lendsIdentity) {
      timer.execute(this::probeAuthenticate);
    } else {
      timer.scheduleWithFixedDelay(this::probe, 0, intervalMillis, TimeUnit.MILLISECONDS);
    }
  }

  /** Whether a call without a token may be answered from the mirror. */
  boolean servesTokenless() {
    return !authEnabled;
  }

  /**
   * Whether a call without a token must be refused by the server itself: etcd's auth is on (or not
   * known yet) and forwarding the call would make it etcd's user named by the server's certificate.
   */
  boolean refusesTokenless() {
    return lendsIdentity && authEnabled;
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

  private void probeAuthenticate() {
    AuthenticateRequest r = AuthenticateRequest.newBuilder().setName("").setPassword("").build();
    AuthGrpc.newStub(upstream).withDeadlineAfter(5, TimeUnit.SECONDS).authenticate(r,
        new StreamObserver<AuthenticateResponse>() {
          @Override
          public void onNext(AuthenticateResponse value) {
            set(true); // a user named "" logged in: auth is on
          }

          @Override
          public void onError(Throwable t) {
            Status s = Status.fromThrowable(t);
            // etcd: ErrGRPCAuthNotEnabled (FAILED_PRECONDITION) when off; ErrGRPCAuthFailed when on.
            if (s.getCode() == Status.Code.FAILED_PRECONDITION) {
              set(false);
            } else if (s.getCode() == Status.Code.INVALID_ARGUMENT || s.getCode() == Status.Code.PERMISSION_DENIED
                || s.getCode() == Status.Code.UNAUTHENTICATED) {
              set(true);
            }
            next();
          }

          @Override
          public void onCompleted() {
            next();
          }

          private void next() {
            try {
              timer.schedule(AuthGuard.this::probeAuthenticate,
                  authEnabled ? ENABLED_INTERVAL.toMillis() : intervalMillis, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
              // the server is closing
            }
          }
        });
  }

  private void set(boolean enabled) {
    if (authEnabled != enabled) {
      authEnabled = enabled;
      LOG.info("etcd auth is {}: calls without a token are {}", enabled ? "enabled" : "disabled",
          !enabled ? "served from the cache" : lendsIdentity
              ? "refused (the server's certificate must not lend them its etcd user)" : "forwarded to etcd");
    }
  }
}
