package dev.etcdcache.core.trace;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.Objects;

/**
 * The cache's spans, named {@code etcd_cache.*}: the first list and each re-list
 * ({@value #BOOTSTRAP}, attribute {@link #REASON}) with one child per Range page ({@value #PAGE}),
 * an upstream watch outage until it is re-established ({@value #RECONNECT}), the wait of a
 * linearizable read for the mirror ({@value #CONSISTENT_READ_WAIT}), a read sent to etcd
 * ({@value #PASS_THROUGH}, with its {@link #REASON}) and a view's decode of one revision's changes
 * ({@value #VIEW_DECODE}). A read's span is a child of the caller's current span; the decision
 * (memory or etcd, and why) is also set on that caller's span ({@link #DECISION}, {@link #REASON}),
 * which is how {@code cache-server}'s per-RPC span carries it.
 *
 * <p>{@link #disabled()} (no OpenTelemetry configured) starts nothing and reads no context: every
 * call is a field test. With OpenTelemetry configured and a span not sampled, the API's
 * non-recording spans are used. Serializable reads never start a span. Thread-safe.
 */
public final class Tracing {

  /** A first list or a re-list of the mirrored ranges. */
  public static final String BOOTSTRAP = "etcd_cache.bootstrap";
  /** One Range page of a bootstrap. */
  public static final String PAGE = "etcd_cache.bootstrap.page";
  /** From the upstream watch's loss to its re-establishment. */
  public static final String RECONNECT = "etcd_cache.reconnect";
  /** A linearizable read from arrival to answer. */
  public static final String CONSISTENT_READ_WAIT = "etcd_cache.consistent_read_wait";
  /** A read sent to etcd. */
  public static final String PASS_THROUGH = "etcd_cache.pass_through";
  /** A view decoding one revision's (or one re-list's) changes. */
  public static final String VIEW_DECODE = "etcd_cache.view.decode";

  /** Why a bootstrap ran or a read went to etcd. */
  public static final AttributeKey<String> REASON = AttributeKey.stringKey("etcd_cache.reason");
  /** Where a read was answered: {@code memory} or {@code etcd}. */
  public static final AttributeKey<String> DECISION = AttributeKey.stringKey("etcd_cache.decision");
  /** Keys in a page, objects changed in a decode batch. */
  public static final AttributeKey<Long> KEYS = AttributeKey.longKey("etcd_cache.keys");
  /** The revision a bootstrap listed at or a decode batch reached. */
  public static final AttributeKey<Long> REVISION = AttributeKey.longKey("etcd_cache.revision");
  /** A view's prefix. */
  public static final AttributeKey<String> VIEW = AttributeKey.stringKey("etcd_cache.view");

  private static final Tracing DISABLED = new Tracing(null);

  private final Tracer tracer;

  private Tracing(Tracer tracer) {
    this.tracer = tracer;
  }

  /** No spans at all. */
  public static Tracing disabled() {
    return DISABLED;
  }

  /** Spans through {@code openTelemetry}'s tracer {@code dev.etcdcache}. */
  public static Tracing of(OpenTelemetry openTelemetry) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    return new Tracing(openTelemetry.getTracer("dev.etcdcache"));
  }

  /** Whether spans are started at all. */
  public boolean enabled() {
    return tracer != null;
  }

  /** The caller's context to parent a span on; the root when disabled (no thread-local read). */
  public Context caller() {
    return tracer == null ? Context.root() : Context.current();
  }

  /** A started span {@code name}, child of {@code parent}; the invalid (no-op) span when disabled. */
  public Span start(String name, Context parent) {
    if (tracer == null) {
      return Span.getInvalid();
    }
    return tracer.spanBuilder(name).setParent(parent).startSpan();
  }

  /** A started root-level span {@code name}, child of nothing. */
  public Span start(String name) {
    return start(name, Context.root());
  }

  /** A started child of {@code parent}. */
  public Span startChild(String name, Span parent) {
    return start(name, Context.root().with(parent));
  }

  /** Sets where a read was answered on the caller's span, if the caller has one. */
  public void decide(Context caller, String decision, String reason) {
    if (tracer == null) {
      return;
    }
    Span span = Span.fromContext(caller);
    span.setAttribute(DECISION, decision);
    span.setAttribute(REASON, reason);
  }

  /** Ends {@code span}, marked as an error when {@code failure} is not null. */
  public static void end(Span span, Throwable failure) {
    if (failure != null) {
      span.recordException(failure);
      span.setStatus(StatusCode.ERROR, failure.toString());
    }
    span.end();
  }
}
