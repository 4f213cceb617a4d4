package dev.etcdcache.core.mirror;

/**
 * One key's change at a revision, as the mirror stored it: the key, its new stored form (value and
 * metadata packed as {@link dev.etcdcache.core.store.StoredValue}; {@code null} when deleted), and
 * the stored form it replaced ({@code null} when it was created). No bytes are copied to make one.
 *
 * @param key the key
 * @param stored the new stored form, or {@code null} for a delete
 * @param previous the replaced stored form, or {@code null} if the key did not exist
 */
public record KeyWrite(byte[] key, byte[] stored, byte[] previous) {

  /** Whether this write deleted the key. */
  public boolean isDelete() {
    return stored == null;
  }
}
