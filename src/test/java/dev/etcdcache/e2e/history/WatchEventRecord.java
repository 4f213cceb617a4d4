package dev.etcdcache.e2e.history;

import java.util.Objects;

/**
 * One event a watcher received. For a delete, {@code value} is empty and create revision and
 * version are 0, as in etcd's tombstone.
 *
 * @param revision the event's revision (its kv's mod revision)
 * @param delete whether it is a DELETE
 * @param key the key
 * @param value the value or its digest
 * @param createRevision the kv's create revision
 * @param version the kv's version
 * @param receivedNanos when the listener got it ({@link System#nanoTime()})
 */
public record WatchEventRecord(long revision, boolean delete, String key, String value, long createRevision,
    long version, long receivedNanos) {

  public WatchEventRecord {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
  }

  /** (revision, key): one event's identity; etcd never changes one key twice in a revision. */
  String identity() {
    return revision + "/" + key;
  }

  /** Same event as {@code other}, ignoring when it was received. */
  boolean sameAs(WatchEventRecord other) {
    return revision == other.revision && delete == other.delete && key.equals(other.key)
        && (delete || value.equals(other.value) && createRevision == other.createRevision && version == other.version);
  }

  @Override
  public String toString() {
    return (delete ? "DELETE " + key : "PUT " + key + "=" + value + " c=" + createRevision + " v=" + version)
        + " @" + revision;
  }
}
