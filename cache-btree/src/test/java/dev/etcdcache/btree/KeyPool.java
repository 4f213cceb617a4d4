package dev.etcdcache.btree;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/**
 * Keys for random tests: etcd's edge cases (empty key, 0x00 and 0xFF runs, keys that are prefixes
 * of each other) plus random keys, many sharing prefixes the way etcd keys do.
 */
final class KeyPool {

  private static final byte[] ALPHABET = {0x00, 0x01, 0x7F, (byte) 0x80, (byte) 0xFE, (byte) 0xFF, 'a', 'b'};

  private static final String[] PREFIXES = {
    "/registry/pods/default/", "/registry/pods/kube-system/", "/cilium/state/identities/v1/", "a"
  };

  private final byte[][] keys;

  KeyPool(Random rnd, int size) {
    TreeSet<byte[]> set = new TreeSet<>(Arrays::compareUnsigned);
    set.addAll(edgeKeys());
    while (set.size() < size) {
      set.add(randomKey(rnd));
    }
    List<byte[]> list = new ArrayList<>(set);
    java.util.Collections.shuffle(list, rnd);
    keys = list.toArray(new byte[0][]);
  }

  /** A pool key, as a fresh array half the time so that lookups go by content, not identity. */
  byte[] pick(Random rnd) {
    byte[] k = keys[rnd.nextInt(keys.length)];
    return rnd.nextBoolean() ? k.clone() : k;
  }

  /** A pool key, or now and then a random key that is probably absent, or null (open bound). */
  byte[] bound(Random rnd) {
    int r = rnd.nextInt(10);
    if (r == 0) {
      return null;
    }
    if (r == 1) {
      return randomKey(rnd);
    }
    return pick(rnd);
  }

  int size() {
    return keys.length;
  }

  static List<byte[]> edgeKeys() {
    List<byte[]> edge = new ArrayList<>();
    edge.add(new byte[0]);
    edge.add(new byte[] {0});
    edge.add(new byte[] {0, 0});
    edge.add(new byte[] {0, 0, 0});
    edge.add(new byte[] {1});
    edge.add(new byte[] {0x7F});
    edge.add(new byte[] {(byte) 0x80});
    edge.add(new byte[] {(byte) 0xFE});
    edge.add(new byte[] {(byte) 0xFF});
    edge.add(new byte[] {(byte) 0xFF, 0});
    edge.add(new byte[] {(byte) 0xFF, (byte) 0xFF});
    edge.add(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
    for (String s : new String[] {"a", "ab", "abc", "abd", "b", "/registry/", "/registry/pods"}) {
      edge.add(s.getBytes(StandardCharsets.UTF_8));
    }
    return edge;
  }

  static byte[] randomKey(Random rnd) {
    if (rnd.nextBoolean()) {
      byte[] k = new byte[rnd.nextInt(6)];
      for (int i = 0; i < k.length; i++) {
        k[i] = ALPHABET[rnd.nextInt(ALPHABET.length)];
      }
      return k;
    }
    byte[] prefix = PREFIXES[rnd.nextInt(PREFIXES.length)].getBytes(StandardCharsets.UTF_8);
    int tail = rnd.nextInt(9);
    byte[] k = Arrays.copyOf(prefix, prefix.length + tail);
    for (int i = prefix.length; i < k.length; i++) {
      k[i] = rnd.nextInt(4) == 0 ? ALPHABET[rnd.nextInt(ALPHABET.length)] : (byte) ('a' + rnd.nextInt(26));
    }
    return k;
  }
}
