package dev.etcdcache.server;

import io.etcd.jetcd.api.WatchResponse;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Encodes a revision's watch response once for every stream that sends it. The cache hands all
 * watches of one shape (same range group, prev_kv and filters) the same response object for a
 * revision, and in a fan-out most client watches also have the same watch_id (etcd numbers each
 * stream's watches from 0), so {@code (response object, watch_id)} identifies bytes many streams
 * send: the first stream builds the response with its watch_id and serializes it; the others find
 * the bytes here. Without this a write fanned out to 1,000 streams was built and encoded 1,000
 * times, and the server's CPU, not etcd's, bounded watch fan-out.
 *
 * <p>Exactness: an entry matches only the same response object (identity, and the entry holds it,
 * so the identity cannot be reused) and the same watch_id, and its bytes are that object with that
 * watch_id serialized; so a stream gets exactly the bytes it would have encoded itself, whatever
 * else is cached. A miss or a lost race only costs one more encoding.
 *
 * <p>Bounded: {@value #SLOTS} entries (a slot is overwritten by the next key hashing to it) of at
 * most {@value #MAX_SHARED_BYTES} bytes each; larger responses are encoded per stream.
 *
 * <p>Thread-safe, lock-free.
 */
final class SharedEncodings {

  /**
   * Slots: enough that the revisions in flight at once (streams a drain batch of revisions apart
   * when the server is behind, times the shapes of watch) rarely evict each other: with 256, a
   * fan-out that fell behind re-encoded a revision for most streams.
   */
  static final int SLOTS = 1024;
  private static final int SLOT_SHIFT = Integer.SIZE - Integer.numberOfTrailingZeros(SLOTS);
  static final int MAX_SHARED_BYTES = 16 * 1024;

  private final AtomicReferenceArray<Entry> slots = new AtomicReferenceArray<>(SLOTS);
  private final LongAdder reused = new LongAdder();

  /** {@code source} with {@code watchId} set, serialized; shared with other streams sending the same. */
  EncodedWatchResponse withWatchId(WatchResponse source, long watchId) {
    if (source.getSerializedSize() > MAX_SHARED_BYTES) {
      return EncodedWatchResponse.of(source.toBuilder().setWatchId(watchId).build());
    }
    int slot = ((System.identityHashCode(source) * 31 + Long.hashCode(watchId)) * 0x9E3779B9) >>> SLOT_SHIFT;
    Entry e = slots.get(slot);
    if (e != null && e.source == source && e.watchId == watchId) {
      reused.increment();
      return e.encoded;
    }
    EncodedWatchResponse encoded = EncodedWatchResponse.of(source.toBuilder().setWatchId(watchId).build());
    slots.set(slot, new Entry(source, watchId, encoded));
    return encoded;
  }

  /** How many times an encoding was reused instead of made again (tests, status). */
  long reused() {
    return reused.sum();
  }

  private record Entry(WatchResponse source, long watchId, EncodedWatchResponse encoded) { }
}
