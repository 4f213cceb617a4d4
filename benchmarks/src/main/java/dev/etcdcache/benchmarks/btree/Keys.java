package dev.etcdcache.benchmarks.btree;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * etcd-like benchmark keys of at most 24 bytes ({@code /registry/p/<ns>/<id>}), in random order,
 * plus fresh copies to look them up with, as requests arriving from the network would.
 */
final class Keys {

  private Keys() {}

  /** {@code n} distinct keys in random order. */
  static byte[][] distinct(int n, long seed) {
    Random rnd = new Random(seed);
    byte[][] keys = new byte[n][];
    for (int i = 0; i < n; i++) {
      keys[i] = key(rnd.nextInt(1000), i);
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      byte[] t = keys[i];
      keys[i] = keys[j];
      keys[j] = t;
    }
    return keys;
  }

  /** The key for namespace {@code ns} and object {@code id}: 23 bytes. */
  static byte[] key(int ns, int id) {
    return String.format("/registry/p/%03d/%08d", ns, id).getBytes(StandardCharsets.UTF_8);
  }

  /** Fresh copies of {@code count} randomly chosen keys. */
  static byte[][] probes(byte[][] keys, int count, long seed) {
    Random rnd = new Random(seed);
    byte[][] out = new byte[count][];
    for (int i = 0; i < count; i++) {
      out[i] = keys[rnd.nextInt(keys.length)].clone();
    }
    return out;
  }
}
