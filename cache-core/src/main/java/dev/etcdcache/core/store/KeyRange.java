package dev.etcdcache.core.store;

import com.google.protobuf.ByteString;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An etcd key range as etcd reads {@code key} and {@code range_end}: an empty end means the single
 * key; an end of {@code "\0"} means every key from {@code key} on; otherwise {@code [key, end)}.
 * This is the only place range arithmetic lives.
 *
 * <p>Immutable; the arrays are never exposed for writing. Internal, no compatibility promise.
 */
public final class KeyRange {

  private static final byte[] ZERO = {0};

  /** Every key etcd can hold: from {@code "\0"} with an end of {@code "\0"}. */
  public static final KeyRange ALL = new KeyRange(ZERO, ZERO);

  private final byte[] key;
  private final byte[] rangeEnd;
  /**
   * {@link #toExclusive()}, worked out once: a read asks for it several times (the coverage check,
   * the count, the walk), and for a single key it is a copy of the key.
   */
  private final byte[] exclusiveEnd;

  private KeyRange(byte[] key, byte[] rangeEnd) {
    this.key = key;
    this.rangeEnd = rangeEnd;
    if (rangeEnd.length == 0) {
      this.exclusiveEnd = Arrays.copyOf(key, key.length + 1);
    } else {
      this.exclusiveEnd = rangeEnd.length == 1 && rangeEnd[0] == 0 ? null : rangeEnd;
    }
  }

  /** The range of an etcd request; the arrays are copied. */
  public static KeyRange of(byte[] key, byte[] rangeEnd) {
    return new KeyRange(key.clone(), rangeEnd == null ? new byte[0] : rangeEnd.clone());
  }

  /** The range of an etcd request given as protobuf bytes. */
  public static KeyRange of(ByteString key, ByteString rangeEnd) {
    return new KeyRange(key.toByteArray(), rangeEnd.toByteArray());
  }

  /** Every key that starts with {@code prefix} (all keys when it is empty). */
  public static KeyRange prefix(byte[] prefix) {
    if (prefix.length == 0) {
      return ALL;
    }
    return new KeyRange(prefix.clone(), prefixEnd(prefix));
  }

  /** The start key as etcd sent it. */
  public byte[] key() {
    return key.clone();
  }

  /** The range end as etcd sent it (empty for a single key). */
  public byte[] rangeEnd() {
    return rangeEnd.clone();
  }

  /** Whether this is a single-key range (empty end). */
  public boolean isSingleKey() {
    return rangeEnd.length == 0;
  }

  /** The inclusive lower bound. */
  public byte[] fromInclusive() {
    return key;
  }

  /**
   * The exclusive upper bound for a tree walk: {@code null} when open ended ({@code "\0"} end);
   * for a single key, the key followed by a zero byte.
   */
  public byte[] toExclusive() {
    return exclusiveEnd;
  }

  /** Whether the range reaches the end of the keyspace. */
  public boolean isOpenEnded() {
    return rangeEnd.length == 1 && rangeEnd[0] == 0;
  }

  /** Whether the range holds no key at all (an end at or below the start). */
  public boolean isEmpty() {
    return !isSingleKey() && !isOpenEnded() && Arrays.compareUnsigned(rangeEnd, key) <= 0;
  }

  /** Whether {@code k} lies in this range. */
  public boolean contains(byte[] k) {
    if (Arrays.compareUnsigned(k, key) < 0) {
      return false;
    }
    byte[] to = toExclusive();
    return to == null || Arrays.compareUnsigned(k, to) < 0;
  }

  /** Whether every key of {@code other} lies in this range. */
  public boolean encloses(KeyRange other) {
    if (other.isEmpty()) {
      return true;
    }
    if (Arrays.compareUnsigned(other.key, key) < 0) {
      return false;
    }
    byte[] to = toExclusive();
    if (to == null) {
      return true;
    }
    byte[] otherTo = other.toExclusive();
    return otherTo != null && Arrays.compareUnsigned(otherTo, to) <= 0;
  }

  /** The smallest range enclosing both. */
  public KeyRange span(KeyRange other) {
    byte[] from = Arrays.compareUnsigned(key, other.key) <= 0 ? key : other.key;
    byte[] to = toExclusive();
    byte[] otherTo = other.toExclusive();
    if (to == null || otherTo == null) {
      return new KeyRange(from, ZERO);
    }
    return new KeyRange(from, Arrays.compareUnsigned(to, otherTo) >= 0 ? to : otherTo);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyRange other
        && Arrays.equals(key, other.key)
        && Arrays.equals(rangeEnd, other.rangeEnd);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(key) + Arrays.hashCode(rangeEnd);
  }

  @Override
  public String toString() {
    HexFormat hex = HexFormat.of();
    return "KeyRange[" + hex.formatHex(key) + ", " + hex.formatHex(rangeEnd) + ")";
  }

  /** etcd's prefix end: the prefix with its last byte below 0xff incremented, or "\0" if none. */
  private static byte[] prefixEnd(byte[] prefix) {
    for (int i = prefix.length - 1; i >= 0; i--) {
      if (prefix[i] != (byte) 0xff) {
        byte[] end = Arrays.copyOf(prefix, i + 1);
        end[i]++;
        return end;
      }
    }
    return ZERO.clone();
  }
}
