package dev.etcdcache.core.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EventHistoryTest {

  private final AtomicLong now = new AtomicLong();

  @Test
  void since_insideHistory_returnsEntriesFromThatRevisionInOrder() {
    EventHistory h = new EventHistory(100, 1_000_000, now::get);
    h.reset(10);
    h.append(11, events(11, 2));
    h.append(13, events(13, 1));
    h.append(20, events(20, 3));
    assertThat(h.since(12)).extracting(EventHistory.Entry::revision).containsExactly(13L, 20L);
    assertThat(h.since(11)).extracting(EventHistory.Entry::revision).containsExactly(11L, 13L, 20L);
    assertThat(h.since(21)).isEmpty();
    assertThat(h.at(13).events()).hasSize(1);
    assertThat(h.at(12)).isNull();
    assertThat(h.covers(11)).isTrue();
    assertThat(h.covers(10)).isFalse();
    assertThat(h.eventCount()).isEqualTo(6);
  }

  @Test
  void append_pastEventBound_evictsOldestAndMovesOldestRevision() {
    EventHistory h = new EventHistory(3, 1_000_000, now::get);
    h.reset(0);
    for (long r = 1; r <= 40; r++) {
      h.append(r, events(r, 1));
    }
    assertThat(h.size()).isEqualTo(3);
    assertThat(h.fromExclusive()).isEqualTo(37);
    assertThat(h.oldestRevision()).isEqualTo(38);
    assertThat(h.covers(37)).isFalse();
    assertThatThrownBy(() -> h.since(37)).isInstanceOf(IllegalArgumentException.class);
    assertThat(h.since(38)).extracting(EventHistory.Entry::revision).containsExactly(38L, 39L, 40L);
  }

  @Test
  void append_oneRevisionLargerThanBound_isKeptAlone() {
    EventHistory h = new EventHistory(2, 1_000_000, now::get);
    h.reset(0);
    h.append(1, events(1, 1));
    h.append(2, events(2, 5));
    assertThat(h.size()).isEqualTo(1);
    assertThat(h.oldestRevision()).isEqualTo(2);
  }

  @Test
  void expire_pastAgeBound_evictsOldEntriesOnFakeClock() {
    EventHistory h = new EventHistory(100, 1_000, now::get);
    h.reset(0);
    h.append(1, events(1, 1));
    now.set(600);
    h.append(2, events(2, 1));
    now.set(1_500);
    h.expire();
    assertThat(h.since(2)).extracting(EventHistory.Entry::revision).containsExactly(2L);
    assertThat(h.covers(1)).isFalse();
    now.set(3_000);
    h.advance(5);
    assertThat(h.size()).isZero();
    assertThat(h.covers(3)).isTrue();
    assertThat(h.lastRevision()).isEqualTo(5);
  }

  @Test
  void append_outOfOrderOrBeforeReset_isRefused() {
    EventHistory h = new EventHistory(10, 1_000, now::get);
    assertThatThrownBy(() -> h.append(1, events(1, 1))).isInstanceOf(IllegalStateException.class);
    h.reset(5);
    assertThatThrownBy(() -> h.append(5, events(5, 1))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void append_manyRevisions_ringGrowsAndStaysSearchable() {
    EventHistory h = new EventHistory(10_000, 1_000_000, now::get);
    h.reset(0);
    for (long r = 1; r <= 5_000; r += 2) {
      h.append(r, events(r, 1));
    }
    assertThat(h.since(4_000)).first().extracting(EventHistory.Entry::revision).isEqualTo(4_001L);
    assertThat(h.at(2_501)).isNotNull();
  }

  @Test
  void append_pastByteBound_evictsOldestButKeepsNewestWhateverItCosts() {
    EventHistory h = new EventHistory(10_000, 1_000_000, 3_000_000, now::get);
    h.reset(0);
    for (long r = 1; r <= 10; r++) {
      h.append(r, List.of(update(r, 1_000_000)));
    }
    // Each update pins its 1 MB previous value: only the newest two fit under 3 MB.
    assertThat(h.bytes()).isBetween(2_000_000L, 3_000_000L);
    assertThat(h.oldestRevision()).isEqualTo(9);
    h.append(11, List.of(update(11, 5_000_000)));
    assertThat(h.size()).isEqualTo(1);
    assertThat(h.bytes()).isGreaterThan(5_000_000L);
  }

  @Test
  void previousBytesAfter_countsOnlyLaterRevisionsPreviousValues() {
    EventHistory h = new EventHistory(10_000, 1_000_000, now::get);
    h.reset(0);
    h.append(1, events(1, 1)); // a create: no previous value
    h.append(2, List.of(update(2, 1_000)));
    h.append(3, List.of(update(3, 2_000)));
    long both = h.previousBytesAfter(1);
    long last = h.previousBytesAfter(2);
    assertThat(both - last).isBetween(1_000L + 32, 1_000L + 32 + 24);
    assertThat(last).isBetween(2_000L + 32, 2_000L + 32 + 24);
    assertThat(h.previousBytesAfter(3)).isZero();
    assertThat(h.bytes()).isGreaterThan(both);
    h.trimToNewest();
    assertThat(h.size()).isEqualTo(1);
    assertThat(h.previousBytesAfter(0)).isEqualTo(last);
  }

  /** An update of key k at {@code revision} whose previous value had {@code previousBytes} bytes. */
  private static Event update(long revision, int previousBytes) {
    KeyValue kv = KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("k")).setModRevision(revision).build();
    KeyValue prev = KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("k"))
        .setValue(ByteString.copyFrom(new byte[previousBytes])).build();
    return Event.newBuilder().setType(Event.EventType.PUT).setKv(kv).setPrevKv(prev).build();
  }

  static List<Event> events(long revision, int n) {
    Event[] out = new Event[n];
    for (int i = 0; i < n; i++) {
      out[i] = Event.newBuilder().setType(Event.EventType.PUT).setKv(KeyValue.newBuilder()
          .setKey(ByteString.copyFromUtf8("k" + i)).setModRevision(revision).build()).build();
    }
    return List.of(out);
  }
}
