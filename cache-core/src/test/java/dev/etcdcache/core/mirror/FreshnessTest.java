package dev.etcdcache.core.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.api.ResponseHeader;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What confirms the mirror current (a linearizable answer, once the mirror has reached its
 * revision) and when the mirror is asked to probe (a bounded-staleness read wanted freshness). Pure:
 * a hand-driven ticker, no etcd (the partition behaviour itself is proven against real etcd by
 * {@code PartitionedMemberFreshnessTest}).
 */
class FreshnessTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final Freshness freshness = new Freshness(now::get);

  @Test
  void probeAnswer_aheadOfTheMirror_confirmsOnlyOnceTheMirrorReachesItsRevision_asOfItsSendTime() {
    freshness.onPublished(10);
    long sent = now.get();
    now.addAndGet(Duration.ofMillis(50).toNanos());
    freshness.observeProbe(ResponseHeader.newBuilder().setRevision(12).build(), sent);
    assertThat(freshness.isFresh(Duration.ofSeconds(10))).as("mirror at 10, etcd was at 12").isFalse();

    freshness.onPublished(12);

    assertThat(freshness.lastSyncNanos()).isEqualTo(sent);
    assertThat(freshness.isFresh(Duration.ofMillis(50))).isTrue();
    assertThat(freshness.isFresh(Duration.ofMillis(49))).isFalse();
  }

  @Test
  void upstreamAnswers_neverConfirm_evenAtTheAppliedRevision() {
    freshness.onPublished(10);
    // A watch response or a list (the member's own view) moves etcd's known revision only.
    freshness.observeUpstream(ResponseHeader.newBuilder().setRevision(10).build());

    assertThat(freshness.etcdRevision()).isEqualTo(10);
    assertThat(freshness.lastSyncNanos()).isZero();
    assertThat(freshness.isFresh(Duration.ofDays(1))).isFalse();
  }

  @Test
  void takeWanted_trueOnlyAfterABoundedStalenessReadAsked_thenCleared() {
    assertThat(freshness.takeWanted()).isFalse();

    freshness.isFresh(Duration.ofSeconds(1));

    assertThat(freshness.takeWanted()).isTrue();
    assertThat(freshness.takeWanted()).isFalse();
  }
}
