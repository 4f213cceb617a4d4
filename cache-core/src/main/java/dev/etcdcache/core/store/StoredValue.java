package dev.etcdcache.core.store;

import com.google.protobuf.UnsafeByteOperations;
import io.etcd.jetcd.api.KeyValue;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * How the store keeps one key's value and metadata: a single {@code byte[]} holding the value
 * followed by its create revision, mod revision, version and lease (8 bytes each).
 *
 * <p>Why one array: the B+tree already holds the key's own array, so a key costs the two arrays and
 * its tree slot, about 74 bytes beyond the key and value bytes; keeping etcd's protobuf
 * {@code KeyValue} per key cost about 168 (the message object and two {@code ByteString} wrappers).
 * The protobuf is built only for what a read returns or an event carries, sharing the arrays
 * without copying.
 *
 * <p>Stored arrays are never modified after {@link #pack}. Stateless; internal, no compatibility promise.
 */
public final class StoredValue {

  private static final int TRAILER = 4 * Long.BYTES;
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private StoredValue() {}

  /** The stored form of a value and its metadata. */
  public static byte[] pack(byte[] value, long createRevision, long modRevision, long version, long lease) {
    byte[] packed = new byte[value.length + TRAILER];
    System.arraycopy(value, 0, packed, 0, value.length);
    int at = value.length;
    LONGS.set(packed, at, createRevision);
    LONGS.set(packed, at + 8, modRevision);
    LONGS.set(packed, at + 16, version);
    LONGS.set(packed, at + 24, lease);
    return packed;
  }

  /** The stored form of an etcd {@code KeyValue}'s value and metadata. */
  public static byte[] pack(KeyValue kv) {
    return pack(kv.getValue().toByteArray(), kv.getCreateRevision(), kv.getModRevision(), kv.getVersion(),
        kv.getLease());
  }

  /** The stored form of a jetcd {@code KeyValue}'s value and metadata (the value's bytes are shared). */
  public static byte[] pack(io.etcd.jetcd.KeyValue kv) {
    return pack(kv.getValue().getBytes(), kv.getCreateRevision(), kv.getModRevision(), kv.getVersion(),
        kv.getLease());
  }

  /** A copy of the value's bytes. */
  public static byte[] value(byte[] packed) {
    return java.util.Arrays.copyOf(packed, valueLength(packed));
  }

  /** How many bytes the value takes. */
  public static int valueLength(byte[] packed) {
    return packed.length - TRAILER;
  }

  /**
   * The bytes etcd holds for the entry {@code key} = {@code packed}: key plus value, what the
   * mirror's byte counts and memory budget are made of (the trailer and the JVM's overheads are
   * estimated separately).
   */
  public static long entryBytes(byte[] key, byte[] packed) {
    return (long) key.length + valueLength(packed);
  }

  /** The key's create revision. */
  public static long createRevision(byte[] packed) {
    return (long) LONGS.get(packed, packed.length - TRAILER);
  }

  /** The key's mod revision. */
  public static long modRevision(byte[] packed) {
    return (long) LONGS.get(packed, packed.length - TRAILER + 8);
  }

  /** The key's version. */
  public static long version(byte[] packed) {
    return (long) LONGS.get(packed, packed.length - TRAILER + 16);
  }

  /** The key's lease. */
  public static long lease(byte[] packed) {
    return (long) LONGS.get(packed, packed.length - TRAILER + 24);
  }

  /** etcd's {@code KeyValue} for {@code key}, sharing both arrays. */
  public static KeyValue toKeyValue(byte[] key, byte[] packed) {
    return metadata(key, packed)
        .setValue(UnsafeByteOperations.unsafeWrap(packed, 0, valueLength(packed)))
        .build();
  }

  /** etcd's {@code KeyValue} for {@code key} without its value, as {@code keys_only} returns it. */
  public static KeyValue toKeyOnly(byte[] key, byte[] packed) {
    return metadata(key, packed).build();
  }

  private static KeyValue.Builder metadata(byte[] key, byte[] packed) {
    return KeyValue.newBuilder()
        .setKey(UnsafeByteOperations.unsafeWrap(key))
        .setCreateRevision(createRevision(packed))
        .setModRevision(modRevision(packed))
        .setVersion(version(packed))
        .setLease(lease(packed));
  }
}
