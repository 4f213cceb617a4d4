package dev.etcdcache.core.verify;

import dev.etcdcache.core.store.StoredValue;
import java.nio.charset.StandardCharsets;

/**
 * One difference between etcd and the mirror at one revision, on one key (or on the whole range
 * when etcd cannot answer at the mirror's revision).
 *
 * @param kind what differs
 * @param key the key, as text for the log (bytes that are not UTF-8 show as replacement characters)
 * @param revision the revision both were read at
 * @param detail a short diff: the fields that differ, etcd's value first
 */
public record Divergence(Kind kind, String key, long revision, String detail) {

  /** What differs. */
  public enum Kind {
    /** etcd holds the key at the revision, the mirror does not. */
    MISSING_IN_MIRROR,
    /** The mirror holds the key at the revision, etcd does not. */
    EXTRA_IN_MIRROR,
    /** Both hold the key; create revision, mod revision, version or lease differ. */
    METADATA,
    /**
     * etcd refuses the mirror's revision as a future one: etcd went back in time (a restore from an
     * older snapshot) and the mirror is ahead of it.
     */
    MIRROR_AHEAD_OF_ETCD
  }

  /** The difference for two entries of one key, or {@code null} when their metadata is equal. */
  static Divergence compare(byte[] key, long revision, long create, long mod, long version, long lease,
      byte[] stored) {
    long c = StoredValue.createRevision(stored);
    long m = StoredValue.modRevision(stored);
    long v = StoredValue.version(stored);
    long l = StoredValue.lease(stored);
    if (c == create && m == mod && v == version && l == lease) {
      return null;
    }
    StringBuilder diff = new StringBuilder();
    field(diff, "create", create, c);
    field(diff, "mod", mod, m);
    field(diff, "version", version, v);
    field(diff, "lease", lease, l);
    return new Divergence(Kind.METADATA, text(key), revision, diff.toString());
  }

  static Divergence missing(byte[] key, long revision, long mod) {
    return new Divergence(Kind.MISSING_IN_MIRROR, text(key), revision, "etcd mod " + mod + ", mirror none");
  }

  static Divergence extra(byte[] key, long revision, byte[] stored) {
    return new Divergence(Kind.EXTRA_IN_MIRROR, text(key), revision,
        "etcd none, mirror mod " + StoredValue.modRevision(stored));
  }

  private static void field(StringBuilder diff, String name, long etcd, long mirror) {
    if (etcd != mirror) {
      if (diff.length() > 0) {
        diff.append(", ");
      }
      diff.append(name).append(' ').append(etcd).append(" vs ").append(mirror);
    }
  }

  static String text(byte[] key) {
    return new String(key, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return kind + " " + key + " @" + revision + ": " + detail;
  }
}
