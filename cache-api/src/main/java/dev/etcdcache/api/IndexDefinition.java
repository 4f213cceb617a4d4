package dev.etcdcache.api;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A named secondary index: a function from an object to the index values it is found under (none,
 * one or several, e.g. one per label). Queries name the index by this handle, not by a string.
 *
 * <p>Immutable; the function must be thread-safe and free of side effects. An exception it throws
 * is treated like a decode failure for that key.
 *
 * @param name the index's name, unique within a view
 * @param values the function from an object to its index values
 * @param <T> the object type
 */
public record IndexDefinition<T>(String name, Function<? super T, ? extends Collection<String>> values) {

  /** Validates the definition. */
  public IndexDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(values, "values");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("an index needs a name");
    }
  }

  /** An index with any number of values per object. */
  public static <T> IndexDefinition<T> of(String name, Function<? super T, ? extends Collection<String>> values) {
    return new IndexDefinition<>(name, values);
  }

  /** An index with at most one value per object ({@code null} means none). */
  public static <T> IndexDefinition<T> single(String name, Function<? super T, String> value) {
    Objects.requireNonNull(value, "value");
    return new IndexDefinition<>(name, object -> {
      String v = value.apply(object);
      return v == null ? List.of() : List.of(v);
    });
  }
}
