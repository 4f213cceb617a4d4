package dev.etcdcache.benchmarks.btree;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

/**
 * A batch of distinct-key edits for the write benchmarks, one third each updates of present
 * keys, inserts of new keys and removes of present keys, and the edits that undo it.
 *
 * <p>{@code RANDOM} edits keys spread over the whole key space (events of unrelated objects);
 * {@code CLUSTERED} edits keys adjacent in key order (a rollout touching one namespace). A
 * {@code null} value means remove.
 */
final class EditSet {

  final byte[][] keys;
  final Object[] values;
  final Object[] undoValues;

  private EditSet(byte[][] keys, Object[] values, Object[] undoValues) {
    this.keys = keys;
    this.values = values;
    this.undoValues = undoValues;
  }

  /** {@code count} edits against {@code sorted}, the present keys in key order. */
  static EditSet create(byte[][] sorted, int count, boolean clustered, Random rnd) {
    byte[][] keys = new byte[count][];
    Object[] values = new Object[count];
    Object[] undo = new Object[count];
    int start = clustered ? rnd.nextInt(sorted.length - count) : 0;
    Set<Integer> used = new HashSet<>();
    for (int i = 0; i < count; i++) {
      int rank;
      if (clustered) {
        rank = start + i;
      } else {
        do {
          rank = rnd.nextInt(sorted.length);
        } while (!used.add(rank));
      }
      byte[] present = sorted[rank];
      switch (i % 3) {
        case 0 -> {
          keys[i] = present.clone();
          values[i] = Integer.valueOf(i + 1000);
          undo[i] = Boolean.TRUE;
        }
        case 1 -> {
          // One byte appended: a new key sorting right after a present one.
          keys[i] = Arrays.copyOf(present, present.length + 1);
          values[i] = Boolean.TRUE;
          undo[i] = null;
        }
        default -> {
          keys[i] = present.clone();
          values[i] = null;
          undo[i] = Boolean.TRUE;
        }
      }
    }
    return new EditSet(keys, values, undo);
  }
}
