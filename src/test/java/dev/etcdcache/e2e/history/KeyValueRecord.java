package dev.etcdcache.e2e.history;

import java.util.Objects;

/** A key's state as etcd reports it: value (or its digest), create and mod revision, version. */
public record KeyValueRecord(String key, String value, long createRevision, long modRevision, long version) {

  public KeyValueRecord {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
  }

  @Override
  public String toString() {
    return key + "=" + value + " c=" + createRevision + " m=" + modRevision + " v=" + version;
  }
}
