package dev.etcdcache.api;

/**
 * What on-demand mirroring of prefixes did, counted since the cache was built; all zero for a
 * cache without on-demand prefixes ({@link #none()}). A snapshot, immutable.
 *
 * @param mirroredPrefixes prefixes mirrored now (reads of them are served from memory)
 * @param bootstrapping prefixes being listed now
 * @param bootstraps prefix bootstraps completed
 * @param failedBootstraps prefix bootstraps that failed (the next read of the prefix tries again)
 * @param drops prefixes dropped to stay within the memory limits (least recently read first)
 * @param hits reads of on-demand prefixes served from memory
 * @param passes reads of on-demand prefixes sent to etcd (not mirrored, or at a revision before it)
 */
public record CacheOnDemand(int mirroredPrefixes, int bootstrapping, long bootstraps, long failedBootstraps,
    long drops, long hits, long passes) {

  /** Validates the values. */
  public CacheOnDemand {
    if (mirroredPrefixes < 0 || bootstrapping < 0 || bootstraps < 0 || failedBootstraps < 0 || drops < 0
        || hits < 0 || passes < 0) {
      throw new IllegalArgumentException("negative value in on-demand status");
    }
  }

  /** No on-demand prefixes: every figure zero. */
  public static CacheOnDemand none() {
    return new CacheOnDemand(0, 0, 0, 0, 0, 0, 0);
  }

  /** The share of on-demand reads served from memory, 0 when there were none. */
  public double hitRate() {
    long reads = hits + passes;
    return reads == 0 ? 0 : (double) hits / reads;
  }
}
