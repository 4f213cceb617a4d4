package dev.etcdcache.core.mirror;

import dev.etcdcache.core.stats.StatsRecorder;
import dev.etcdcache.core.store.KeyRange;
import dev.etcdcache.core.store.StoreVersion;
import dev.etcdcache.core.wire.WireForm;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.options.GetOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Proves, with etcd as the judge, that a store version is still exact at a later revision P that a
 * progress notification claims, before the mirror moves to P.
 *
 * <p>Why: etcd 3.4.23 sends progress notifications to watchers that have not yet received every
 * event (a new watcher catching up, or one etcd moved aside as slow; etcd #15220, #17507), so a
 * notification alone can claim a revision whose events are still on their way. A notification is
 * therefore checked with one Range per mirrored range at P, keys only, limit 1, with
 * {@code min_mod_revision = applied + 1}: etcd answers with the total count at P (filters never
 * change {@code count}) and with any key modified after the applied revision. If no key was modified
 * and every count equals the version's, nothing in the ranges changed between the applied revision
 * and P: a put or a re-creation would carry a newer mod revision, and a plain delete would lower the
 * count.
 *
 * <p>Every Range here is linearizable (etcd's ReadIndex through the leader), so its header revision
 * H is etcd's revision no earlier than when it was sent: that, and not the notification, is what
 * may confirm the mirror current ({@link Freshness#observeProbe}), and only once the mirror is at H.
 * A member cut off from its peers cannot answer them.
 */
final class ProgressCheck {

  private final KV kv;
  private final List<KeyRange> ranges;
  private final StatsRecorder stats;

  ProgressCheck(KV kv, List<KeyRange> ranges, StatsRecorder stats) {
    this.kv = kv;
    this.stats = stats;
    this.ranges = ranges;
  }

  /**
   * etcd's revision, learned linearizably after this call: a count-only Range on {@code probeKey}
   * (inside the mirrored ranges, so credentials that may read just those ranges may send it).
   */
  CompletableFuture<ResponseHeader> currentRevision(ByteSequence probeKey) {
    stats.recordRpc(StatsRecorder.Rpc.PROGRESS_CHECK);
    return kv.get(probeKey, GetOption.builder().withCountOnly(true).build())
        .thenApply(r -> WireForm.header(r.getHeader()));
  }

  /**
   * Completes with the header of etcd's answer (the one with the lowest revision) when
   * {@code version} is exact at {@code revision}, empty when something in the ranges changed.
   */
  CompletableFuture<Optional<ResponseHeader>> unchangedUntil(StoreVersion version, long revision) {
    CompletableFuture<Optional<ResponseHeader>> all = null;
    for (KeyRange range : ranges) {
      GetOption option = GetOption.builder()
          .withRange(ByteSequence.from(range.rangeEnd()))
          .withRevision(revision)
          .withMinModRevision(version.revision() + 1)
          .withKeysOnly(true)
          .withLimit(1)
          .build();
      int expectedCount = version.tree().count(range.fromInclusive(), range.toExclusive());
      stats.recordRpc(StatsRecorder.Rpc.PROGRESS_CHECK);
      CompletableFuture<Optional<ResponseHeader>> one = kv.get(ByteSequence.from(range.key()), option)
          .thenApply(r -> r.getKvs().isEmpty() && r.getCount() == expectedCount
              ? Optional.of(WireForm.header(r.getHeader())) : Optional.empty());
      all = all == null ? one : all.thenCombine(one, ProgressCheck::lower);
    }
    return all;
  }

  /** Both unchanged: the header with the lower revision (each proves etcd was at least there). */
  private static Optional<ResponseHeader> lower(Optional<ResponseHeader> a, Optional<ResponseHeader> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return Optional.empty();
    }
    return a.get().getRevision() <= b.get().getRevision() ? a : b;
  }
}
