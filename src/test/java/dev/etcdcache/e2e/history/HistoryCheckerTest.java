package dev.etcdcache.e2e.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.e2e.history.Anomaly.Kind;
import dev.etcdcache.e2e.history.ReadOp.Consistency;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The checker on hand-made histories, no etcd: a clean history passes, and each kind of anomaly
 * (stale read, wrong state, going back, staleness bound, future read, dropped, duplicated and
 * reordered watch events, a false compaction, a write log with a hole or a lie) is caught with a
 * message naming the operation.
 *
 * <p>The log: initial revision 1 (empty); put a=1 at 2 (sent 10, acknowledged 20); put b=1 at 3
 * (30, 40); txn {a=2, c=1} at 4 (50, 60); delete b at 5 (70, 80).
 */
class HistoryCheckerTest {

  private static final KeyValueRecord A1 = new KeyValueRecord("a", "1", 2, 2, 1);
  private static final KeyValueRecord B1 = new KeyValueRecord("b", "1", 3, 3, 1);
  private static final KeyValueRecord A2 = new KeyValueRecord("a", "2", 2, 4, 2);
  private static final KeyValueRecord C1 = new KeyValueRecord("c", "1", 4, 4, 1);

  private static final WatchEventRecord E2 = put("a", "1", 2, 2, 1);
  private static final WatchEventRecord E3 = put("b", "1", 3, 3, 1);
  private static final WatchEventRecord E4A = put("a", "2", 4, 2, 2);
  private static final WatchEventRecord E4C = put("c", "1", 4, 4, 1);
  private static final WatchEventRecord E5 = new WatchEventRecord(5, true, "b", "", 0, 0, 0);

  @Test
  void cleanHistory_passes() {
    History h = logged();
    h.read(read(Consistency.LINEARIZABLE, "a", null, 45, 46, 3, List.of(A1)));
    h.read(read(Consistency.LINEARIZABLE, "a", "\0", 85, 86, 5, List.of(A2, C1)));
    h.read(read(Consistency.SERIALIZABLE, "a", "c", 61, 62, 4, List.of(A2, B1)));
    h.read(read(Consistency.SERIALIZABLE, "b", null, 71, 72, 5, List.of()));
    h.read(bounded(20, 75, 76, 4, List.of(A2)));
    h.read(failed(Consistency.LINEARIZABLE, 90, 91));
    watch(h, "a", "\0", 2, E2, E3, E4A, E4C, E5);
    watch(h, "a", null, 3, E4A);
    WatchLog compacted = watch(h, "a", "\0", 2, E2, E3);
    compacted.error("compacted", 5);
    h.etcdCompactRevision(5);

    CheckResult result = HistoryChecker.check(h, 5);

    assertThat(result.anomalies()).isEmpty();
    assertThat(result.reads()).isEqualTo(5);
    assertThat(result.failedReads()).isEqualTo(1);
    assertThat(result.watchEvents()).isEqualTo(8);
    assertThat(result.writes()).isEqualTo(4);
    assertThat(result.operationsChecked()).isEqualTo(17);
  }

  @Test
  void linearizableRead_missingAnEarlierAcknowledgedWrite_isStale() {
    History h = logged();
    h.read(read(Consistency.LINEARIZABLE, "a", null, 65, 66, 3, List.of(A1)));

    CheckResult result = HistoryChecker.check(h, 5);

    assertThat(kinds(result)).containsExactly(Kind.STALE_READ);
    assertThat(result.anomalies().get(0).message()).contains("at 3").contains("is at 4");
  }

  @Test
  void read_whoseKvsDifferFromTheStateAtItsRevision_isCaught() {
    History h = logged();
    h.read(read(Consistency.SERIALIZABLE, "a", null, 65, 66, 4, List.of(A1)));
    h.read(read(Consistency.SERIALIZABLE, "b", null, 85, 86, 5, List.of(B1))); // deleted at 5

    CheckResult result = HistoryChecker.check(h, 5);

    assertThat(kinds(result)).containsExactly(Kind.READ_STATE, Kind.READ_STATE);
    assertThat(result.anomalies().get(0).message()).contains("the state at 4 is [a=2");
  }

  @Test
  void read_atARevisionNotYetSent_isFutureRead() {
    History h = logged();
    h.read(read(Consistency.SERIALIZABLE, "b", null, 24, 25, 3, List.of(B1)));

    assertThat(kinds(HistoryChecker.check(h, 5))).containsExactly(Kind.FUTURE_READ);
  }

  @Test
  void serializableRead_belowAnEarlierReadOfTheSameClient_wentBack() {
    History h = logged();
    h.read(read(Consistency.LINEARIZABLE, "a", null, 61, 62, 4, List.of(A2)));
    h.read(read(Consistency.SERIALIZABLE, "a", null, 70, 71, 3, List.of(A1)));
    // Another client may be behind: no anomaly for it.
    h.read(new ReadOp(2, Consistency.SERIALIZABLE, 0, "a", null, 72, 73, 2, List.of(A1), 1, false, null));

    CheckResult result = HistoryChecker.check(h, 5);

    assertThat(kinds(result)).containsExactly(Kind.WENT_BACK);
    assertThat(result.anomalies().get(0).message()).contains("client 1 was at 4");
  }

  @Test
  void boundedStalenessRead_olderThanItsBound_isCaught() {
    History h = logged();
    h.read(bounded(10, 75, 76, 3, List.of(A1)));   // the write acknowledged at 60 is more than 10 before 75
    h.read(bounded(50, 75, 76, 3, List.of(A1)));   // within a bound of 50: fine

    CheckResult result = HistoryChecker.check(h, 5);

    assertThat(kinds(result)).containsExactly(Kind.STALENESS_BOUND);
  }

  @Test
  void watcher_missingAnEvent_isAGap() {
    History h = logged();
    watch(h, "a", "\0", 2, E2, E3, E4C, E5); // dropped E4A

    CheckResult result = HistoryChecker.check(h, 5);

    assertThat(kinds(result)).containsExactly(Kind.WATCH_GAP);
    assertThat(result.anomalies().get(0).message()).contains("missed PUT a=2");
  }

  @Test
  void watcher_missingTheLastEvents_isAGap() {
    History h = logged();
    watch(h, "a", "\0", 2, E2, E3, E4A, E4C);

    assertThat(kinds(HistoryChecker.check(h, 5))).containsExactly(Kind.WATCH_GAP);
  }

  @Test
  void watcher_receivingAnEventTwice_isADuplicate() {
    History h = logged();
    watch(h, "a", "\0", 2, E2, E3, E3, E4A, E4C, E5);

    assertThat(kinds(HistoryChecker.check(h, 5))).containsExactly(Kind.WATCH_DUPLICATE);
  }

  @Test
  void watcher_receivingAPairOutOfOrder_isReordered() {
    History h = logged();
    watch(h, "a", "\0", 2, E3, E2, E4A, E4C, E5);

    CheckResult result = HistoryChecker.check(h, 5);

    assertThat(kinds(result)).containsExactly(Kind.WATCH_ORDER);
    assertThat(result.anomalies().get(0).message()).contains("received PUT b=1").contains("before PUT a=1");
  }

  @Test
  void watcher_receivingAWrongValueOrAnEventOutsideItsRange_isCaught() {
    History h = logged();
    watch(h, "a", null, 2, put("a", "x", 2, 2, 1), E4A);
    watch(h, "a", null, 2, E2, E3, E4A);

    assertThat(kinds(HistoryChecker.check(h, 5))).containsExactly(Kind.WATCH_CONTENT, Kind.WATCH_CONTENT);
  }

  @Test
  void watcher_endedByCompactionItHadNotFallenBehind_isCaught() {
    History h = logged();
    WatchLog w = watch(h, "a", "\0", 2, E2, E3, E4A, E4C);
    w.error("compacted", 3); // it needed 5 next, which etcd still had

    assertThat(kinds(HistoryChecker.check(h, 5))).containsExactly(Kind.WATCH_FALSE_COMPACTION);
  }

  @Test
  void watcher_endedByACompactionEtcdNeverMade_isCaught() {
    History h = logged();
    h.etcdCompactRevision(0);
    WatchLog w = watch(h, "a", "\0", 2, E2);
    w.error("compacted", 4); // it needed 3 next: fine by the revision, but etcd never compacted

    CheckResult result = HistoryChecker.check(h, 5);

    assertThat(kinds(result)).containsExactly(Kind.WATCH_FALSE_COMPACTION);
    assertThat(result.anomalies().get(0).message()).contains("etcd was compacted only at 0");
  }

  @Test
  void manyAnomaliesOfOneKind_areAllCountedAndTheFirstListed() {
    History h = logged();
    for (int i = 0; i < 50; i++) {
      h.read(read(Consistency.LINEARIZABLE, "a", null, 65 + i, 66 + i, 3, List.of(A1)));
    }

    CheckResult result = HistoryChecker.check(h, 5);

    assertThat(result.anomalyCount()).isEqualTo(50);
    assertThat(result.anomalies()).hasSize(21); // 20 in detail and a line saying more were counted
    assertThat(result.describe(3)).startsWith("50 anomalies");
  }

  @Test
  void writeLog_withAHole_isCaught() {
    History h = new History();
    h.initialState(1, List.of());
    h.write(new WriteOp(1, 10, 20, 2, List.of(Mutation.put("a", "1")), null));
    h.write(new WriteOp(1, 30, 40, 4, List.of(Mutation.put("a", "2")), null));

    CheckResult result = HistoryChecker.check(h, 4);

    assertThat(kinds(result)).containsExactly(Kind.WRITE_LOG);
    assertThat(result.anomalies().get(0).message()).contains("revision 3");
  }

  @Test
  void etcdLog_resolvesUnknownWritesAndCatchesAcknowledgedOnesItContradicts() {
    History h = new History();
    h.initialState(1, List.of());
    h.write(new WriteOp(1, 10, 20, 2, List.of(Mutation.put("a", "1")), null));
    h.write(new WriteOp(1, 30, Long.MAX_VALUE, WriteOp.UNKNOWN, List.of(Mutation.put("a", "2")), "timeout"));
    h.write(new WriteOp(2, 50, 60, 4, List.of(Mutation.put("b", "9")), null)); // etcd has b=1 at 4
    h.etcdLog(List.of(new EtcdRevision(2, List.of(Mutation.put("a", "1"))),
        new EtcdRevision(3, List.of(Mutation.put("a", "2"))),
        new EtcdRevision(4, List.of(Mutation.put("b", "1")))));
    // A read completed before the unknown write was sent cannot have seen it.
    h.read(read(Consistency.SERIALIZABLE, "a", null, 24, 25, 3, List.of(new KeyValueRecord("a", "2", 2, 3, 2))));

    CheckResult result = HistoryChecker.check(h, 4);

    assertThat(kinds(result)).containsExactly(Kind.WRITE_LOG, Kind.FUTURE_READ);
    assertThat(result.anomalies().get(0).message()).contains("etcd's log has [put b=1]");
  }

  // ---- helpers ----

  private static History logged() {
    History h = new History();
    h.initialState(1, List.of());
    h.write(new WriteOp(1, 10, 20, 2, List.of(Mutation.put("a", "1")), null));
    h.write(new WriteOp(2, 30, 40, 3, List.of(Mutation.put("b", "1")), null));
    h.write(new WriteOp(1, 50, 60, 4, List.of(Mutation.put("a", "2"), Mutation.put("c", "1")), null));
    h.write(new WriteOp(2, 70, 80, 5, List.of(Mutation.delete("b")), null));
    h.write(new WriteOp(2, 81, 82, WriteOp.NO_OP, List.of(Mutation.delete("zz")), null));
    return h;
  }

  private static ReadOp read(Consistency c, String key, String end, long invoked, long completed, long rev,
      List<KeyValueRecord> kvs) {
    return new ReadOp(1, c, 0, key, end, invoked, completed, rev, kvs, kvs.size(), false, null);
  }

  private static ReadOp bounded(long bound, long invoked, long completed, long rev, List<KeyValueRecord> kvs) {
    return new ReadOp(1, Consistency.BOUNDED_STALENESS, bound, "a", null, invoked, completed, rev, kvs, kvs.size(), false, null);
  }

  private static ReadOp failed(Consistency c, long invoked, long completed) {
    return new ReadOp(1, c, 0, "a", null, invoked, completed, 0, List.of(), 0, false, "UNAVAILABLE");
  }

  private static WatchLog watch(History h, String key, String end, long start, WatchEventRecord... events) {
    WatchLog w = h.watch(1, key, end, start);
    for (WatchEventRecord e : events) {
      w.event(e);
    }
    w.completed();
    return w;
  }

  private static WatchEventRecord put(String key, String value, long rev, long create, long version) {
    return new WatchEventRecord(rev, false, key, value, create, version, 0);
  }

  private static List<Kind> kinds(CheckResult result) {
    return result.anomalies().stream().map(Anomaly::kind).toList();
  }
}
