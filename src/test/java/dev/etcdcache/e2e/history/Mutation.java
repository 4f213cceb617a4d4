package dev.etcdcache.e2e.history;

import java.util.Objects;

/**
 * One key changed by a write: a put of {@code value}, or a delete when {@code value} is null.
 * Keys and values are ISO-8859-1 strings (one char per byte, so {@link String#compareTo} is etcd's
 * unsigned byte order); long values are held as a digest (see {@link History#digest}).
 */
public record Mutation(String key, String value) {

  public Mutation {
    Objects.requireNonNull(key, "key");
  }

  public static Mutation put(String key, String value) {
    return new Mutation(key, Objects.requireNonNull(value, "value"));
  }

  public static Mutation delete(String key) {
    return new Mutation(key, null);
  }

  public boolean isDelete() {
    return value == null;
  }

  @Override
  public String toString() {
    return isDelete() ? "delete " + key : "put " + key + "=" + value;
  }
}
