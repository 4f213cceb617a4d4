package dev.etcdcache.adapter.kubernetes;

import dev.etcdcache.api.CacheEvent;
import dev.etcdcache.api.CacheEventListener;
import dev.etcdcache.api.CacheSnapshot;
import dev.etcdcache.api.CacheView;
import dev.etcdcache.api.Query;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * A namespace, label selector and field selector compiled against a {@link KubernetesAdapter}'s
 * indexes: the {@link #query()} the indexes can answer, plus the full selector as a predicate for
 * what they cannot ({@code !=}, {@code notin}, {@code !key}, {@code >}, {@code <}, fields that are
 * not indexed). {@link Query} has no predicate node, so lists run the index query on the view and
 * filter its result; watches filter the view's events and turn them into Kubernetes' watch events.
 * Immutable and thread-safe.
 */
public final class Selection {

  private final Query<KubeObject> query;
  private final boolean exact;
  private final String namespace;
  private final LabelSelector labels;
  private final FieldSelector fields;

  Selection(Query<KubeObject> query, boolean exact, String namespace, LabelSelector labels, FieldSelector fields) {
    this.query = Objects.requireNonNull(query, "query");
    this.exact = exact;
    this.namespace = namespace;
    this.labels = labels;
    this.fields = fields;
  }

  /** The index query: every matching object matches it; when {@link #exact()}, only they do. */
  public Query<KubeObject> query() {
    return query;
  }

  /** Whether the index query alone selects exactly the matching objects (no filtering needed). */
  public boolean exact() {
    return exact;
  }

  /** Whether {@code object} matches the namespace, label selector and field selector. */
  public boolean matches(KubeObject object) {
    return (namespace == null || namespace.equals(object.namespace()))
        && labels.matches(object.labels())
        && fields.matches(object);
  }

  /** The matching objects of {@code snapshot}, in key order; their resourceVersion is not known (0). */
  public List<KubeObject> list(CacheSnapshot<KubeObject> snapshot) {
    List<KubeObject> candidates = snapshot.list(query);
    if (exact) {
      return candidates;
    }
    List<KubeObject> result = new ArrayList<>(candidates.size());
    for (KubeObject o : candidates) {
      if (matches(o)) {
        result.add(o);
      }
    }
    return result;
  }

  /** A linearizable list from {@code view}, with the revision it was read at. */
  public CompletableFuture<KubeList> list(CacheView<KubeObject> view) {
    return view.snapshot().thenApply(s -> new KubeList(s.revision(), list(s)));
  }

  /**
   * Watches the matching objects, with kube-apiserver's semantics: events after
   * {@code resourceVersion} ({@code 0} = from now); an object that starts matching (created, bound to
   * the selected node, relabelled into the selector) arrives as CREATED, one that stops matching as
   * DELETED carrying its last matching state in {@link CacheEvent#previous()}. Each delivered object
   * has {@link KubeObject#resourceVersion()} set to the event's revision, its mod revision. Calls are
   * serial per watch, on the view's delivery executor.
   *
   * @return closes the watch
   */
  public AutoCloseable watch(CacheView<KubeObject> view, long resourceVersion, CacheEventListener<KubeObject> listener) {
    Objects.requireNonNull(listener, "listener");
    if (resourceVersion < 0) {
      throw new IllegalArgumentException("resourceVersion must not be negative: " + resourceVersion);
    }
    // etcd (and CacheView) start revisions are inclusive; a Kubernetes resourceVersion is the last
    // revision the client has seen, so the watch starts one after it.
    long fromRevision = resourceVersion == 0 ? 0 : resourceVersion + 1;
    return view.watch(fromRevision, query, new Filter(this::matches, listener));
  }

  @Override
  public String toString() {
    return "Selection[namespace=" + namespace + ", " + labels + ", " + fields + ", query=" + query + ", exact=" + exact + "]";
  }

  /**
   * Applies the full selector to old and new states, as kube-apiserver's cacheWatcher does. The
   * view calls one listener serially, so the last delivered revision needs no synchronisation
   * beyond the view's own hand-off between calls.
   */
  private static final class Filter implements CacheEventListener<KubeObject> {
    private final Predicate<KubeObject> matches;
    private final CacheEventListener<KubeObject> listener;
    private long deliveredRevision;

    Filter(Predicate<KubeObject> matches, CacheEventListener<KubeObject> listener) {
      this.matches = matches;
      this.listener = listener;
    }

    @Override
    public void onEvent(CacheEvent<KubeObject> event) {
      long revision = event.revision();
      KubeObject now = event.object() == null ? null : event.object().withResourceVersion(revision);
      KubeObject before = event.previous();
      boolean nowMatches = now != null && matches.test(now);
      // A DELETED without its previous state can only be one the view's query held, so pass it on.
      boolean beforeMatches = before == null
          ? event.type() == CacheEvent.Type.DELETED
          : event.type() != CacheEvent.Type.CREATED && matches.test(before);
      CacheEvent<KubeObject> out;
      if (nowMatches && beforeMatches) {
        out = new CacheEvent<>(CacheEvent.Type.UPDATED, event.key(), now, before, revision);
      } else if (nowMatches) {
        out = new CacheEvent<>(CacheEvent.Type.CREATED, event.key(), now, null, revision);
      } else if (beforeMatches) {
        out = new CacheEvent<>(CacheEvent.Type.DELETED, event.key(), null, before, revision);
      } else {
        return;
      }
      deliveredRevision = revision;
      listener.onEvent(out);
    }

    // Only revisions that gave this listener an event end for it (the contract of onRevisionEnd);
    // the view's query may have let through events the full selector then dropped.
    @Override
    public void onRevisionEnd(long revision) {
      if (deliveredRevision == revision) {
        listener.onRevisionEnd(revision);
      }
    }

    @Override
    public void onError(Throwable failure) {
      listener.onError(failure);
    }
  }
}
