package dev.etcdcache.core.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RepeatedLogTest {

  private final AtomicLong now = new AtomicLong(1_000);
  private final RepeatedLog log = new RepeatedLog(now::get, 100);

  @Test
  void repeatsWithinTheInterval_heldBackThenCountedOnTheNextWarning() {
    assertThat(log.admit()).isZero();
    now.addAndGet(10);
    assertThat(log.admit()).isEqualTo(-1);
    now.addAndGet(10);
    assertThat(log.admit()).isEqualTo(-1);
    now.addAndGet(100);
    assertThat(log.admit()).isEqualTo(2);
    assertThat(RepeatedLog.heldBackSuffix(2)).isEqualTo(" (2 more since the last warning)");
    assertThat(RepeatedLog.heldBackSuffix(0)).isEmpty();
  }

  @Test
  void reset_nextOccurrenceLoggedAtOnce() {
    assertThat(log.admit()).isZero();
    now.addAndGet(10);
    assertThat(log.admit()).isEqualTo(-1);
    log.reset();
    now.addAndGet(1);
    assertThat(log.admit()).isZero();
  }
}
