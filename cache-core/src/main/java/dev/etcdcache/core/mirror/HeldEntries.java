package dev.etcdcache.core.mirror;

import dev.etcdcache.btree.BPlusTree;
import dev.etcdcache.core.store.StoredValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The entries an old tree holds over the keys of one listed page, walked alongside the page in key
 * order, so that a re-list can take an unchanged entry's arrays instead of copying it again.
 * One page's worth, used once, on the apply thread.
 */
final class HeldEntries {

  private static final HeldEntries NONE = new HeldEntries(List.of(), List.of());

  private final List<byte[]> keys;
  private final List<byte[]> values;
  private int at = -1;

  private HeldEntries(List<byte[]> keys, List<byte[]> values) {
    this.keys = keys;
    this.values = values;
  }

  /** What {@code tree} (null: nothing) holds between the first and the last key of {@code page}. */
  static HeldEntries of(BPlusTree<byte[]> tree, List<io.etcd.jetcd.KeyValue> page) {
    if (tree == null || tree.isEmpty() || page.isEmpty()) {
      return NONE;
    }
    byte[] first = page.get(0).getKey().getBytes();
    byte[] last = page.get(page.size() - 1).getKey().getBytes();
    List<byte[]> keys = new ArrayList<>(page.size());
    List<byte[]> values = new ArrayList<>(page.size());
    tree.forEach(first, Arrays.copyOf(last, last.length + 1), false, 0, (k, v) -> {
      keys.add(k);
      values.add(v);
      return true;
    });
    return new HeldEntries(keys, values);
  }

  /** Moves to {@code key} (keys come in ascending order); whether the old tree holds it. */
  boolean advanceTo(byte[] key) {
    while (at + 1 < keys.size() && Arrays.compareUnsigned(keys.get(at + 1), key) <= 0) {
      at++;
    }
    return at >= 0 && Arrays.equals(keys.get(at), key);
  }

  /**
   * Whether the held entry equals {@code kv} (with {@code value}, its value's bytes) in every byte
   * and revision. Compared in full, not trusted from the mod revision: a re-list also heals a
   * mirror found to differ from etcd, so an altered entry must never be carried over.
   */
  boolean holds(io.etcd.jetcd.KeyValue kv, byte[] value) {
    byte[] stored = values.get(at);
    return StoredValue.modRevision(stored) == kv.getModRevision()
        && StoredValue.createRevision(stored) == kv.getCreateRevision()
        && StoredValue.version(stored) == kv.getVersion()
        && StoredValue.lease(stored) == kv.getLease()
        && StoredValue.valueLength(stored) == value.length
        && Arrays.equals(stored, 0, value.length, value, 0, value.length);
  }

  byte[] key() {
    return keys.get(at);
  }

  byte[] stored() {
    return values.get(at);
  }
}
