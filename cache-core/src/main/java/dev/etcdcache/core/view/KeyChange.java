package dev.etcdcache.core.view;

import java.nio.charset.StandardCharsets;

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

  @Override
  public String toString() {
    return "KeyChange{" + keyString() + ": " + previous + " -> " + current + "}";
  }
}
