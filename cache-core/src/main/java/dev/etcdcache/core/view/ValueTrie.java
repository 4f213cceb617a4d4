package dev.etcdcache.core.view;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * A persistent hash array mapped trie (Bagwell's HAMT, kept in CHAMP's compact form) from strings to
 * values: the map from an index value to its {@link Posting}.
 *
 * <p>Why not the B+tree: an index lookup is an equality lookup on a string. Hashing it once and
 * following at most seven 32-way nodes touches a handful of cache lines, where a B+tree descent
 * compares the probe with a dozen keys, each its own array. Index values need no order.
 *
 * <p>Each node holds a bitmap of the hash fragments present and one compact array with an
 * {@link Entry} or a child node per set bit. Keys whose 32-bit hashes are equal end in a collision
 * node (bitmap 0, entries searched linearly). A removal that leaves a child with a single entry
 * pulls that entry up, so equal maps have equal shapes and no empty nodes remain.
 *
 * <p>Immutable and thread-safe; edits go through an {@link Editor}, which copies each node once
 * (owner token, as {@code dev.etcdcache.btree.Batch} does) and publishes with {@link Editor#freeze}.
 *
 * @param <V> the value type
 */
final class ValueTrie<V> {

  private static final int BITS = 5;
  private static final int MASK = (1 << BITS) - 1;
  private static final Node EMPTY_NODE = new Node(null, 0, new Object[0]);
  private static final ValueTrie<Object> EMPTY = new ValueTrie<>(EMPTY_NODE, 0);

  private final Node root;
  private final int size;

  private ValueTrie(Node root, int size) {
    this.root = root;
    this.size = size;
  }

  @SuppressWarnings("unchecked")
  static <V> ValueTrie<V> empty() {
    return (ValueTrie<V>) EMPTY;
  }

  int size() {
    return size;
  }

  /** The value of {@code key}, or null. */
  @SuppressWarnings("unchecked")
  V get(String key) {
    return (V) find(root, key);
  }

  private static Object find(Node root, String key) {
    int hash = key.hashCode();
    Node node = root;
    for (int shift = 0; ; shift += BITS) {
      if (node.bitmap == 0) {
        return node.collisionGet(key);
      }
      int bit = 1 << ((hash >>> shift) & MASK);
      if ((node.bitmap & bit) == 0) {
        return null;
      }
      Object slot = node.slots[Integer.bitCount(node.bitmap & (bit - 1))];
      if (slot instanceof Entry e) {
        return e.hash == hash && e.key.equals(key) ? e.value : null;
      }
      node = (Node) slot;
    }
  }

  /** Calls {@code action} for every entry, in no particular order. */
  @SuppressWarnings("unchecked")
  void forEach(BiConsumer<String, ? super V> action) {
    root.forEach((BiConsumer<String, Object>) action);
  }

  Editor<V> edit() {
    return new Editor<>(this);
  }

  /**
   * A transient copy of one trie version: nodes it creates belong to it and change in place; every
   * other version is untouched. One thread at a time; unusable after {@link #freeze}.
   */
  static final class Editor<V> {
    private Object owner = new Object();
    private Node root;
    private int size;

    private Editor(ValueTrie<V> base) {
      this.root = base.root;
      this.size = base.size;
    }

    @SuppressWarnings("unchecked")
    V get(String key) {
      return (V) find(root, key);
    }

    void put(String key, V value) {
      Objects.requireNonNull(value, "value");
      root = root.put(owner(), key, key.hashCode(), value, 0, this);
    }

    void remove(String key) {
      Node r = root.remove(owner(), key, key.hashCode(), 0, this);
      root = r == null ? EMPTY_NODE : r;
    }

    ValueTrie<V> freeze() {
      owner();
      owner = null;
      return size == 0 ? empty() : new ValueTrie<>(root, size);
    }

    private Object owner() {
      if (owner == null) {
        throw new IllegalStateException("the editor was frozen");
      }
      return owner;
    }
  }

  /** One key and its value; never changed once built. */
  private record Entry(String key, int hash, Object value) {}

  private static final class Node {
    private final Object owner;
    /** One bit per hash fragment present; 0 marks a collision node. */
    private int bitmap;
    private Object[] slots;

    Node(Object owner, int bitmap, Object[] slots) {
      this.owner = owner;
      this.bitmap = bitmap;
      this.slots = slots;
    }

    Object collisionGet(String key) {
      for (Object s : slots) {
        Entry e = (Entry) s;
        if (e.key.equals(key)) {
          return e.value;
        }
      }
      return null;
    }

    void forEach(BiConsumer<String, Object> action) {
      for (Object s : slots) {
        if (s instanceof Entry e) {
          action.accept(e.key, e.value);
        } else {
          ((Node) s).forEach(action);
        }
      }
    }

    /** This node with {@code key} mapped to {@code value}: itself when owned, else a copy. */
    Node put(Object owner, String key, int hash, Object value, int shift, Editor<?> editor) {
      if (bitmap == 0 && slots.length > 0) {
        return collisionPut(owner, key, value, editor);
      }
      int bit = 1 << ((hash >>> shift) & MASK);
      int at = Integer.bitCount(bitmap & (bit - 1));
      if ((bitmap & bit) == 0) {
        editor.size++;
        Object[] grown = new Object[slots.length + 1];
        System.arraycopy(slots, 0, grown, 0, at);
        grown[at] = new Entry(key, hash, value);
        System.arraycopy(slots, at, grown, at + 1, slots.length - at);
        return with(owner, bitmap | bit, grown);
      }
      Object slot = slots[at];
      Object replacement;
      if (slot instanceof Entry e) {
        if (e.hash == hash && e.key.equals(key)) {
          if (e.value == value) {
            return this;
          }
          replacement = new Entry(key, hash, value);
        } else {
          editor.size++;
          replacement = split(owner, e, new Entry(key, hash, value), shift + BITS);
        }
      } else {
        Node child = (Node) slot;
        replacement = child.put(owner, key, hash, value, shift + BITS, editor);
        if (replacement == child) {
          return this;
        }
      }
      return withSlot(owner, at, replacement);
    }

    /** This node without {@code key}; null when nothing is left. */
    Node remove(Object owner, String key, int hash, int shift, Editor<?> editor) {
      if (bitmap == 0) {
        return collisionRemove(owner, key, editor);
      }
      int bit = 1 << ((hash >>> shift) & MASK);
      if ((bitmap & bit) == 0) {
        return this;
      }
      int at = Integer.bitCount(bitmap & (bit - 1));
      Object slot = slots[at];
      if (slot instanceof Entry e) {
        if (e.hash != hash || !e.key.equals(key)) {
          return this;
        }
        editor.size--;
        return slots.length == 1 ? null : with(owner, bitmap & ~bit, without(slots, at));
      }
      Node child = (Node) slot;
      Node after = child.remove(owner, key, hash, shift + BITS, editor);
      if (after == child) {
        return this;
      }
      if (after == null) {
        // Cannot happen for a canonical child (it always holds two entries or more), kept for safety.
        return slots.length == 1 ? null : with(owner, bitmap & ~bit, without(slots, at));
      }
      if (after.slots.length == 1 && after.slots[0] instanceof Entry only) {
        // A child down to one entry: pull the entry up (CHAMP's canonical form).
        return withSlot(owner, at, only);
      }
      return withSlot(owner, at, after);
    }

    private Object split(Object owner, Entry a, Entry b, int shift) {
      if (shift >= Integer.SIZE) {
        return new Node(owner, 0, new Object[] {a, b});
      }
      int fa = (a.hash >>> shift) & MASK;
      int fb = (b.hash >>> shift) & MASK;
      if (fa == fb) {
        return new Node(owner, 1 << fa, new Object[] {split(owner, a, b, shift + BITS)});
      }
      return new Node(owner, (1 << fa) | (1 << fb), fa < fb ? new Object[] {a, b} : new Object[] {b, a});
    }

    private Node collisionPut(Object owner, String key, Object value, Editor<?> editor) {
      for (int i = 0; i < slots.length; i++) {
        Entry e = (Entry) slots[i];
        if (e.key.equals(key)) {
          return e.value == value ? this : withSlot(owner, i, new Entry(key, e.hash, value));
        }
      }
      editor.size++;
      Object[] grown = Arrays.copyOf(slots, slots.length + 1);
      grown[slots.length] = new Entry(key, key.hashCode(), value);
      return with(owner, 0, grown);
    }

    private Node collisionRemove(Object owner, String key, Editor<?> editor) {
      for (int i = 0; i < slots.length; i++) {
        if (((Entry) slots[i]).key.equals(key)) {
          editor.size--;
          return slots.length == 1 ? null : with(owner, 0, without(slots, i));
        }
      }
      return this;
    }

    private static Object[] without(Object[] slots, int at) {
      Object[] shrunk = new Object[slots.length - 1];
      System.arraycopy(slots, 0, shrunk, 0, at);
      System.arraycopy(slots, at + 1, shrunk, at, slots.length - at - 1);
      return shrunk;
    }

    private Node withSlot(Object owner, int at, Object replacement) {
      if (this.owner == owner) {
        slots[at] = replacement;
        return this;
      }
      Object[] copy = slots.clone();
      copy[at] = replacement;
      return new Node(owner, bitmap, copy);
    }

    private Node with(Object owner, int newBitmap, Object[] newSlots) {
      if (this.owner == owner) {
        bitmap = newBitmap;
        slots = newSlots;
        return this;
      }
      return new Node(owner, newBitmap, newSlots);
    }
  }
}
