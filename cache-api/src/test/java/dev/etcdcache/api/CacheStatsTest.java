package dev.etcdcache.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class CacheStatsTest {

  @Test
  void empty_hasEveryComponentZero() {
    CacheStats empty = CacheStats.empty();
    assertThat(empty).isEqualTo(stats(0));
    assertThat(empty.gets()).isZero();
    assertThat(empty.etcdLoadReduction()).isZero();
    assertThat(empty.watchReductionRatio()).isZero();
    assertThat(empty.averageConsistentReadWaitNanos()).isZero();
  }

  @Test
  void constructor_negativeCounter_throws() {
    long[] v = new long[36];
    v[5] = -1;
    assertThatThrownBy(() -> stats(v)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
  }

  @Test
  void constructor_negativeGauge_throws() {
    long[] v = new long[36];
    v[35] = -7;
    assertThatThrownBy(() -> stats(v)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void minus_subtractsCountersAndKeepsLaterGauges() {
    CacheStats earlier = stats(3);
    CacheStats later = stats(10);
    CacheStats delta = later.minus(earlier);
    assertThat(delta.serializableGets()).isEqualTo(7);
    assertThat(delta.adapterDecodeFailures()).isEqualTo(7);
    assertThat(delta.watchers()).isEqualTo(10);
    assertThat(delta.lastBootstrapNanos()).isEqualTo(10);
  }

  @Test
  void minus_largerEarlier_floorsCountersAtZero() {
    CacheStats delta = stats(2).minus(stats(5));
    assertThat(delta.servedFromMemory()).isZero();
    assertThat(delta.entries()).isEqualTo(2);
  }

  @Test
  void plus_addsCountersAndAmounts_takesWorstLagAndOldestRevision() {
    long[] a = new long[36];
    Arrays.fill(a, 2);
    a[28] = 9;   // applyLagRevisions
    a[30] = 100; // historyOldestRevision
    long[] b = new long[36];
    Arrays.fill(b, 3);
    b[28] = 1;
    b[30] = 40;
    CacheStats sum = stats(a).plus(stats(b));
    assertThat(sum.serializableGets()).isEqualTo(5);
    assertThat(sum.watchers()).isEqualTo(5);
    assertThat(sum.entries()).isEqualTo(5);
    assertThat(sum.applyLagRevisions()).isEqualTo(9);
    assertThat(sum.stalenessNanos()).isEqualTo(3);
    assertThat(sum.historyOldestRevision()).isEqualTo(40);
    assertThat(sum.lastBootstrapNanos()).isEqualTo(3);
  }

  @Test
  void plus_oldestRevisionOfEmptyHistory_isIgnored() {
    long[] a = new long[36];
    a[30] = 17;
    assertThat(stats(a).plus(CacheStats.empty()).historyOldestRevision()).isEqualTo(17);
    assertThat(CacheStats.empty().plus(stats(a)).historyOldestRevision()).isEqualTo(17);
  }

  @Test
  void plus_overflowingCounter_saturates() {
    long[] a = new long[36];
    a[0] = Long.MAX_VALUE - 1;
    long[] b = new long[36];
    b[0] = 5;
    assertThat(stats(a).plus(stats(b)).serializableGets()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void plusThenMinus_givesBackCounters() {
    CacheStats a = stats(4);
    CacheStats b = stats(6);
    assertThat(a.plus(b).minus(b).probeRpcs()).isEqualTo(4);
  }

  @Test
  void etcdLoadReduction_isShareOfGetsThatSentNoRange() {
    long[] v = new long[36];
    v[0] = 90;  // serializable
    v[1] = 10;  // linearizable
    v[10] = 4;  // probe RPCs
    v[12] = 1;  // pass-through RPCs
    assertThat(stats(v).etcdLoadReduction()).isEqualTo(0.95);
  }

  @Test
  void etcdLoadReduction_moreRpcsThanGets_isZeroNotNegative() {
    long[] v = new long[36];
    v[1] = 1;
    v[10] = 3;
    assertThat(stats(v).etcdLoadReduction()).isZero();
  }

  @Test
  void watchReductionRatio_isWatchersPerUpstreamStream() {
    long[] v = new long[36];
    v[26] = 1000;
    v[27] = 4;
    assertThat(stats(v).watchReductionRatio()).isEqualTo(250.0);
  }

  @Test
  void passedThrough_sumsEveryReason() {
    long[] v = new long[36];
    v[6] = 1;
    v[7] = 2;
    v[8] = 3;
    v[9] = 4;
    assertThat(stats(v).passedThrough()).isEqualTo(10);
  }

  @Test
  void averageConsistentReadWait_isTotalOverCount() {
    long[] v = new long[36];
    v[23] = 3_000;
    v[24] = 4;
    assertThat(stats(v).averageConsistentReadWaitNanos()).isEqualTo(750.0);
  }

  private static CacheStats stats(long all) {
    long[] v = new long[36];
    Arrays.fill(v, all);
    return stats(v);
  }

  private static CacheStats stats(long[] v) {
    return new CacheStats(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12],
        v[13], v[14], v[15], v[16], v[17], v[18], v[19], v[20], v[21], v[22], v[23], v[24], v[25], v[26],
        v[27], v[28], v[29], v[30], v[31], v[32], v[33], v[34], v[35]);
  }
}
