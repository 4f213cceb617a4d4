package dev.etcdcache.core.view;

import dev.etcdcache.api.IndexDefinition;
import dev.etcdcache.btree.Batch;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One secondary index at one revision: a persistent hash trie from each index value to its
 * {@link Posting} (the keys with that value, with their objects). An equality lookup is one hash
 * probe, a count is the posting's size, and the keys come in etcd key order without a second
 * lookup in the objects tree. Keeping a version is an O(1) snapshot.
 *
 * <p>Immutable and thread-safe; changed through an {@link Editor}.
 *
 * @param <T> the object type
 */
final class ViewIndex<T> {

  private final IndexDefinition<T> definition;
  private final ValueTrie<Posting<T>> postings;

  private ViewIndex(IndexDefinition<T> definition, ValueTrie<Posting<T>> postings) {
    this.definition = definition;
    this.postings = postings;
  }

  static <T> ViewIndex<T> empty(IndexDefinition<T> definition) {
    return new ViewIndex<>(definition, ValueTrie.empty());
  }

  IndexDefinition<T> definition() {
    return definition;
  }

  /** The keys with {@code value}, or null if none has it. */
  Posting<T> posting(String value) {
    return postings.get(value);
  }

  /** How many keys have {@code value}, in O(1) after the lookup. */
  int count(String value) {
    Posting<T> p = postings.get(value);
    return p == null ? 0 : p.size();
  }

  /** How many distinct values the index holds. */
  int values() {
    return postings.size();
  }

  /** Every value with its keys, in no particular order (for tests and tools). */
  Map<String, Posting<T>> toMap() {
    Map<String, Posting<T>> out = new HashMap<>();
    postings.forEach(out::put);
    return out;
  }

  Editor<T> edit() {
    return new Editor<>(this);
  }

  /**
   * A transient copy of one index version. A value edited more than once keeps one open B+tree
   * batch until {@link #freeze}, so building an index over a million objects copies each node once.
   * One thread at a time.
   */
  static final class Editor<T> {
    private final IndexDefinition<T> definition;
    private final ValueTrie.Editor<Posting<T>> trie;
    private final Map<String, Batch<T>> open = new HashMap<>();

    private Editor(ViewIndex<T> base) {
      this.definition = base.definition;
      this.trie = base.postings.edit();
    }

    IndexDefinition<T> definition() {
      return definition;
    }

    /** Gives {@code key} the index value {@code value}, holding {@code object}. */
    void put(String value, byte[] key, T object) {
      Batch<T> batch = open.get(value);
      if (batch != null) {
        batch.put(key, object);
        return;
      }
      Posting<T> p = trie.get(value);
      if (p == null || (p.isSingle() && Arrays.equals(p.singleKey(), key))) {
        trie.put(value, Posting.single(key, object));
        return;
      }
      batch = p.tree().batch();
      batch.put(key, object);
      open.put(value, batch);
    }

    /** Takes the index value {@code value} from {@code key}. */
    void remove(String value, byte[] key) {
      Batch<T> batch = open.get(value);
      if (batch != null) {
        batch.remove(key);
        return;
      }
      Posting<T> p = trie.get(value);
      if (p == null) {
        return;
      }
      if (p.isSingle()) {
        if (Arrays.equals(p.singleKey(), key)) {
          trie.remove(value);
        }
        return;
      }
      batch = p.tree().batch();
      batch.remove(key);
      open.put(value, batch);
    }

    ViewIndex<T> freeze() {
      for (Map.Entry<String, Batch<T>> e : open.entrySet()) {
        Posting<T> p = Posting.of(e.getValue().freeze());
        if (p == null) {
          trie.remove(e.getKey());
        } else {
          trie.put(e.getKey(), p);
        }
      }
      open.clear();
      return new ViewIndex<>(definition, trie.freeze());
    }
  }
}
