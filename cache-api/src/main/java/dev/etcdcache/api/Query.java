package dev.etcdcache.api;

import java.util.Objects;

/**
 * A selection of a view's objects by index values, combinable with AND and OR:
 * {@code Query.eq(NAMESPACE, "prod").and(Query.eq(LABEL, "app=web")).or(Query.eq(NAMESPACE, "ops"))}.
 *
 * <p>Immutable values, thread-safe.
 *
 * @param <T> the object type of the view queried
 */
public sealed interface Query<T> {

  /** Every object of the view. */
  static <T> Query<T> all() {
    return new All<>();
  }

  /** The objects whose {@code index} values include {@code value}. */
  static <T> Query<T> eq(IndexDefinition<T> index, String value) {
    return new Eq<>(index, value);
  }

  /** The objects whose key starts with {@code keyPrefix}. */
  static <T> Query<T> keyPrefix(String keyPrefix) {
    return new KeyPrefix<>(keyPrefix);
  }

  /** The objects matched by both this query and {@code other}. */
  default Query<T> and(Query<T> other) {
    return new And<>(this, other);
  }

  /** The objects matched by this query, {@code other}, or both. */
  default Query<T> or(Query<T> other) {
    return new Or<>(this, other);
  }

  /** Every object. @param <T> the object type */
  record All<T>() implements Query<T> {}

  /**
   * An index lookup.
   *
   * @param index the index
   * @param value the value looked up
   * @param <T> the object type
   */
  record Eq<T>(IndexDefinition<T> index, String value) implements Query<T> {
    /** Validates the lookup. */
    public Eq {
      Objects.requireNonNull(index, "index");
      Objects.requireNonNull(value, "value");
    }
  }

  /**
   * A key-prefix selection.
   *
   * @param keyPrefix the prefix
   * @param <T> the object type
   */
  record KeyPrefix<T>(String keyPrefix) implements Query<T> {
    /** Validates the prefix. */
    public KeyPrefix {
      Objects.requireNonNull(keyPrefix, "keyPrefix");
    }
  }

  /**
   * An intersection.
   *
   * @param left one side
   * @param right the other side
   * @param <T> the object type
   */
  record And<T>(Query<T> left, Query<T> right) implements Query<T> {
    /** Validates the sides. */
    public And {
      Objects.requireNonNull(left, "left");
      Objects.requireNonNull(right, "right");
    }
  }

  /**
   * A union.
   *
   * @param left one side
   * @param right the other side
   * @param <T> the object type
   */
  record Or<T>(Query<T> left, Query<T> right) implements Query<T> {
    /** Validates the sides. */
    public Or {
      Objects.requireNonNull(left, "left");
      Objects.requireNonNull(right, "right");
    }
  }
}
