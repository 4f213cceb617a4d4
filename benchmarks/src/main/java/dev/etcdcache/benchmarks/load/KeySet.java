package dev.etcdcache.benchmarks.load;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A data set under one root, shaped like Kubernetes objects: {@code count} keys of exactly
 * {@link #KEY_BYTES} bytes, {@code <root>ns00042/item-000…04217}, 100 to a namespace, each with a
 * {@link #VALUE_BYTES}-byte value that starts with its index. The first 10,000 keys share the
 * prefix {@code <root>ns000}, so a List of that prefix returns exactly 10,000 keys when the set
 * has at least that many.
 *
 * <p>Keys are formatted on demand; {@link #cached(int)} returns pre-built ones for measured loops.
 * Immutable and thread-safe.
 */
final class KeySet {

  static final int KEY_BYTES = 41;
  static final int VALUE_BYTES = 256;
  static final int PER_NAMESPACE = 100;

  private final String root;
  private final int count;
  private final int digits;
  private volatile ByteSequence[] built;

  KeySet(String root, int count) {
    this.root = root;
    this.count = count;
    this.digits = KEY_BYTES - root.length() - "ns00000/item-".length();
    if (digits < 7) {
      throw new IllegalArgumentException("root too long for " + KEY_BYTES + "-byte keys: " + root);
    }
  }

  String root() {
    return root;
  }

  int count() {
    return count;
  }

  int namespaces() {
    return (count + PER_NAMESPACE - 1) / PER_NAMESPACE;
  }

  ByteSequence rootBytes() {
    return ascii(root);
  }

  /** Key {@code index}, formatted now. */
  ByteSequence key(int index) {
    StringBuilder s = new StringBuilder(KEY_BYTES).append(root).append("ns");
    pad(s, index / PER_NAMESPACE, 5).append("/item-");
    pad(s, index, digits);
    return ascii(s.toString());
  }

  /** Key {@code index}, from a table built on first use (about 100 bytes per key). */
  ByteSequence cached(int index) {
    ByteSequence[] table = built;
    if (table == null) {
      synchronized (this) {
        if (built == null) {
          ByteSequence[] t = new ByteSequence[count];
          for (int i = 0; i < count; i++) {
            t[i] = key(i);
          }
          built = t;
        }
        table = built;
      }
    }
    return table[index];
  }

  /** The prefix of namespace {@code n}: 100 keys. */
  ByteSequence namespace(int n) {
    StringBuilder s = new StringBuilder(root).append("ns");
    return ascii(pad(s, n, 5).append('/').toString());
  }

  /** The prefix of the first 10,000 keys. */
  ByteSequence first10k() {
    return ascii(root + "ns000");
  }

  /** The value of key {@code index}: its index, then filler, {@link #VALUE_BYTES} in all. */
  ByteSequence value(int index) {
    byte[] value = new byte[VALUE_BYTES];
    Arrays.fill(value, (byte) 'v');
    byte[] head = ("{\"index\":" + index + ",\"spec\":\"").getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(head, 0, value, 0, head.length);
    value[VALUE_BYTES - 2] = '"';
    value[VALUE_BYTES - 1] = '}';
    return ByteSequence.from(value);
  }

  /** Raw bytes of all keys and values. */
  long rawBytes() {
    return (long) count * (KEY_BYTES + VALUE_BYTES);
  }

  private static StringBuilder pad(StringBuilder s, long n, int width) {
    String digits = Long.toString(n);
    for (int i = digits.length(); i < width; i++) {
      s.append('0');
    }
    return s.append(digits);
  }

  private static ByteSequence ascii(String s) {
    return ByteSequence.from(s, StandardCharsets.US_ASCII);
  }
}
