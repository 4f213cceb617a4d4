package dev.etcdcache.demo;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The demo's key space: {@code count} keys shaped like Kubernetes objects,
 * {@code /registry/demo/ns00042/item-0000000004217} (41 bytes), 100 to a namespace, each with a
 * 256-byte value derived from its index, so a value read back can be checked against its key.
 *
 * <p>Keys and namespace prefixes are built once, up front, so that a measured request spends no
 * time formatting its key. Immutable and thread-safe.
 */
final class DemoKeys {

  static final String ROOT = "/registry/demo/";
  static final int KEY_BYTES = 41;
  static final int VALUE_BYTES = 256;
  static final int PER_NAMESPACE = 100;

  private final int count;
  private final ByteSequence[] keys;
  private final ByteSequence[] namespaces;

  DemoKeys(int count) {
    this.count = count;
    this.keys = new ByteSequence[count];
    for (int i = 0; i < count; i++) {
      keys[i] = bytes(String.format("%sns%05d/item-%013d", ROOT, i / PER_NAMESPACE, i));
    }
    this.namespaces = new ByteSequence[namespaces()];
    for (int n = 0; n < namespaces.length; n++) {
      namespaces[n] = bytes(String.format("%sns%05d/", ROOT, n));
    }
  }

  int count() {
    return count;
  }

  int namespaces() {
    return (count + PER_NAMESPACE - 1) / PER_NAMESPACE;
  }

  /** All demo keys, for the cache's mirrored prefix and the final clean-up. */
  ByteSequence root() {
    return bytes(ROOT);
  }

  /** Key {@code index}, 41 bytes. */
  ByteSequence key(int index) {
    return keys[index];
  }

  /** The prefix holding keys {@code 100 * namespace} to {@code 100 * namespace + 99}. */
  ByteSequence namespace(int namespace) {
    return namespaces[namespace];
  }

  /** The value of key {@code index}: 256 printable bytes that start with the index. */
  ByteSequence value(int index) {
    byte[] value = new byte[VALUE_BYTES];
    Arrays.fill(value, (byte) '.');
    byte[] head = String.format("{\"index\":%d,\"spec\":\"", index).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(head, 0, value, 0, head.length);
    long state = index * 0x9E3779B97F4A7C15L + 1;
    for (int i = head.length; i < VALUE_BYTES - 2; i++) {
      state ^= state << 13;
      state ^= state >>> 7;
      state ^= state << 17;
      value[i] = (byte) ('a' + Math.floorMod(state, 26));
    }
    value[VALUE_BYTES - 2] = '"';
    value[VALUE_BYTES - 1] = '}';
    return ByteSequence.from(value);
  }

  /** Raw key plus value bytes of the whole data set. */
  long rawBytes() {
    return (long) count * (KEY_BYTES + VALUE_BYTES);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.US_ASCII);
  }
}
