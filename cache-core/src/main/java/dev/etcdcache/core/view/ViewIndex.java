package dev.etcdcache.core.view;

import dev.etcdcache.api.IndexDefinition;
import dev.etcdcache.btree.BPlusTree;
import dev.etcdcache.btree.EntryVisitor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One secondary index at one revision: a persistent B+tree whose keys are (index value, etcd key)
 * pairs and whose values are the objects, so a lookup walks one contiguous range in key order and
 * needs no second lookup in the objects tree, and keeping the tree is an O(1) snapshot.
 *
 * <p>An entry key is the value's UTF-8 length as 4 big-endian bytes, the value's bytes, then the
 * etcd key. The fixed-width length makes value prefixes prefix-free: every key under
 * {@link #valuePrefix(String)} belongs to exactly that value, whatever bytes values hold.
 *
 * <p>Immutable and thread-safe.
 *
 * @param <T> the object type
 */
final class ViewIndex<T> {

  private final IndexDefinition<T> definition;
  private final BPlusTree<T> entries;

  ViewIndex(IndexDefinition<T> definition, BPlusTree<T> entries) {
    this.definition = definition;
    this.entries = entries;
  }

  IndexDefinition<T> definition() {
    return definition;
  }

  BPlusTree<T> entries() {
    return entries;
  }

  ViewIndex<T> with(BPlusTree<T> newEntries) {
    return newEntries == entries ? this : new ViewIndex<>(definition, newEntries);
  }

  /** How many keys have {@code value}, in O(log n) without visiting them. */
  int count(byte[] valuePrefix) {
    return entries.count(valuePrefix, prefixEnd(valuePrefix));
  }

  /** Whether the object at {@code key} has {@code value}. */
  boolean contains(byte[] valuePrefix, byte[] key) {
    return entries.containsKey(entryKey(valuePrefix, key));
  }

  /** Visits the entries with {@code value} in etcd key order; the visitor gets the entry key. */
  void forEach(byte[] valuePrefix, EntryVisitor<? super T> visitor) {
    entries.forEach(valuePrefix, prefixEnd(valuePrefix), false, 0, visitor);
  }

  /** The etcd key inside an entry key of {@code valuePrefix}. */
  static byte[] etcdKey(byte[] valuePrefix, byte[] entryKey) {
    return Arrays.copyOfRange(entryKey, valuePrefix.length, entryKey.length);
  }

  /** The entry-key prefix shared by every key with {@code value}. */
  static byte[] valuePrefix(String value) {
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(4 + v.length).putInt(v.length).put(v).array();
  }

  /** The entry key of {@code key} under {@code valuePrefix}. */
  static byte[] entryKey(byte[] valuePrefix, byte[] key) {
    byte[] k = Arrays.copyOf(valuePrefix, valuePrefix.length + key.length);
    System.arraycopy(key, 0, k, valuePrefix.length, key.length);
    return k;
  }

  /** The first key past every key starting with {@code prefix} (never null: prefixes start with a length). */
  static byte[] prefixEnd(byte[] prefix) {
    byte[] end = prefix.clone();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return Arrays.copyOf(end, i + 1);
      }
    }
    return null;
  }
}
