package dev.etcdcache.core.view;

import dev.etcdcache.api.CacheSnapshot;
import dev.etcdcache.api.IndexDefinition;
import dev.etcdcache.api.Query;
import dev.etcdcache.btree.BPlusTree;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A view's objects and every index exactly at one revision: persistent trees published together
 * through one atomic reference, so a reader holding a version sees objects and indexes at the same
 * revision and never anything half-applied. Holding one is the O(1) snapshot a
 * {@link CacheSnapshot} promises.
 *
 * <p>Immutable and thread-safe.
 *
 * @param <T> the object type
 */
final class ViewVersion<T> implements CacheSnapshot<T> {

  /** Result lists are sized to the plan's estimate up to this (an OR's estimate may be far above). */
  private static final int PRESIZE_LIMIT = 4096;

  private final long revision;
  private final BPlusTree<T> objects;
  /** By index name, in the order the indexes were added. */
  private final Map<String, ViewIndex<T>> indexes;

  ViewVersion(long revision, BPlusTree<T> objects, Map<String, ViewIndex<T>> indexes) {
    this.revision = revision;
    this.objects = objects;
    this.indexes = indexes;
  }

  /** An empty version with empty indexes. */
  static <T> ViewVersion<T> empty(long revision, List<IndexDefinition<T>> definitions) {
    Map<String, ViewIndex<T>> indexes = new LinkedHashMap<>();
    for (IndexDefinition<T> d : definitions) {
      if (indexes.put(d.name(), ViewIndex.empty(d)) != null) {
        throw new IllegalArgumentException("two indexes named " + d.name());
      }
    }
    return new ViewVersion<>(revision, BPlusTree.empty(), indexes);
  }

  BPlusTree<T> objects() {
    return objects;
  }

  Map<String, ViewIndex<T>> indexes() {
    return indexes;
  }

  /** This version's index named as {@code definition}. */
  ViewIndex<T> index(IndexDefinition<T> definition) {
    ViewIndex<T> index = indexes.get(definition.name());
    if (index == null) {
      throw new IllegalArgumentException("the view has no index named " + definition.name()
          + " at revision " + revision + " (indexes: " + indexes.keySet() + ")");
    }
    return index;
  }

  /** The same content, exact at a later revision (nothing under the prefix changed). */
  ViewVersion<T> advancedTo(long laterRevision) {
    return laterRevision == revision ? this : new ViewVersion<>(laterRevision, objects, indexes);
  }

  @Override
  public long revision() {
    return revision;
  }

  @Override
  public Optional<T> get(String key) {
    Objects.requireNonNull(key, "key");
    return Optional.ofNullable(objects.get(key.getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  public List<T> list() {
    return list(Query.all());
  }

  @Override
  public List<T> list(String keyPrefix) {
    return list(Query.keyPrefix(keyPrefix));
  }

  @Override
  public List<T> list(Query<T> query) {
    QueryPlan<T> plan = QueryPlan.of(this, Objects.requireNonNull(query, "query"));
    List<T> out = new ArrayList<>(Math.min(plan.estimate(), PRESIZE_LIMIT));
    plan.forEach((k, o) -> out.add(o));
    return out;
  }

  @Override
  public List<String> keys(Query<T> query) {
    QueryPlan<T> plan = QueryPlan.of(this, Objects.requireNonNull(query, "query"));
    List<String> out = new ArrayList<>(Math.min(plan.estimate(), PRESIZE_LIMIT));
    plan.forEach((k, o) -> out.add(new String(k, StandardCharsets.UTF_8)));
    return out;
  }

  @Override
  public int count(Query<T> query) {
    return QueryPlan.of(this, Objects.requireNonNull(query, "query")).count();
  }

  @Override
  public int size() {
    return objects.size();
  }

  @Override
  public String toString() {
    return "ViewVersion{revision=" + revision + ", objects=" + objects.size() + ", indexes=" + indexes.keySet() + "}";
  }
}
