package dev.etcdcache.adapter.cilium;

/**
 * A persistent (path-copying) path-compressed binary trie from IP prefixes to values, for one
 * address family: exact lookup and longest-prefix match.
 *
 * <h2>Design</h2>
 *
 * <p>Keys are 128 bits in two longs ({@link IpPrefix} layout) plus a length. Each node holds a
 * prefix, an optional value and two children: the child at bit {@code node.length} of a key. A
 * node without a value always has two children, so the depth is bounded by the number of distinct
 * branching points on a path, not by 128. {@link #put} and {@link #remove} copy only the path they
 * change and return a new trie; the old one stays valid, which is what lets the cache publish an
 * immutable trie per revision through one volatile reference while readers on any thread keep
 * using the one they hold.
 *
 * <p>Lookups allocate nothing: they walk final fields and compare masked longs.
 *
 * @param <V> the value type
 */
final class PrefixTrie<V> {

  private static final PrefixTrie<?> EMPTY = new PrefixTrie<>(null, 0);

  private final Node<V> root;
  private final int size;

  private PrefixTrie(Node<V> root, int size) {
    this.root = root;
    this.size = size;
  }

  @SuppressWarnings("unchecked")
  static <V> PrefixTrie<V> empty() {
    return (PrefixTrie<V>) EMPTY;
  }

  /** How many prefixes hold a value. */
  int size() {
    return size;
  }

  /** The value stored at exactly this prefix, or null. */
  V get(long hi, long lo, int length) {
    Node<V> n = root;
    while (n != null && n.length <= length) {
      if (!n.covers(hi, lo)) {
        return null;
      }
      if (n.length == length) {
        return n.value;
      }
      n = bit(hi, lo, n.length) == 0 ? n.left : n.right;
    }
    return null;
  }

  /** The value of the longest stored prefix containing the address {@code hi/lo}, or null. */
  V longestMatch(long hi, long lo) {
    V best = null;
    Node<V> n = root;
    while (n != null && n.covers(hi, lo)) {
      if (n.value != null) {
        best = n.value;
      }
      if (n.length >= 128) {
        break;
      }
      n = bit(hi, lo, n.length) == 0 ? n.left : n.right;
    }
    return best;
  }

  /** A trie with {@code value} at the prefix (replacing any value there). */
  PrefixTrie<V> put(long hi, long lo, int length, V value) {
    if (value == null) {
      throw new NullPointerException("value");
    }
    boolean existed = get(hi, lo, length) != null;
    return new PrefixTrie<>(insert(root, hi, lo, length, value), existed ? size : size + 1);
  }

  /** A trie without a value at the prefix; this trie if there was none. */
  PrefixTrie<V> remove(long hi, long lo, int length) {
    if (get(hi, lo, length) == null) {
      return this;
    }
    return new PrefixTrie<>(delete(root, hi, lo, length), size - 1);
  }

  /** Calls {@code action} for every stored prefix, parents before children. */
  void forEach(PrefixConsumer<V> action) {
    walk(root, action);
  }

  /** Receives one stored entry. */
  interface PrefixConsumer<V> {
    void accept(long hi, long lo, int length, V value);
  }

  // --- path-copying machinery ------------------------------------------------------------------

  private static <V> Node<V> insert(Node<V> n, long hi, long lo, int length, V value) {
    if (n == null) {
      return new Node<>(hi, lo, length, value, null, null);
    }
    int common = Math.min(Math.min(n.length, length), firstDifference(n.hi, n.lo, hi, lo));
    if (common == n.length) {
      if (length == n.length) {
        return new Node<>(n.hi, n.lo, n.length, value, n.left, n.right);
      }
      return bit(hi, lo, n.length) == 0
          ? new Node<>(n.hi, n.lo, n.length, n.value, insert(n.left, hi, lo, length, value), n.right)
          : new Node<>(n.hi, n.lo, n.length, n.value, n.left, insert(n.right, hi, lo, length, value));
    }
    if (common == length) {
      // The new prefix is a proper prefix of n: it becomes n's parent.
      return bit(n.hi, n.lo, length) == 0
          ? new Node<>(hi, lo, length, value, n, null)
          : new Node<>(hi, lo, length, value, null, n);
    }
    // The two diverge at bit `common`: a value-less branching node joins them.
    Node<V> leaf = new Node<>(hi, lo, length, value, null, null);
    long gHi = hi & IpPrefix.maskHi(common);
    long gLo = lo & IpPrefix.maskLo(common);
    return bit(hi, lo, common) == 0
        ? new Node<>(gHi, gLo, common, null, leaf, n)
        : new Node<>(gHi, gLo, common, null, n, leaf);
  }

  private static <V> Node<V> delete(Node<V> n, long hi, long lo, int length) {
    // Only called when the prefix is present, so the path exists.
    if (n.length == length) {
      return collapse(n.hi, n.lo, n.length, null, n.left, n.right);
    }
    if (bit(hi, lo, n.length) == 0) {
      return collapse(n.hi, n.lo, n.length, n.value, delete(n.left, hi, lo, length), n.right);
    }
    return collapse(n.hi, n.lo, n.length, n.value, n.left, delete(n.right, hi, lo, length));
  }

  /** A node, or nothing / its only child when a value-less node would no longer branch. */
  private static <V> Node<V> collapse(long hi, long lo, int length, V value, Node<V> left, Node<V> right) {
    if (value == null) {
      if (left == null) {
        return right;
      }
      if (right == null) {
        return left;
      }
    }
    return new Node<>(hi, lo, length, value, left, right);
  }

  private static <V> void walk(Node<V> n, PrefixConsumer<V> action) {
    if (n == null) {
      return;
    }
    if (n.value != null) {
      action.accept(n.hi, n.lo, n.length, n.value);
    }
    walk(n.left, action);
    walk(n.right, action);
  }

  /** Bit {@code index} (0 = most significant of hi) of a 128-bit key. */
  private static int bit(long hi, long lo, int index) {
    return index < 64 ? (int) (hi >>> (63 - index)) & 1 : (int) (lo >>> (127 - index)) & 1;
  }

  private static int firstDifference(long aHi, long aLo, long bHi, long bLo) {
    long x = aHi ^ bHi;
    if (x != 0) {
      return Long.numberOfLeadingZeros(x);
    }
    x = aLo ^ bLo;
    return x != 0 ? 64 + Long.numberOfLeadingZeros(x) : 128;
  }

  private static final class Node<V> {
    final long hi;
    final long lo;
    final int length;
    final long maskHi;
    final long maskLo;
    final V value;
    final Node<V> left;
    final Node<V> right;

    Node(long hi, long lo, int length, V value, Node<V> left, Node<V> right) {
      this.hi = hi;
      this.lo = lo;
      this.length = length;
      this.maskHi = IpPrefix.maskHi(length);
      this.maskLo = IpPrefix.maskLo(length);
      this.value = value;
      this.left = left;
      this.right = right;
    }

    /** Whether the address's first {@code length} bits equal this node's prefix. */
    boolean covers(long aHi, long aLo) {
      return ((aHi ^ hi) & maskHi) == 0 && ((aLo ^ lo) & maskLo) == 0;
    }
  }
}
