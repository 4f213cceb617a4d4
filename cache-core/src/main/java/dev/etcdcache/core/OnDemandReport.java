package dev.etcdcache.core;

/**
 * What on-demand mirroring did (see {@link CachingClient.Builder#onDemand}), counted since the
 * client was built; all zero without on-demand prefixes. A snapshot, immutable.
 *
 * @param mirroredPrefixes prefixes mirrored now (reads of them are served from memory)
 * @param bootstrapping prefixes being listed now
 * @param bootstraps prefix bootstraps completed
 * @param failedBootstraps prefix bootstraps that failed (the next read of the prefix tries again)
 * @param drops prefixes dropped to stay within the memory budget (least recently read first)
 * @param hits reads of on-demand prefixes served from memory
 * @param passes reads of on-demand prefixes sent to etcd (not mirrored, or at a revision before it)
 */
public record OnDemandReport(int mirroredPrefixes, int bootstrapping, long bootstraps, long failedBootstraps,
    long drops, long hits, long passes) {

  /** The share of on-demand reads served from memory, 0 when there were none. */
  public double hitRate() {
    long reads = hits + passes;
    return reads == 0 ? 0 : (double) hits / reads;
  }
}
