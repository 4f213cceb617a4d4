package dev.etcdcache.core.store;

import io.etcd.jetcd.api.KeyValue;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * etcd's {@code KeyValue} messages already built for recently read entries, handed out again for
 * as long as the entry is unchanged.
 *
 * <p>Why: a caller reading jetcd's answer pays for every {@code getKey()} and {@code getValue()}
 * a new {@code ByteSequence}, whose constructor hashes the whole {@code ByteString}. A
 * {@code ByteString} memoizes its hash, so an answer made of the same message objects as the last
 * read of those entries is hashed once per write instead of once per read (for a 100-key List of
 * 41 + 256 byte entries, about two thirds of what a caller paid per read), and is not built again.
 * Keeping the message in the store itself would cost about 48 bytes per entry for every entry; this
 * keeps a fixed number of recently read ones.
 *
 * <p>Two-way set associative: an entry may sit in either slot of the pair chosen by the
 * {@link System#identityHashCode} of its stored array, which is a new array for every write, so a
 * slot answers only for the exact stored entry it was built from and a changed entry can never be
 * answered from an old form. (Direct mapped, about a quarter of 20,000 entries read in turn shared
 * a slot with another and missed on most reads; with pairs, about one in twenty does.) Slots are
 * written without locks: a form is immutable, so a reader sees a whole one or none; two readers
 * racing for a slot only cost a rebuild.
 *
 * <p>Memory: a fixed table of {@link #SLOTS} references (256 KB) and at most one form per slot
 * ({@link #FORM_BYTES} each beyond the stored arrays, about 9.4 MB when every slot is taken), only
 * for values up to {@link #MAX_VALUE_BYTES}. This bounded overhead is outside the cache's memory
 * budget (which covers what grows with the keyspace: store, versions, history, views) and not
 * counted (a count would cost every miss a shared write; the bound is fixed). The mirror forgets the form of every entry a write replaces or
 * a dropped prefix held, and clears all of them on a re-list or a degrade, so forms do not keep
 * replaced values alive; only reads of a version racing that write can put one back, which costs
 * at most one slot per such read until the slot changes hands.
 *
 * <p>Thread-safe. Internal, no compatibility promise.
 */
public final class EntryForms {

  /** How many forms are kept at most. */
  static final int SLOTS = 1 << 16;
  /** Larger values are built per read: holding one would pin its array past its replacement. */
  static final int MAX_VALUE_BYTES = 16 * 1024;
  /**
   * A taken slot goes to a new entry on one miss in this many: entries that collide then take turns
   * slowly instead of evicting each other on every read (each eviction also costs the collector a
   * new reference from the old table), and a form nobody reads any more still gives way in time.
   */
  static final int REPLACE_ONE_IN = 8;
  /** The heap a kept form costs beyond the stored arrays: record, message, two ByteStrings. */
  static final long FORM_BYTES = 24 + 64 + 24 + 32;

  private final Form[] slots = new Form[SLOTS];

  /**
   * One kept message and the entry it was built from. A class, not a record: JOL (which the memory
   * estimate is checked against) cannot read a record's field offsets.
   */
  private static final class Form {
    final byte[] key;
    final byte[] stored;
    final KeyValue message;

    Form(byte[] key, byte[] stored, KeyValue message) {
      this.key = key;
      this.stored = stored;
      this.message = message;
    }
  }

  /** etcd's {@code KeyValue} for {@code key} holding {@code stored}, the same object while it is kept. */
  public KeyValue keyValue(byte[] key, byte[] stored) {
    if (StoredValue.valueLength(stored) > MAX_VALUE_BYTES) {
      return StoredValue.toKeyValue(key, stored);
    }
    int first = pairOf(stored);
    Form a = slots[first];
    if (a != null && a.stored == stored && a.key == key) {
      return a.message;
    }
    Form b = slots[first + 1];
    if (b != null && b.stored == stored && b.key == key) {
      return b.message;
    }
    KeyValue message = StoredValue.toKeyValue(key, stored);
    if (a == null || b == null) {
      slots[a == null ? first : first + 1] = new Form(key, stored, message);
    } else {
      int draw = ThreadLocalRandom.current().nextInt(REPLACE_ONE_IN * 2);
      if (draw < 2) {
        slots[first + draw] = new Form(key, stored, message);
      }
    }
    return message;
  }

  /** Drops the form of {@code stored}, an entry a write just replaced or deleted. */
  public void forget(byte[] stored) {
    int first = pairOf(stored);
    for (int slot = first; slot <= first + 1; slot++) {
      Form form = slots[slot];
      if (form != null && form.stored == stored) {
        slots[slot] = null;
      }
    }
  }

  /** Drops every form (the store was replaced or released). */
  public void clear() {
    Arrays.fill(slots, null);
  }

  /** The first slot of the pair {@code stored} may sit in (the other is the next one). */
  private static int pairOf(byte[] stored) {
    int h = System.identityHashCode(stored);
    return (h ^ (h >>> 15)) & (SLOTS - 2);
  }
}
