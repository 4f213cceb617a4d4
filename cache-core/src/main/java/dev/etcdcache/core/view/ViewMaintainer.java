package dev.etcdcache.core.view;

import dev.etcdcache.api.Adapter;
import dev.etcdcache.api.IndexDefinition;
import dev.etcdcache.btree.BPlusTree;
import dev.etcdcache.btree.Batch;
import dev.etcdcache.core.store.KeyRange;
import dev.etcdcache.core.store.StoreVersion;
import dev.etcdcache.core.store.StoredValue;
import dev.etcdcache.core.mirror.AppliedRevision;
import dev.etcdcache.core.mirror.KeyWrite;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the mirror's changes under a view's prefix into the view's next version: decodes each
 * changed value once, applies the adapter's filter, and updates the objects tree and every index
 * tree in one transient batch each, so the new version has objects and indexes at the same revision.
 *
 * <p>User code (decode, filter, index functions) runs inside a guard: a failure leaves the key out
 * of the view at that revision (removing what it held before, since that is no longer the key's
 * value), is counted in {@link DecodeFailures}, and never stops the view. A later revision that
 * decodes brings the key back.
 *
 * <p>Index functions must be deterministic: an object's old index entries are found by calling them
 * again on the old object.
 *
 * <p>Not thread-safe: the view calls it on the mirror's apply thread only, except
 * {@link #buildIndex}, which reads a pinned version and writes nothing shared.
 *
 * @param <T> the object type
 */
final class ViewMaintainer<T> {

  private static final Logger LOG = LoggerFactory.getLogger(ViewMaintainer.class);

  /**
   * One key's new value under the prefix at a revision; {@code value == null} means deleted.
   * {@code modRevision} is the value's mod revision, handed to the adapter.
   */
  static final class Write {
    final byte[] key;
    final byte[] value;
    final long modRevision;

    Write(byte[] key, byte[] value, long modRevision) {
      this.key = key;
      this.value = value;
      this.modRevision = modRevision;
    }
  }

  /** A new version and the changes that led to it (empty when nothing visible changed). */
  record Result<T>(ViewVersion<T> version, List<KeyChange<T>> changes) {}

  private final byte[] prefix;
  private final byte[] prefixEnd;
  private final Adapter<T> adapter;
  private final DecodeFailures failures;
  /** Whether the adapter is told of each change ({@link Adapter#observeChange}): only with metrics bound. */
  private final boolean observing;
  private boolean observeFailureLogged;

  ViewMaintainer(byte[] prefix, Adapter<T> adapter, DecodeFailures failures) {
    this(prefix, adapter, failures, false);
  }

  ViewMaintainer(byte[] prefix, Adapter<T> adapter, DecodeFailures failures, boolean observing) {
    this.prefix = prefix;
    this.prefixEnd = KeyRange.prefix(prefix).toExclusive();
    this.adapter = adapter;
    this.failures = failures;
    this.observing = observing;
  }

  /** The view of {@code store} with {@code definitions}, decoded from scratch. */
  Result<T> build(StoreVersion store, List<IndexDefinition<T>> definitions) {
    List<Write> writes = new ArrayList<>();
    store.tree().forEach(prefix.length == 0 ? null : prefix, prefixEnd, false, 0, (key, stored) ->
        writes.add(new Write(key, StoredValue.value(stored), StoredValue.modRevision(stored))));
    return apply(ViewVersion.empty(store.revision(), definitions), store.revision(), writes);
  }

  /** The writes under the prefix among a revision's, values taken from their stored form. */
  List<Write> writesOf(AppliedRevision applied) {
    List<Write> writes = new ArrayList<>(applied.writes().size());
    for (KeyWrite w : applied.writes()) {
      if (covers(w.key())) {
        writes.add(w.isDelete()
            ? new Write(w.key(), null, applied.revision())
            : new Write(w.key(), StoredValue.value(w.stored()), StoredValue.modRevision(w.stored())));
      }
    }
    return writes;
  }

  /**
   * The writes that take a view synced with {@code before} to {@code after}, two store versions
   * with a gap between them (a re-list): keys whose mod revision did not change keep their object
   * and are not decoded again.
   */
  List<Write> diff(ViewVersion<T> view, StoreVersion before, StoreVersion after) {
    List<Write> writes = new ArrayList<>();
    byte[] from = prefix.length == 0 ? null : prefix;
    after.tree().forEach(from, prefixEnd, false, 0, (key, stored) -> {
      byte[] old = before.tree().get(key);
      if (old == null || StoredValue.modRevision(old) != StoredValue.modRevision(stored)) {
        writes.add(new Write(key, StoredValue.value(stored), StoredValue.modRevision(stored)));
      }
      return true;
    });
    view.objects().forEach(from, prefixEnd, false, 0, (key, object) -> {
      if (!after.tree().containsKey(key)) {
        writes.add(new Write(key, null, 0));
      }
      return true;
    });
    return writes;
  }

  /** {@code base} with {@code writes} applied, at {@code revision}. */
  Result<T> apply(ViewVersion<T> base, long revision, List<Write> writes) {
    if (writes.isEmpty()) {
      return new Result<>(base.advancedTo(revision), List.of());
    }
    Batch<T> objects = base.objects().batch();
    List<ViewIndex<T>> indexes = new ArrayList<>(base.indexes().values());
    List<ViewIndex.Editor<T>> editors = new ArrayList<>(indexes.size());
    for (ViewIndex<T> index : indexes) {
      editors.add(index.edit());
    }
    List<KeyChange<T>> changes = new ArrayList<>(writes.size());
    for (Write w : writes) {
      T previous = objects.get(w.key);
      List<Collection<String>> newValues = new ArrayList<>(indexes.size());
      T current = w.value == null ? null : decode(w, revision, indexes, newValues);
      if (previous == null && current == null) {
        continue;
      }
      if (current == null) {
        objects.remove(w.key);
      } else {
        objects.put(w.key, current);
      }
      for (int i = 0; i < indexes.size(); i++) {
        IndexDefinition<T> d = indexes.get(i).definition();
        Collection<String> old = previous == null ? List.of() : valuesOrEmpty(d, previous, w.key, revision);
        Collection<String> now = current == null ? List.of() : newValues.get(i);
        update(editors.get(i), w.key, old, now, current);
      }
      changes.add(new KeyChange<>(w.key, previous, current));
      if (observing) {
        observe(previous, current);
      }
    }
    Map<String, ViewIndex<T>> next = new LinkedHashMap<>();
    for (ViewIndex.Editor<T> editor : editors) {
      next.put(editor.definition().name(), editor.freeze());
    }
    return new Result<>(new ViewVersion<>(revision, objects.freeze(), next), changes);
  }

  /** A new index over {@code view}'s objects; any thread, writes nothing shared. */
  ViewIndex<T> buildIndex(IndexDefinition<T> definition, ViewVersion<T> view) {
    ViewIndex.Editor<T> editor = ViewIndex.empty(definition).edit();
    view.objects().forEach(null, null, false, 0, (key, object) -> {
      update(editor, key, List.of(), valuesOrEmpty(definition, object, key, view.revision()), object);
      return true;
    });
    return editor.freeze();
  }

  /** {@code index} with {@code changes} applied. */
  ViewIndex<T> catchUp(ViewIndex<T> index, RevisionChanges<T> changes) {
    IndexDefinition<T> definition = index.definition();
    ViewIndex.Editor<T> editor = index.edit();
    for (KeyChange<T> c : changes.changes()) {
      Collection<String> old = c.previous() == null ? List.of()
          : valuesOrEmpty(definition, c.previous(), c.key(), changes.revision());
      Collection<String> now = c.current() == null ? List.of()
          : valuesOrEmpty(definition, c.current(), c.key(), changes.revision());
      update(editor, c.key(), old, now, c.current());
    }
    return editor.freeze();
  }

  /** Tells the adapter of a change for its meters; a failure there is logged once, never fatal. */
  private void observe(T previous, T current) {
    try {
      adapter.observeChange(previous, current);
    } catch (RuntimeException e) {
      if (!observeFailureLogged) {
        observeFailureLogged = true;
        LOG.warn("the adapter's observeChange threw; its meters may be off (logged once)", e);
      }
    }
  }

  private boolean covers(byte[] key) {
    return key.length >= prefix.length
        && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }

  /** Decodes, filters and indexes one value; null (counted) if any user code fails or rejects it. */
  private T decode(Write w, long revision, List<ViewIndex<T>> indexes, List<Collection<String>> values) {
    String step = "decode";
    try {
      T object = adapter.decode(w.key, w.value, w.modRevision);
      if (object == null) {
        throw new IllegalStateException("the adapter decoded null");
      }
      step = "accept";
      if (!adapter.accept(w.key, object)) {
        return null;
      }
      for (ViewIndex<T> index : indexes) {
        step = "index " + index.definition().name();
        values.add(valuesOf(index.definition(), object));
      }
      return object;
    } catch (RuntimeException | LinkageError e) {
      failures.record(step, w.key, revision, e);
      return null;
    }
  }

  private Collection<String> valuesOrEmpty(IndexDefinition<T> d, T object, byte[] key, long revision) {
    try {
      return valuesOf(d, object);
    } catch (RuntimeException | LinkageError e) {
      failures.record("index " + d.name(), key, revision, e);
      return List.of();
    }
  }

  /**
   * Whether {@code object} has {@code value} in index {@code d}, asked of the function directly (no
   * need for distinct values to answer that); a function that throws indexed the object under no
   * value, so the answer is no.
   */
  static <T> boolean holds(IndexDefinition<T> d, T object, String value) {
    try {
      Collection<String> values = d.values().apply(object);
      return values != null && values.contains(value);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The distinct, non-null values of {@code object} in index {@code d}. */
  static <T> Collection<String> valuesOf(IndexDefinition<T> d, T object) {
    Collection<String> raw = d.values().apply(object);
    if (raw == null || raw.isEmpty()) {
      return List.of();
    }
    if (raw.size() == 1) {
      String only = raw.iterator().next();
      return only == null ? List.of() : List.of(only);
    }
    LinkedHashSet<String> distinct = new LinkedHashSet<>(raw);
    distinct.remove(null);
    return distinct;
  }

  private static <T> void update(ViewIndex.Editor<T> index, byte[] key, Collection<String> old,
      Collection<String> now, T current) {
    for (String v : old) {
      if (!now.contains(v)) {
        index.remove(v, key);
      }
    }
    for (String v : now) {
      index.put(v, key, current);
    }
  }
}
