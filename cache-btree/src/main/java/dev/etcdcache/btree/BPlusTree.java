package dev.etcdcache.btree;

import java.util.Objects;

/**
 * Immutable, thread-safe persistent sorted map from {@code byte[]} keys to values, ordered as etcd
 * orders keys: unsigned lexicographic bytes ({@link java.util.Arrays#compareUnsigned(byte[],
 * byte[])}), a proper prefix before its extensions, the empty key first.
 *
 * <p>A {@code BPlusTree} is one version of the map and never changes: {@link #put} and {@link
 * #remove} return a new version that shares every untouched node with this one (path copying).
 * Holding the reference is therefore an O(1) snapshot. {@link #batch()} applies many edits while
 * copying each touched node only once.
 *
 * <p>Thread-safety: every method may be called from any number of threads without
 * synchronization; a version may even be handed to another thread through a data race, since its
 * root is a final field. Keys are stored by reference, not copied: callers promise never to modify
 * a key array after passing it in, and must not modify the key arrays the tree hands out ({@link
 * #keyAt}, {@link EntryVisitor}). Keys and values are never {@code null}, so {@code null} from
 * {@link #get} always means absent.
 *
 * <p>Costs, n entries: {@code get}, {@code containsKey}, {@code put}, {@code remove}, {@code
 * count}, {@code rank}, {@code keyAt}, {@code valueAt} take O(log n), since inner nodes keep their
 * subtree sizes; {@code size} is O(1); {@code forEach} is O(log n) plus O(1) per visited entry and
 * allocates nothing per entry.
 *
 * <p>Not promised: {@code equals}/{@code hashCode} are by identity, not content; iteration order
 * for equal keys cannot arise (keys are unique).
 *
 * @param <V> the value type
 */
public final class BPlusTree<V> {

  private static final BPlusTree<Object> EMPTY = new BPlusTree<>(Leaf.EMPTY);

  final Node root;

  BPlusTree(Node root) {
    this.root = root;
  }

  /** Returns the empty map (a shared instance). */
  @SuppressWarnings("unchecked")
  public static <V> BPlusTree<V> empty() {
    return (BPlusTree<V>) EMPTY;
  }

  /** Returns the number of entries, in O(1). */
  public int size() {
    return root.size();
  }

  /** Returns whether the map has no entries. */
  public boolean isEmpty() {
    return root.size() == 0;
  }

  /**
   * Returns the value for {@code key}, or {@code null} if absent.
   *
   * @throws NullPointerException if {@code key} is null
   */
  public V get(byte[] key) {
    Objects.requireNonNull(key, "key");
    return lookup(root, key);
  }

  /**
   * Returns whether {@code key} is present.
   *
   * @throws NullPointerException if {@code key} is null
   */
  public boolean containsKey(byte[] key) {
    return get(key) != null;
  }

  /**
   * Returns a version with {@code key} mapped to {@code value}; this version is unchanged. Returns
   * this very version if {@code key} is already mapped to the same value instance.
   *
   * @param key stored by reference: the caller must never modify it afterwards
   * @throws NullPointerException if {@code key} or {@code value} is null
   */
  public BPlusTree<V> put(byte[] key, V value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Mutation m = new Mutation(null);
    Node r = Node.putRoot(root, key, value, m);
    return r == root ? this : new BPlusTree<>(r);
  }

  /**
   * Returns a version without {@code key}; this version is unchanged. Returns this very version if
   * {@code key} is absent.
   *
   * @throws NullPointerException if {@code key} is null
   */
  public BPlusTree<V> remove(byte[] key) {
    Objects.requireNonNull(key, "key");
    Mutation m = new Mutation(null);
    Node r = Node.removeRoot(root, key, m);
    return r == root ? this : new BPlusTree<>(r);
  }

  /**
   * Returns the number of keys {@code k} with {@code fromInclusive <= k < toExclusive}, in O(log
   * n) without visiting them (etcd's {@code count} and {@code CountOnly}). A {@code null} bound is
   * open; an empty or inverted range counts 0.
   */
  public int count(byte[] fromInclusive, byte[] toExclusive) {
    int hi = toExclusive == null ? size() : rank(toExclusive);
    int lo = fromInclusive == null ? 0 : rank(fromInclusive);
    return Math.max(0, hi - lo);
  }

  /**
   * Returns the number of keys strictly less than {@code key}: its index if present, otherwise
   * the index it would be inserted at.
   *
   * @throws NullPointerException if {@code key} is null
   */
  public int rank(byte[] key) {
    Objects.requireNonNull(key, "key");
    int before = 0;
    Node node = root;
    while (node instanceof Inner in) {
      int ci = in.childIndex(key);
      int[] counts = in.counts;
      for (int i = 0; i < ci; i++) {
        before += counts[i];
      }
      node = in.children[ci];
    }
    Leaf leaf = (Leaf) node;
    return before + KeyOrder.countLess(leaf.keys, leaf.n, key);
  }

  /**
   * Returns the {@code index}-th smallest key (0-based); the array is the tree's own and must not
   * be modified.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= index < size()}
   */
  public byte[] keyAt(int index) {
    Objects.checkIndex(index, size());
    int[] at = {index};
    Leaf leaf = leafAt(at);
    return leaf.keys[at[0]];
  }

  /**
   * Returns the value of the {@code index}-th smallest key (0-based).
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= index < size()}
   */
  @SuppressWarnings("unchecked")
  public V valueAt(int index) {
    Objects.checkIndex(index, size());
    int[] at = {index};
    Leaf leaf = leafAt(at);
    return (V) leaf.vals[at[0]];
  }

  /**
   * Visits the entries with {@code fromInclusive <= k < toExclusive} ({@code null} bound = open),
   * ascending, or descending (largest first) when {@code descending} is true. Stops after {@code
   * limit} visits ({@code limit <= 0}: no limit) or as soon as the visitor returns {@code false}.
   * Allocates nothing per visited entry. This version never changes, so the walk sees exactly it
   * whatever other threads do meanwhile.
   *
   * @return the number of entries visited, including the one whose visit returned {@code false}
   * @throws NullPointerException if {@code visitor} is null
   */
  @SuppressWarnings("unchecked")
  public int forEach(
      byte[] fromInclusive,
      byte[] toExclusive,
      boolean descending,
      int limit,
      EntryVisitor<? super V> visitor) {
    Objects.requireNonNull(visitor, "visitor");
    Walk walk = new Walk((EntryVisitor<Object>) visitor, limit);
    if (descending) {
      root.descend(fromInclusive, toExclusive, walk);
    } else {
      root.ascend(fromInclusive, toExclusive, walk);
    }
    return walk.visited;
  }

  /**
   * Returns a new transient batch starting from this version. This version is unaffected by
   * anything done through the batch.
   */
  public Batch<V> batch() {
    return new Batch<>(this);
  }

  @Override
  public String toString() {
    return "BPlusTree[size=" + size() + "]";
  }

  @SuppressWarnings("unchecked")
  static <V> V lookup(Node root, byte[] key) {
    Node node = root;
    while (node instanceof Inner in) {
      node = in.children[in.childIndex(key)];
    }
    Leaf leaf = (Leaf) node;
    int i = KeyOrder.search(leaf.keys, leaf.n, key);
    return i >= 0 ? (V) leaf.vals[i] : null;
  }

  /** Finds the leaf holding position {@code at[0]}, leaving the position within it in at[0]. */
  private Leaf leafAt(int[] at) {
    int index = at[0];
    Node node = root;
    while (node instanceof Inner in) {
      int ci = 0;
      int[] counts = in.counts;
      while (index >= counts[ci]) {
        index -= counts[ci];
        ci++;
      }
      node = in.children[ci];
    }
    at[0] = index;
    return (Leaf) node;
  }
}
