package dev.etcdcache.demo.load;

import java.util.Locale;

/**
 * How etcd serves a read: linearizable (jetcd's default, confirmed with the leader) or
 * serializable (from the member's own state). Both the demo and the load harness measure every
 * read workload once each way, in {@link #values()} order. Immutable.
 */
public enum Consistency {
  /** jetcd's default: the answer reflects every write acknowledged before the request was sent. */
  LINEARIZABLE,
  /** {@code GetOption.withSerializable(true)}: the answer may lag behind the newest writes. */
  SERIALIZABLE;

  /** {@code "linearizable"} or {@code "serializable"}, as the tables and reports print it. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
