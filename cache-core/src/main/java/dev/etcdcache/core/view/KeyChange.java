package dev.etcdcache.core.view;

import dev.etcdcache.api.IndexDefinition;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How one key of a view changed at one revision, after decoding and the adapter's filter: the object
 * before ({@code null} if the view did not hold the key) and after ({@code null} if it no longer
 * does). Never both {@code null}.
 *
 * <p>Immutable and thread-safe; the key bytes are never modified.
 *
 * @param <T> the object type
 */
final class KeyChange<T> {

  private final byte[] key;
  private final T previous;
  private final T current;
  private String keyString;
  // Index values of each side, computed once and shared by every watcher that asks: with a
  // thousand watchers on one index (one per node), recomputing them per watcher was the cost.
  private volatile ConcurrentHashMap<IndexDefinition<T>, Collection<String>> previousValues;
  private volatile ConcurrentHashMap<IndexDefinition<T>, Collection<String>> currentValues;

  KeyChange(byte[] key, T previous, T current) {
    if (previous == null && current == null) {
      throw new IllegalArgumentException("a change with neither side");
    }
    this.key = key;
    this.previous = previous;
    this.current = current;
  }

  byte[] key() {
    return key;
  }

  /** The key as text, decoded once (races here only decode twice). */
  String keyString() {
    String s = keyString;
    if (s == null) {
      s = new String(key, StandardCharsets.UTF_8);
      keyString = s;
    }
    return s;
  }

  T previous() {
    return previous;
  }

  T current() {
    return current;
  }

  /**
   * The values of {@code index} for the object after ({@code current}) or before the change,
   * computed at most once per side and index; empty if the side is absent or the index function
   * throws (the maintainer indexed such an object under no value either).
   */
  Collection<String> indexValues(IndexDefinition<T> index, boolean current) {
    T object = current ? this.current : previous;
    if (object == null) {
      return List.of();
    }
    ConcurrentHashMap<IndexDefinition<T>, Collection<String>> memo = current ? currentValues : previousValues;
    if (memo == null) {
      memo = new ConcurrentHashMap<>(4);
      if (current) {
        currentValues = memo;
      } else {
        previousValues = memo;
      }
    }
    Collection<String> values = memo.get(index);
    if (values == null) {
      try {
        values = ViewMaintainer.valuesOf(index, object);
      } catch (RuntimeException e) {
        values = List.of();
      }
      memo.put(index, values);
    }
    return values;
  }

  @Override
  public String toString() {
    return "KeyChange{" + keyString() + ": " + previous + " -> " + current + "}";
  }
}
