package dev.etcdcache.core.view;

import dev.etcdcache.api.IndexDefinition;
import dev.etcdcache.api.Query;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A view's open watches, routed by index value: a watch whose query requires one index value (an
 * {@code eq}, alone or inside an AND) is offered only the revisions that touch an object holding
 * that value before or after the change; any other watch is offered every revision.
 *
 * <p>Why: a thousand kubelets each watching {@code spec.nodeName = <its node>} would otherwise all
 * be woken for every pod change, to find in their drains that it is not theirs. With routing, a
 * revision costs one index computation per changed object and routed index, whatever the number of
 * watchers. The watcher still tests its whole query when it delivers, so routing only needs to be a
 * superset: a change matching the query before or after it holds the routed value on that side.
 *
 * <p>Not thread-safe: the mirror's apply thread only.
 *
 * @param <T> the object type
 */
final class ViewWatchers<T> {

  private final List<ViewWatcher<T>> broadcast = new ArrayList<>();
  private final Map<IndexDefinition<T>, Map<String, List<ViewWatcher<T>>>> routed = new HashMap<>();
  private int size;

  void add(ViewWatcher<T> w) {
    Query.Eq<T> route = route(w.query());
    if (route == null) {
      broadcast.add(w);
    } else {
      routed.computeIfAbsent(route.index(), d -> new HashMap<>())
          .computeIfAbsent(route.value(), v -> new ArrayList<>(1)).add(w);
    }
    size++;
  }

  void remove(ViewWatcher<T> w) {
    Query.Eq<T> route = route(w.query());
    boolean removed;
    if (route == null) {
      removed = broadcast.remove(w);
    } else {
      Map<String, List<ViewWatcher<T>>> byValue = routed.get(route.index());
      List<ViewWatcher<T>> list = byValue == null ? null : byValue.get(route.value());
      removed = list != null && list.remove(w);
      if (list != null && list.isEmpty()) {
        byValue.remove(route.value());
        if (byValue.isEmpty()) {
          routed.remove(route.index());
        }
      }
    }
    if (removed) {
      size--;
    }
  }

  int size() {
    return size;
  }

  /** Every watcher, for closing them all. */
  List<ViewWatcher<T>> all() {
    List<ViewWatcher<T>> out = new ArrayList<>(broadcast);
    routed.values().forEach(byValue -> byValue.values().forEach(out::addAll));
    return out;
  }

  void clear() {
    broadcast.clear();
    routed.clear();
    size = 0;
  }

  /** Calls {@code offer} once for each watcher {@code changes} may concern. */
  void forEachConcerned(RevisionChanges<T> changes, Consumer<ViewWatcher<T>> offer) {
    broadcast.forEach(offer);
    if (routed.isEmpty()) {
      return;
    }
    Set<ViewWatcher<T>> offered = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Map.Entry<IndexDefinition<T>, Map<String, List<ViewWatcher<T>>>> r : routed.entrySet()) {
      for (KeyChange<T> c : changes.changes()) {
        offerByValue(r.getValue(), c.indexValues(r.getKey(), false), offered, offer);
        offerByValue(r.getValue(), c.indexValues(r.getKey(), true), offered, offer);
      }
    }
  }

  private static <T> void offerByValue(Map<String, List<ViewWatcher<T>>> byValue, Collection<String> values,
      Set<ViewWatcher<T>> offered, Consumer<ViewWatcher<T>> offer) {
    for (String v : values) {
      List<ViewWatcher<T>> ws = byValue.get(v);
      if (ws != null) {
        for (ViewWatcher<T> w : ws) {
          if (offered.add(w)) {
            offer.accept(w);
          }
        }
      }
    }
  }

  /** The index value every match of {@code q} must hold, or null if there is none to route by. */
  static <T> Query.Eq<T> route(Query<T> q) {
    if (q instanceof Query.Eq<T> eq) {
      return eq;
    }
    if (q instanceof Query.And<T> and) {
      Query.Eq<T> left = route(and.left());
      return left != null ? left : route(and.right());
    }
    return null;
  }
}
