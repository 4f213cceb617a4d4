package dev.etcdcache.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.api.CacheStats;
import dev.etcdcache.core.stats.StatsRecorder;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MicrometerStatsRecorderTest {

  @Test
  void consistentReadWait_recordedInTimerAndInCounters() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MicrometerStatsRecorder recorder = MicrometerStatsRecorder.create(registry, "t", "app", "x");
    recorder.recordConsistentReadWait(2_000_000);
    recorder.recordConsistentReadWait(4_000_000);
    Timer timer = registry.get("etcd.cache.consistent.read.duration").tag("cache", "t").tag("app", "x").timer();
    assertThat(timer.count()).isEqualTo(2);
    assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(6.0);
    CacheStats stats = recorder.snapshot();
    assertThat(stats.consistentReadWaits()).isEqualTo(2);
    assertThat(stats.consistentReadWaitNanos()).isEqualTo(6_000_000);
  }

  @Test
  void bootstrap_recordedInTimerAndAsLastDuration() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MicrometerStatsRecorder recorder = MicrometerStatsRecorder.create(registry, "t");
    recorder.recordBootstrap(5_000);
    recorder.recordBootstrap(7_000);
    assertThat(registry.get("etcd.cache.bootstrap").timer().count()).isEqualTo(2);
    assertThat(recorder.snapshot().lastBootstrapNanos()).isEqualTo(7_000);
  }

  @Test
  void counters_delegatedToConcurrentRecorder() {
    MicrometerStatsRecorder recorder = MicrometerStatsRecorder.create(new SimpleMeterRegistry(), "t");
    recorder.recordGet(StatsRecorder.GetKind.SERIALIZABLE);
    recorder.recordServedFromMemory();
    recorder.recordPassThrough(StatsRecorder.PassThroughReason.TIMEOUT);
    recorder.recordRpc(StatsRecorder.Rpc.PROBE);
    recorder.recordEventsApplied(3);
    recorder.recordReconnect();
    CacheStats stats = recorder.snapshot();
    assertThat(stats.serializableGets()).isEqualTo(1);
    assertThat(stats.servedFromMemory()).isEqualTo(1);
    assertThat(stats.passedThroughTimeout()).isEqualTo(1);
    assertThat(stats.probeRpcs()).isEqualTo(1);
    assertThat(stats.eventsApplied()).isEqualTo(3);
    assertThat(stats.reconnects()).isEqualTo(1);
  }
}
