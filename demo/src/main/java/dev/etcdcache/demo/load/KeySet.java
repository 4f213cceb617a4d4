package dev.etcdcache.demo.load;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A data set under one root, shaped like Kubernetes objects: {@code count} keys of exactly
 * {@link #KEY_BYTES} bytes, {@code <root>ns00042/item-000…04217}, {@link #PER_NAMESPACE} to a
 * namespace, each with a {@link #VALUE_BYTES}-byte value derived from its index, so a value read
 * back can be checked against its key. The first 10,000 keys share the prefix {@code <root>ns000},
 * so a List of that prefix returns exactly 10,000 keys when the set has at least that many.
 *
 * <p>{@link #key(int)} formats a key when asked (loading a million keys keeps no table);
 * {@link #prebuiltKey(int)} and {@link #namespace(int)} come from tables, so that a measured
 * request spends no time formatting. Immutable and thread-safe.
 */
public final class KeySet {

  /** Bytes of every key. */
  public static final int KEY_BYTES = 41;
  /** Bytes of every value. */
  public static final int VALUE_BYTES = 256;
  /** Keys in one namespace, the unit of a prefix List. */
  public static final int PER_NAMESPACE = 100;

  private final String root;
  private final int count;
  private final int digits;
  private final ByteSequence[] namespaces;
  private volatile ByteSequence[] prebuilt;

  /**
   * A set of {@code count} keys under {@code root}.
   *
   * @param root the prefix of every key, e.g. {@code /registry/demo/}
   * @param count how many keys, 0 or more
   * @throws IllegalArgumentException if {@code root} leaves fewer than 7 digits for the item number
   *     in a {@link #KEY_BYTES}-byte key, or {@code count} is negative
   */
  public KeySet(String root, int count) {
    this.root = root;
    this.count = count;
    this.digits = KEY_BYTES - root.length() - "ns00000/item-".length();
    if (digits < 7) {
      throw new IllegalArgumentException("root too long for " + KEY_BYTES + "-byte keys: " + root);
    }
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative: " + count);
    }
    this.namespaces = new ByteSequence[namespaces()];
    for (int n = 0; n < namespaces.length; n++) {
      StringBuilder s = new StringBuilder(root).append("ns");
      namespaces[n] = ascii(pad(s, n, 5).append('/').toString());
    }
  }

  /** The prefix of every key, as text. */
  public String root() {
    return root;
  }

  /** The prefix of every key, for a cache's mirrored prefix or a List of the whole set. */
  public ByteSequence rootBytes() {
    return ascii(root);
  }

  /** How many keys. */
  public int count() {
    return count;
  }

  /** How many namespaces: {@code count / 100}, rounded up. */
  public int namespaces() {
    return (count + PER_NAMESPACE - 1) / PER_NAMESPACE;
  }

  /** Key {@code index}, formatted now. */
  public ByteSequence key(int index) {
    StringBuilder s = new StringBuilder(KEY_BYTES).append(root).append("ns");
    pad(s, index / PER_NAMESPACE, 5).append("/item-");
    pad(s, index, digits);
    return ascii(s.toString());
  }

  /** Key {@code index}, from a table built on first use (about 100 bytes per key). */
  public ByteSequence prebuiltKey(int index) {
    ByteSequence[] table = prebuilt;
    if (table == null) {
      synchronized (this) {
        if (prebuilt == null) {
          ByteSequence[] t = new ByteSequence[count];
          for (int i = 0; i < count; i++) {
            t[i] = key(i);
          }
          prebuilt = t;
        }
        table = prebuilt;
      }
    }
    return table[index];
  }

  /** The prefix holding keys {@code 100 * namespace} to {@code 100 * namespace + 99}. */
  public ByteSequence namespace(int namespace) {
    return namespaces[namespace];
  }

  /** The prefix of the first 10,000 keys. */
  public ByteSequence first10k() {
    return ascii(root + "ns000");
  }

  /**
   * The value of key {@code index}: {@link #VALUE_BYTES} printable bytes, a JSON object that starts
   * with the index and is filled with pseudo-random letters derived from it.
   */
  public ByteSequence value(int index) {
    byte[] value = new byte[VALUE_BYTES];
    Arrays.fill(value, (byte) '.');
    byte[] head = ("{\"index\":" + index + ",\"spec\":\"").getBytes(StandardCharsets.US_ASCII);
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

  /** Raw bytes of all keys and values. */
  public long rawBytes() {
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
