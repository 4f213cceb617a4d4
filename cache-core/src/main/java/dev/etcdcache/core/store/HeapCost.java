package dev.etcdcache.core.store;

/**
 * What the cache's own structures cost on the heap, in bytes, for the retained-bytes estimate and
 * the byte bounds of the history and the version window. The figures are those of a 64-bit
 * HotSpot JVM with compressed references (heaps below 32 GiB, the default): 12-byte object
 * headers, 16-byte array headers, 4-byte references, 8-byte alignment. They were checked against
 * JOL's measurement of the real structures (see {@code RetainedBytesTest}); on a heap of 32 GiB or
 * more (uncompressed references) the estimate is low by up to about a quarter of the overhead
 * part, never of the key and value bytes.
 *
 * <p>Why a model and not a measurement: measuring a graph walks it (JOL takes seconds at a million
 * keys), whereas the apply thread must keep the figure current per revision for free.
 *
 * <p>Stateless; internal, no compatibility promise.
 */
public final class HeapCost {

  /**
   * A stored entry beyond its key and value bytes: the key's and the packed value's array headers
   * and alignment, 32 bytes of revisions, version and lease, and the entry's share of the B+tree
   * (two slots in a leaf, its share of inner nodes), measured with JOL at 1M keys.
   */
  public static final long ENTRY_OVERHEAD = 74;

  /**
   * A B+tree leaf copied when a revision changes it (the old version keeps the original): the
   * object and its key and value arrays of 64 slots (a list fills leaves; checked with JOL).
   */
  public static final long LEAF = 568;

  /** An inner node copied likewise: the object and its child, separator and count arrays. */
  public static final long INNER = 836;

  /** Entries (children) per node: a list fills them. */
  private static final int FANOUT = 64;

  /**
   * One event as the history holds it, beyond the arrays it points at: etcd's {@code Event}
   * message, its {@code KeyValue} and two {@code ByteString} wrappers (key, value), and the
   * history's share of the list that holds it.
   */
  public static final long EVENT = 160;

  /** A {@code prev_kv} on an event: a second {@code KeyValue} and its two wrappers, not its arrays. */
  public static final long PREV_KV = 120;

  /** One revision in the history or the version window: its record, list and map entry. */
  public static final long REVISION = 128;

  /** One object in a typed view beyond the object itself: its slot in the view's tree and its key. */
  public static final long VIEW_ENTRY = 48;

  /** One object's place in one index of a typed view: its posting and trie share. */
  public static final long POSTING = 64;

  private HeapCost() {}

  /** A {@code byte[]} of {@code length} bytes: header plus bytes, aligned to 8. */
  public static long array(int length) {
    return align(16L + length);
  }

  /** A value's stored array ({@link StoredValue}: the value, then 32 bytes of metadata). */
  public static long packed(int valueLength) {
    return array(valueLength + 4 * Long.BYTES);
  }

  /**
   * The nodes one revision copies in a tree of {@code entries} entries when it writes
   * {@code writes} keys: at most one leaf per write, and one path of inner nodes (writes close
   * together share it; an estimate, as the exact figure depends on where the keys fall).
   */
  public static long pathCopy(int entries, int writes) {
    if (writes == 0) {
      return 0;
    }
    int leaves = Math.max(1, entries / FANOUT);
    long leafCopies = Math.min(writes, leaves);
    int innerLevels = 0;
    for (long span = leaves; span > 1; span = (span + FANOUT - 1) / FANOUT) {
      innerLevels++;
    }
    return leafCopies * LEAF + innerLevels * INNER;
  }

  private static long align(long bytes) {
    return (bytes + 7) & ~7L;
  }
}
