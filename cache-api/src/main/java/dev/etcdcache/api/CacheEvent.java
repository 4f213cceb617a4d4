package dev.etcdcache.api;

import java.util.Objects;

/**
 * One change of one object in a view, at one etcd revision.
 *
 * @param type what happened
 * @param key the object's etcd key (UTF-8)
 * @param object the object after the change; {@code null} for {@link Type#DELETED}
 * @param previous the object before the change; {@code null} for {@link Type#CREATED}
 * @param revision the etcd revision of the change
 * @param <T> the object type
 */
public record CacheEvent<T>(Type type, String key, T object, T previous, long revision) {

  /** The kinds of change, as a view sees them (after its adapter's filter). */
  public enum Type {
    /** The key entered the view. */
    CREATED,
    /** The key's object changed. */
    UPDATED,
    /** The key left the view (deleted, or no longer accepted by the filter). */
    DELETED
  }

  /** Validates the event. */
  public CacheEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(key, "key");
    if (revision <= 0) {
      throw new IllegalArgumentException("revision must be positive: " + revision);
    }
    if ((type == Type.DELETED) != (object == null)) {
      throw new IllegalArgumentException("a " + type + " event " + (object == null ? "needs" : "has no") + " object");
    }
  }
}
