package dev.etcdcache.core.stats;

import dev.etcdcache.api.CacheStats;

/** A {@link StatsRecorder} that records nothing: a stateless singleton. */
enum DisabledStatsRecorder implements StatsRecorder {
  INSTANCE;

  @Override
  public void recordGet(GetKind kind) {}

  @Override
  public void recordServedFromMemory() {}

  @Override
  public void recordPassThrough(PassThroughReason reason) {}

  @Override
  public void recordRpc(Rpc rpc) {}

  @Override
  public void recordConsistentReadWait(long nanos) {}

  @Override
  public void recordWatch() {}

  @Override
  public void recordEventsApplied(int count) {}

  @Override
  public void recordReconnect() {}

  @Override
  public void recordRelist() {}

  @Override
  public void recordBootstrap(long nanos) {}

  @Override
  public void recordWatcherCatchUp() {}

  @Override
  public void recordWatcherCancellation() {}

  @Override
  public void recordListenerFailure() {}

  @Override
  public void recordAdapterDecodeFailure() {}

  @Override
  public CacheStats snapshot() {
    return CacheStats.empty();
  }
}
