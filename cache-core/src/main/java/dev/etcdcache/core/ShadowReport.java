package dev.etcdcache.core;

import dev.etcdcache.core.verify.ShadowReads;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What shadow mode ({@link CachingClient#shadowReads}) has found since it was last started: reads
 * sampled, compared and skipped, and mismatches by operation and kind. An immutable snapshot.
 *
 * @param sampled reads sampled for comparison
 * @param compared sampled reads whose cache answer was computed and compared
 * @param skipped sampled reads not compared (the mirror did not reach or no longer held the revision)
 * @param mismatches mismatches keyed {@code "<GET|LIST>/<KVS|COUNT|MORE>"}, every key present
 * @param recent the latest mismatches, newest first: operation, kind, key, revision, short diff
 *     (etcd's first)
 */
public record ShadowReport(long sampled, long compared, long skipped, Map<String, Long> mismatches,
    List<String> recent) {

  /** Copies the collections. */
  public ShadowReport {
    mismatches = Map.copyOf(mismatches);
    recent = List.copyOf(recent);
  }

  /** Mismatches of every operation and kind. */
  public long totalMismatches() {
    return mismatches.values().stream().mapToLong(Long::longValue).sum();
  }

  static ShadowReport of(ShadowReads shadow) {
    Map<String, Long> byKind = new LinkedHashMap<>();
    for (ShadowReads.Operation op : ShadowReads.Operation.values()) {
      for (ShadowReads.Kind kind : ShadowReads.Kind.values()) {
        byKind.put(op + "/" + kind, shadow == null ? 0 : shadow.mismatches(op, kind));
      }
    }
    return shadow == null ? new ShadowReport(0, 0, 0, byKind, List.of())
        : new ShadowReport(shadow.sampled(), shadow.compared(), shadow.skipped(), byKind, shadow.recent());
  }
}
