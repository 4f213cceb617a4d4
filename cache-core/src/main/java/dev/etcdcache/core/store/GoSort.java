package dev.etcdcache.core.store;

/**
 * Go's {@code sort.Sort} and {@code sort.Reverse}, ported so that the cache orders ties exactly
 * as etcd does.
 *
 * <p>Why: etcd sorts a Range response that asks for a sort order with Go's {@code sort.Sort}
 * (and {@code sort.Sort(sort.Reverse(x))} for DESCEND), which is not stable. Among keys whose
 * sort target is equal (same VERSION or VALUE, same CREATE or MOD revision within one txn), the
 * order etcd returns is whatever that algorithm's sequence of swaps produces from the input in
 * key order. A stable Java sort would differ in exactly those ties, so to answer byte for byte
 * as etcd does the cache runs the same algorithm.
 *
 * <p>Which Go: pattern-defeating quicksort as in Go 1.19 ({@code src/sort/zsortinterface.go}
 * and {@code src/sort/sort.go}), the version the targeted etcd server (Debian etcd 3.4.23) was
 * built with (go1.19.8). Go releases before 1.19 used a different quicksort and would give other
 * tie orders. Every method below mirrors the Go function of the same name, statement for
 * statement, including its quirks (see {@link #partialInsertionSort}): for the same answers from
 * {@code less} it makes the same calls to {@code less} and {@code swap} in the same order, so the
 * resulting permutation is Go's for any input. Go's {@code int} is 64-bit; here indexes are Java
 * {@code int}s, which is the same for any collection a Java array can hold.
 */
final class GoSort {

  /** Go's {@code maxInsertion}: ranges this short are insertion-sorted. */
  private static final int MAX_INSERTION = 12;

  /** Go's {@code shortestNinther}: from this length the pivot is a median of medians. */
  private static final int SHORTEST_NINTHER = 50;

  /** Go's {@code maxSwaps} in choosePivot: all twelve comparisons swapped means decreasing. */
  private static final int MAX_SWAPS = 4 * 3;

  /** Go's {@code maxSteps} in partialInsertionSort. */
  private static final int MAX_STEPS = 5;

  /** Go's {@code shortestShifting} in partialInsertionSort. */
  private static final int SHORTEST_SHIFTING = 50;

  /** Go's {@code sortedHint}: what choosePivot saw of the order around its samples. */
  private enum SortedHint {
    UNKNOWN,
    INCREASING,
    DECREASING
  }

  private GoSort() {}

  /** Go's {@code sort.Sort(data)}: sorts in place, not stably, exactly as Go 1.19 does. */
  static void sort(GoSortable data) {
    int n = data.length();
    if (n <= 1) {
      return;
    }
    int limit = bitsLen(n);
    pdqsort(data, 0, n, limit);
  }

  /**
   * Go's {@code sort.Reverse(data)}: the same collection, whose {@code less(i, j)} is data's
   * {@code less(j, i)}.
   */
  static GoSortable reverse(GoSortable data) {
    return new GoSortable() {
      @Override
      public int length() {
        return data.length();
      }

      @Override
      public boolean less(int i, int j) {
        return data.less(j, i);
      }

      @Override
      public void swap(int i, int j) {
        data.swap(i, j);
      }
    };
  }

  /** insertionSort sorts data[a:b] using insertion sort. */
  private static void insertionSort(GoSortable data, int a, int b) {
    for (int i = a + 1; i < b; i++) {
      for (int j = i; j > a && data.less(j, j - 1); j--) {
        data.swap(j, j - 1);
      }
    }
  }

  /** siftDown restores the heap property on data[lo:hi]; first is where the heap's root lies. */
  private static void siftDown(GoSortable data, int lo, int hi, int first) {
    int root = lo;
    while (true) {
      int child = 2 * root + 1;
      if (child >= hi) {
        break;
      }
      if (child + 1 < hi && data.less(first + child, first + child + 1)) {
        child++;
      }
      if (!data.less(first + root, first + child)) {
        return;
      }
      data.swap(first + root, first + child);
      root = child;
    }
  }

  /** heapSort sorts data[a:b]: pdqsort's fallback after too many bad pivots. */
  private static void heapSort(GoSortable data, int a, int b) {
    int first = a;
    int lo = 0;
    int hi = b - a;

    // Build heap with greatest element at top.
    for (int i = (hi - 1) / 2; i >= 0; i--) {
      siftDown(data, i, hi, first);
    }

    // Pop elements, largest first, into end of data.
    for (int i = hi - 1; i >= 0; i--) {
      data.swap(first, first + i);
      siftDown(data, lo, i, first);
    }
  }

  /**
   * pdqsort sorts data[a:b]; limit is the number of bad (very unbalanced) pivots allowed before
   * falling back to heapsort. It recurses into the smaller side and loops on the larger.
   */
  private static void pdqsort(GoSortable data, int a, int b, int limit) {
    boolean wasBalanced = true; // whether the last partitioning was reasonably balanced
    boolean wasPartitioned = true; // whether the slice was already partitioned
    int[] pivotOut = new int[1];
    boolean[] alreadyPartitioned = new boolean[1];

    while (true) {
      int length = b - a;

      if (length <= MAX_INSERTION) {
        insertionSort(data, a, b);
        return;
      }

      // Fall back to heapsort if too many bad choices were made.
      if (limit == 0) {
        heapSort(data, a, b);
        return;
      }

      // If the last partitioning was imbalanced, break patterns.
      if (!wasBalanced) {
        breakPatterns(data, a, b);
        limit--;
      }

      SortedHint hint = choosePivot(data, a, b, pivotOut);
      int pivot = pivotOut[0];
      if (hint == SortedHint.DECREASING) {
        reverseRange(data, a, b);
        // The pivot was pivot-a elements after the start; after reversing it is pivot-a
        // elements before the end.
        pivot = (b - 1) - (pivot - a);
        hint = SortedHint.INCREASING;
      }

      // The slice is likely already sorted.
      if (wasBalanced && wasPartitioned && hint == SortedHint.INCREASING) {
        if (partialInsertionSort(data, a, b)) {
          return;
        }
      }

      // Probably many duplicates: partition into elements equal to the pivot and greater ones.
      if (a > 0 && !data.less(a - 1, pivot)) {
        int mid = partitionEqual(data, a, b, pivot);
        a = mid;
        continue;
      }

      int mid = partition(data, a, b, pivot, alreadyPartitioned);
      wasPartitioned = alreadyPartitioned[0];

      int leftLen = mid - a;
      int rightLen = b - mid;
      int balanceThreshold = length / 8;
      if (leftLen < rightLen) {
        wasBalanced = leftLen >= balanceThreshold;
        pdqsort(data, a, mid, limit);
        a = mid + 1;
      } else {
        wasBalanced = rightLen >= balanceThreshold;
        pdqsort(data, mid + 1, b, limit);
        b = mid;
      }
    }
  }

  /**
   * partition does one quicksort partition of data[a:b] around p = data[pivot]: afterwards
   * data[i] &lt; p before the returned index, data[j] &gt;= p after it, and p at it. Sets
   * alreadyPartitioned[0] when no element had to move but the pivot.
   */
  private static int partition(
      GoSortable data, int a, int b, int pivot, boolean[] alreadyPartitioned) {
    data.swap(a, pivot);
    int i = a + 1;
    int j = b - 1; // i and j are inclusive of the elements remaining to be partitioned

    while (i <= j && data.less(i, a)) {
      i++;
    }
    while (i <= j && !data.less(j, a)) {
      j--;
    }
    if (i > j) {
      data.swap(j, a);
      alreadyPartitioned[0] = true;
      return j;
    }
    data.swap(i, j);
    i++;
    j--;

    while (true) {
      while (i <= j && data.less(i, a)) {
        i++;
      }
      while (i <= j && !data.less(j, a)) {
        j--;
      }
      if (i > j) {
        break;
      }
      data.swap(i, j);
      i++;
      j--;
    }
    data.swap(j, a);
    alreadyPartitioned[0] = false;
    return j;
  }

  /**
   * partitionEqual partitions data[a:b] into elements equal to data[pivot] followed by greater
   * ones, assuming none is smaller; returns where the greater ones start.
   */
  private static int partitionEqual(GoSortable data, int a, int b, int pivot) {
    data.swap(a, pivot);
    int i = a + 1;
    int j = b - 1; // i and j are inclusive of the elements remaining to be partitioned

    while (true) {
      while (i <= j && !data.less(a, i)) {
        i++;
      }
      while (i <= j && data.less(a, j)) {
        j--;
      }
      if (i > j) {
        break;
      }
      data.swap(i, j);
      i++;
      j--;
    }
    return i;
  }

  /**
   * partialInsertionSort partially sorts data[a:b] and returns whether it is sorted at the end.
   *
   * <p>Go 1.19 quirk kept on purpose: the shift to the left runs down to index 1, not to a + 1,
   * so it may compare across the start of the range (it stops there, as everything left of a
   * sorts before it, but the comparisons are Go's and so are here).
   */
  private static boolean partialInsertionSort(GoSortable data, int a, int b) {
    int i = a + 1;
    for (int step = 0; step < MAX_STEPS; step++) {
      while (i < b && !data.less(i, i - 1)) {
        i++;
      }

      if (i == b) {
        return true;
      }

      if (b - a < SHORTEST_SHIFTING) {
        return false;
      }

      data.swap(i, i - 1);

      // Shift the smaller one to the left.
      if (i - a >= 2) {
        for (int j = i - 1; j >= 1; j--) {
          if (!data.less(j, j - 1)) {
            break;
          }
          data.swap(j, j - 1);
        }
      }
      // Shift the greater one to the right.
      if (b - i >= 2) {
        for (int j = i + 1; j < b; j++) {
          if (!data.less(j, j - 1)) {
            break;
          }
          data.swap(j, j - 1);
        }
      }
    }
    return false;
  }

  /**
   * breakPatterns swaps three elements around the middle of data[a:b] with pseudo-random ones,
   * to break patterns that make quicksort's partitions unbalanced. The generator is seeded with
   * the length, so the result is deterministic.
   */
  private static void breakPatterns(GoSortable data, int a, int b) {
    int length = b - a;
    if (length >= 8) {
      long random = length; // Go's xorshift(length)
      long modulus = nextPowerOfTwo(length);

      for (int idx = a + (length / 4) * 2 - 1; idx <= a + (length / 4) * 2 + 1; idx++) {
        random = xorshiftNext(random);
        int other = (int) (random & (modulus - 1));
        if (other >= length) {
          other -= length;
        }
        data.swap(idx, a + other);
      }
    }
  }

  /**
   * choosePivot chooses a pivot in data[a:b], stores it in pivot[0], and reports what the
   * samples said of the order: below 8 elements a fixed pivot, below 50 a median of three,
   * from 50 on Tukey's ninther.
   */
  private static SortedHint choosePivot(GoSortable data, int a, int b, int[] pivot) {
    int l = b - a;

    int[] swaps = new int[1];
    int i = a + l / 4 * 1;
    int j = a + l / 4 * 2;
    int k = a + l / 4 * 3;

    if (l >= 8) {
      if (l >= SHORTEST_NINTHER) {
        // Tukey ninther method.
        i = medianAdjacent(data, i, swaps);
        j = medianAdjacent(data, j, swaps);
        k = medianAdjacent(data, k, swaps);
      }
      // Find the median among i, j, k and store it into j.
      j = median(data, i, j, k, swaps);
    }

    pivot[0] = j;
    switch (swaps[0]) {
      case 0:
        return SortedHint.INCREASING;
      case MAX_SWAPS:
        return SortedHint.DECREASING;
      default:
        return SortedHint.UNKNOWN;
    }
  }

  /**
   * median returns whichever of a, b, c holds the median of data[a], data[b], data[c], counting
   * in swaps[0] how many of its three order2 steps found a pair out of order.
   */
  private static int median(GoSortable data, int a, int b, int c, int[] swaps) {
    // a, b = order2(a, b)
    if (data.less(b, a)) {
      swaps[0]++;
      int t = a;
      a = b;
      b = t;
    }
    // b, c = order2(b, c)
    if (data.less(c, b)) {
      swaps[0]++;
      int t = b;
      b = c;
      c = t;
    }
    // a, b = order2(a, b)
    if (data.less(b, a)) {
      swaps[0]++;
      int t = a;
      a = b;
      b = t;
    }
    return b;
  }

  /** medianAdjacent returns the index of the median of data[a - 1], data[a], data[a + 1]. */
  private static int medianAdjacent(GoSortable data, int a, int[] swaps) {
    return median(data, a - 1, a, a + 1, swaps);
  }

  /** reverseRange reverses data[a:b]. */
  private static void reverseRange(GoSortable data, int a, int b) {
    int i = a;
    int j = b - 1;
    while (i < j) {
      data.swap(i, j);
      i++;
      j--;
    }
  }

  /** Go's xorshift.Next on a uint64 state: returns the next state, which is also the output. */
  private static long xorshiftNext(long r) {
    r ^= r << 13;
    r ^= r >>> 17;
    r ^= r << 5;
    return r;
  }

  /** Go's nextPowerOfTwo: 1 &lt;&lt; bits.Len(length), the smallest power of two above length. */
  private static long nextPowerOfTwo(int length) {
    return 1L << bitsLen(length);
  }

  /** Go's bits.Len(uint(n)) for n &gt;= 0: the number of bits needed to represent n. */
  private static int bitsLen(int n) {
    return Integer.SIZE - Integer.numberOfLeadingZeros(n);
  }
}
