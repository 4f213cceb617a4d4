package dev.etcdcache.core.mirror;

import dev.etcdcache.core.store.KeyRange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which on-demand prefix a key or a read belongs to: each child of a parent (the parent plus up to
 * and including the next separator), or one of a fixed list of prefixes, none inside another.
 * Immutable; the engine's form of the public {@code OnDemandPrefixes}.
 */
public final class PrefixPattern {

  private final byte[] parent;
  private final byte separator;
  private final List<byte[]> listed;

  private PrefixPattern(byte[] parent, byte separator, List<byte[]> listed) {
    this.parent = parent;
    this.separator = separator;
    this.listed = listed;
  }

  /** Each child of {@code parent} (not empty), ending at the first {@code separator} after it. */
  public static PrefixPattern children(byte[] parent, byte separator) {
    if (parent.length == 0) {
      throw new IllegalArgumentException("the parent must not be empty");
    }
    return new PrefixPattern(parent.clone(), separator, null);
  }

  /** Exactly {@code prefixes} (none empty, none inside another). */
  public static PrefixPattern listed(List<byte[]> prefixes) {
    List<byte[]> copy = new ArrayList<>();
    for (byte[] p : prefixes) {
      copy.add(p.clone());
    }
    return new PrefixPattern(null, (byte) 0, List.copyOf(copy));
  }

  /** The ranges the upstream watch covers: the parent's, or each listed prefix's. */
  public List<KeyRange> ranges() {
    if (parent != null) {
      return List.of(KeyRange.prefix(parent));
    }
    List<KeyRange> out = new ArrayList<>();
    for (byte[] p : listed) {
      out.add(KeyRange.prefix(p));
    }
    return out;
  }

  /** The on-demand prefix holding {@code key}, or null when it belongs to none. */
  public byte[] prefixOf(byte[] key) {
    if (parent != null) {
      if (!startsWith(key, parent)) {
        return null;
      }
      for (int i = parent.length; i < key.length; i++) {
        if (key[i] == separator) {
          return Arrays.copyOf(key, i + 1);
        }
      }
      return null;
    }
    for (byte[] p : listed) {
      if (startsWith(key, p)) {
        return p;
      }
    }
    return null;
  }

  /** The one on-demand prefix enclosing all of {@code range}, or null (none, or several). */
  public byte[] prefixOf(KeyRange range) {
    byte[] p = prefixOf(range.fromInclusive());
    return p != null && KeyRange.prefix(p).encloses(range) ? p : null;
  }

  private static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }
}
