package dev.etcdcache.core.view;

import dev.etcdcache.api.IndexDefinition;
import dev.etcdcache.api.Query;
import dev.etcdcache.btree.BPlusTree;
import dev.etcdcache.core.store.KeyRange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link Query} compiled against one {@link ViewVersion}: a tree of key sets, each knowing its
 * size (or an upper bound) in O(log n), how to test one key and how to walk its keys in etcd key
 * order.
 *
 * <p>Lookups never scan the objects: an index value is one hash probe to its {@link Posting}; an
 * AND walks its smallest side and tests each object against the others; an OR merges its sides in
 * key order. Only {@link Query#all()} and key prefixes walk the objects tree, and only the range
 * they select.
 *
 * <p>Immutable once built; used by one thread at a time (a plan is built per call).
 *
 * @param <T> the object type
 */
abstract class QueryPlan<T> {

  /** Receives the matching objects with their keys, in key order, until it returns false. */
  interface Sink<T> {
    boolean accept(byte[] key, T object);
  }

  /** How many keys match, or an upper bound for an OR; computed once when the plan is built. */
  abstract int estimate();

  /** Whether {@code object}, held at {@code key} in this plan's version, matches. */
  abstract boolean contains(byte[] key, T object);

  /** Walks the matching objects in key order until {@code sink} returns false. */
  abstract void forEach(Sink<T> sink);

  /** The exact number of matches. */
  int count() {
    int[] n = {0};
    forEach((k, o) -> {
      n[0]++;
      return true;
    });
    return n[0];
  }

  /** Compiles {@code query} against {@code version}. */
  static <T> QueryPlan<T> of(ViewVersion<T> version, Query<T> query) {
    if (query instanceof Query.Eq<T> eq) {
      return new Eq<>(version.index(eq.index()), eq.value());
    }
    if (query instanceof Query.All<T>) {
      return new Range<>(version.objects(), null, null);
    }
    if (query instanceof Query.KeyPrefix<T> p) {
      KeyRange range = KeyRange.prefix(p.keyPrefix().getBytes(StandardCharsets.UTF_8));
      return new Range<>(version.objects(), range.fromInclusive(), range.toExclusive());
    }
    boolean and = query instanceof Query.And<T>;
    List<QueryPlan<T>> sides = new ArrayList<>();
    flatten(version, query, and, sides);
    return and ? new And<>(sides) : new Or<>(sides);
  }

  private static <T> void flatten(ViewVersion<T> version, Query<T> q, boolean and, List<QueryPlan<T>> out) {
    if (and && q instanceof Query.And<T> a) {
      flatten(version, a.left(), true, out);
      flatten(version, a.right(), true, out);
    } else if (!and && q instanceof Query.Or<T> o) {
      flatten(version, o.left(), false, out);
      flatten(version, o.right(), false, out);
    } else {
      out.add(of(version, q));
    }
  }

  /** A key range of the objects tree (every object, or a key prefix). */
  private static final class Range<T> extends QueryPlan<T> {
    private final BPlusTree<T> objects;
    private final byte[] from;
    private final byte[] to;
    private final int estimate;

    Range(BPlusTree<T> objects, byte[] from, byte[] to) {
      this.objects = objects;
      this.from = from;
      this.to = to;
      this.estimate = objects.count(from, to);
    }

    @Override
    int estimate() {
      return estimate;
    }

    @Override
    int count() {
      return estimate;
    }

    @Override
    boolean contains(byte[] key, T object) {
      return (from == null || Arrays.compareUnsigned(key, from) >= 0)
          && (to == null || Arrays.compareUnsigned(key, to) < 0);
    }

    @Override
    void forEach(Sink<T> sink) {
      objects.forEach(from, to, false, 0, sink::accept);
    }
  }

  /** One value of one index: its posting, found once when the plan is built. */
  private static final class Eq<T> extends QueryPlan<T> {
    private final IndexDefinition<T> definition;
    private final String value;
    private final Posting<T> posting;

    Eq(ViewIndex<T> index, String value) {
      this.definition = index.definition();
      this.value = value;
      this.posting = index.posting(value);
    }

    @Override
    int estimate() {
      return posting == null ? 0 : posting.size();
    }

    @Override
    int count() {
      return estimate();
    }

    /**
     * Asks the index function rather than the posting: the object's entries in this version's index
     * are exactly its values (index functions are deterministic), and one call beats a descent into
     * a posting of half a million keys. A function that throws was indexed as no values.
     */
    @Override
    boolean contains(byte[] key, T object) {
      if (posting == null) {
        return false;
      }
      if (posting.isSingle()) {
        return Arrays.equals(posting.singleKey(), key);
      }
      return ViewMaintainer.holds(definition, object, value);
    }

    @Override
    void forEach(Sink<T> sink) {
      if (posting != null) {
        posting.forEach(sink::accept);
      }
    }
  }

  /** An intersection: walks the smallest side, tests the others. */
  private static final class And<T> extends QueryPlan<T> {
    private final QueryPlan<T> driver;
    private final List<QueryPlan<T>> others;

    And(List<QueryPlan<T>> sides) {
      List<QueryPlan<T>> sorted = new ArrayList<>(sides);
      sorted.sort(Comparator.comparingInt(QueryPlan::estimate));
      this.driver = sorted.get(0);
      this.others = List.copyOf(sorted.subList(1, sorted.size()));
    }

    @Override
    int estimate() {
      return driver.estimate();
    }

    @Override
    boolean contains(byte[] key, T object) {
      return driver.contains(key, object) && othersContain(key, object);
    }

    @Override
    void forEach(Sink<T> sink) {
      driver.forEach((key, object) -> !othersContain(key, object) || sink.accept(key, object));
    }

    private boolean othersContain(byte[] key, T object) {
      for (QueryPlan<T> o : others) {
        if (!o.contains(key, object)) {
          return false;
        }
      }
      return true;
    }
  }

  /** A union: its sides merged in key order, each key once. */
  private static final class Or<T> extends QueryPlan<T> {
    private final List<QueryPlan<T>> sides;
    private final int estimate;

    Or(List<QueryPlan<T>> sides) {
      this.sides = List.copyOf(sides);
      long sum = 0;
      for (QueryPlan<T> s : sides) {
        sum += s.estimate();
      }
      this.estimate = (int) Math.min(Integer.MAX_VALUE, sum);
    }

    @Override
    int estimate() {
      return estimate;
    }

    @Override
    boolean contains(byte[] key, T object) {
      for (QueryPlan<T> s : sides) {
        if (s.contains(key, object)) {
          return true;
        }
      }
      return false;
    }

    @Override
    void forEach(Sink<T> sink) {
      // Sides overlap arbitrarily; a sorted map both orders and deduplicates (m log m for m matches).
      TreeMap<byte[], T> merged = new TreeMap<>(Arrays::compareUnsigned);
      for (QueryPlan<T> s : sides) {
        s.forEach((key, object) -> {
          merged.put(key, object);
          return true;
        });
      }
      for (Map.Entry<byte[], T> e : merged.entrySet()) {
        if (!sink.accept(e.getKey(), e.getValue())) {
          return;
        }
      }
    }
  }
}
