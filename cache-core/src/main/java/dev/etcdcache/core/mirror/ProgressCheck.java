package dev.etcdcache.core.mirror;

import dev.etcdcache.core.stats.StatsRecorder;
import dev.etcdcache.core.store.KeyRange;
import dev.etcdcache.core.store.StoreVersion;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.GetOption;
import java.util.List;
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

  /** Completes with true when {@code version} is exact at {@code revision}. */
  CompletableFuture<Boolean> unchangedUntil(StoreVersion version, long revision) {
    CompletableFuture<Boolean> all = CompletableFuture.completedFuture(true);
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
      CompletableFuture<Boolean> one = kv.get(ByteSequence.from(range.key()), option)
          .thenApply(r -> r.getKvs().isEmpty() && r.getCount() == expectedCount);
      all = all.thenCombine(one, Boolean::logicalAnd);
    }
    return all;
  }
}
