package dev.etcdcache.btree;

import java.util.Arrays;

/**
 * etcd's key order (unsigned lexicographic bytes, a proper prefix before its extensions) and the
 * binary searches over a node's sorted key array that every tree operation routes with.
 */
final class KeyOrder {

  private KeyOrder() {}

  /** Compares as etcd does: bytes as unsigned, a proper prefix sorts first. */
  static int compare(byte[] a, byte[] b) {
    // Intrinsified by HotSpot (vectorized mismatch), so cheaper than a hand-written loop.
    return Arrays.compareUnsigned(a, b);
  }

  /**
   * Searches {@code keys[0, n)} for {@code key}.
   *
   * @return its index if present, otherwise {@code -(insertionPoint) - 1}
   */
  static int search(byte[][] keys, int n, byte[] key) {
    int lo = 0;
    int hi = n - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = compare(keys[mid], key);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -(lo + 1);
  }

  /** The number of keys in {@code keys[0, n)} strictly less than {@code key}. */
  static int countLess(byte[][] keys, int n, byte[] key) {
    int lo = 0;
    int hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (compare(keys[mid], key) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The number of keys in {@code keys[0, n)} less than or equal to {@code key}. */
  static int countLessOrEqual(byte[][] keys, int n, byte[] key) {
    int lo = 0;
    int hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (compare(keys[mid], key) <= 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
