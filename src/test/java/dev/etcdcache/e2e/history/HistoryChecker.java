package dev.etcdcache.e2e.history;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Checks a {@link History} against etcd's promises, with no etcd: etcd's revision is a global
 * order, so the write log gives the state at every revision, and
 *
 * <ul>
 *   <li>every successful read's kvs, count and more equal the state of its range at its header
 *       revision, and that revision was written (by a write sent before the read completed);</li>
 *   <li>a linearizable read's revision is at least that of every write acknowledged before it started;</li>
 *   <li>a bounded-staleness read's revision is at least that of every write acknowledged more than
 *       its bound before it started;</li>
 *   <li>a serializable read's revision is at least that of every earlier completed read of the same client;</li>
 *   <li>every watcher received exactly the events of its range from its start revision to the end
 *       of the log, in revision order, no gap, no duplicate, or a prefix of them followed by a
 *       compaction error whose compact revision is above the next revision it needed and (when
 *       the history knows etcd's compactions) no higher than etcd's compact revision.</li>
 * </ul>
 *
 * <p>The log is etcd's own ({@link History#etcdLog}) when given, with acknowledged writes checked
 * against it and writes of unknown outcome matched to it by their (unique) put values; otherwise the
 * acknowledged writes. It must account for every revision after the initial one. Stateless and
 * thread-safe; reports at most {@value #MAX_PER_KIND} anomalies of each kind in detail but counts all.
 */
public final class HistoryChecker {
  private static final int MAX_PER_KIND = 20;

  private HistoryChecker() {}

  /** Checks {@code history} up to {@code finalRevision} (etcd's revision after the last write). */
  public static CheckResult check(History history, long finalRevision) {
    Anomalies anomalies = new Anomalies();
    NavigableMap<Long, Committed> log = buildLog(history, anomalies);
    long initial = history.initialRevision();
    long last = Math.max(finalRevision, log.isEmpty() ? initial : log.lastKey());
    int gaps = 0;
    for (long r = initial + 1; r <= last; r++) {
      if (!log.containsKey(r) && gaps++ < MAX_PER_KIND) {
        anomalies.add(Anomaly.Kind.WRITE_LOG, "no write accounts for revision " + r + " (log " + (initial + 1) + ".." + last + ")");
      }
    }
    States states = new States(history.initialStateMap(), initial, log);
    int[] readCounts = checkReads(history.reads(), log, states, initial, last, anomalies);
    long events = 0;
    List<Long> delays = new ArrayList<>();
    List<WatchLog> watches = history.watches();
    for (WatchLog watch : watches) {
      events += checkWatch(watch, states, log, last, history.etcdCompactRevision(), anomalies, delays);
    }
    long[] delayArray = delays.stream().mapToLong(Long::longValue).toArray();
    return new CheckResult(anomalies.list, anomalies.count, log.size(), readCounts[0], readCounts[1], events, watches.size(), delayArray);
  }

  // ---- the log ----

  /** One committed revision: its changes and, when known, when its write was sent and acknowledged. */
  private record Committed(long revision, List<Mutation> mutations, long invokedNanos, long completedNanos) {
    Committed withTimes(long invoked, long completed) {
      return new Committed(revision, mutations, invoked, completed);
    }
  }

  private static NavigableMap<Long, Committed> buildLog(History history, Anomalies anomalies) {
    NavigableMap<Long, Committed> log = new TreeMap<>();
    List<EtcdRevision> etcdLog = history.etcdLog();
    List<WriteOp> writes = history.writes();
    if (etcdLog == null) {
      for (WriteOp w : writes) {
        if (!w.acknowledged()) {
          continue;
        }
        Committed previous = log.put(w.revision(), new Committed(w.revision(), w.mutations(), w.invokedNanos(), w.completedNanos()));
        if (previous != null) {
          anomalies.add(Anomaly.Kind.WRITE_LOG, "two writes acknowledged at revision " + w.revision() + ": " + w + " and " + previous.mutations());
        }
      }
      return log;
    }
    Map<String, Long> revisionByValue = new HashMap<>();
    for (EtcdRevision r : etcdLog) {
      log.put(r.revision(), new Committed(r.revision(), r.mutations(), Long.MIN_VALUE, Long.MAX_VALUE));
      for (Mutation m : r.mutations()) {
        if (!m.isDelete()) {
          revisionByValue.put(m.value(), r.revision());
        }
      }
    }
    long first = etcdLog.isEmpty() ? Long.MAX_VALUE : etcdLog.get(0).revision();
    for (WriteOp w : writes) {
      if (w.acknowledged()) {
        Committed c = log.get(w.revision());
        if (c == null) {
          if (w.revision() >= first) {
            anomalies.add(Anomaly.Kind.WRITE_LOG, w + " acknowledged, but etcd's log has no revision " + w.revision());
          }
        } else if (!c.mutations().equals(w.mutations())) {
          anomalies.add(Anomaly.Kind.WRITE_LOG, w + " acknowledged, but etcd's log has " + c.mutations() + " at that revision");
        } else {
          log.put(c.revision(), c.withTimes(w.invokedNanos(), w.completedNanos()));
        }
      } else if (w.revision() == WriteOp.UNKNOWN) {
        Mutation put = w.mutations().stream().filter(m -> !m.isDelete()).findFirst().orElse(null);
        Long revision = put == null ? null : revisionByValue.get(put.value());
        if (revision != null) {
          Committed c = log.get(revision);
          if (c.invokedNanos() == Long.MIN_VALUE) {
            log.put(revision, c.withTimes(w.invokedNanos(), Long.MAX_VALUE));
          }
        }
      }
    }
    return log;
  }

  // ---- the state at each revision ----

  /** Every key's versions, so the state of any range at any revision is a lookup. */
  private static final class States {
    /** key -> revision -> its record then, or null once deleted. */
    final TreeMap<String, TreeMap<Long, KeyValueRecord>> keys = new TreeMap<>();
    /** Every event of the log in order (deletes of absent keys make none, as in etcd). */
    final List<WatchEventRecord> events = new ArrayList<>();

    States(Map<String, KeyValueRecord> initial, long initialRevision, NavigableMap<Long, Committed> log) {
      for (KeyValueRecord kv : initial.values()) {
        keys.computeIfAbsent(kv.key(), k -> new TreeMap<>()).put(initialRevision, kv);
      }
      for (Committed c : log.values()) {
        long rev = c.revision();
        for (Mutation m : c.mutations()) {
          KeyValueRecord before = at(m.key(), rev);
          TreeMap<Long, KeyValueRecord> versions = keys.computeIfAbsent(m.key(), k -> new TreeMap<>());
          if (m.isDelete()) {
            if (before != null) {
              versions.put(rev, null);
              events.add(new WatchEventRecord(rev, true, m.key(), "", 0, 0, 0));
            }
          } else {
            KeyValueRecord kv = before == null ? new KeyValueRecord(m.key(), m.value(), rev, rev, 1)
                : new KeyValueRecord(m.key(), m.value(), before.createRevision(), rev, before.version() + 1);
            versions.put(rev, kv);
            events.add(new WatchEventRecord(rev, false, m.key(), m.value(), kv.createRevision(), kv.version(), 0));
          }
        }
      }
    }

    KeyValueRecord at(String key, long revision) {
      TreeMap<Long, KeyValueRecord> versions = keys.get(key);
      if (versions == null) {
        return null;
      }
      Map.Entry<Long, KeyValueRecord> e = versions.floorEntry(revision);
      return e == null ? null : e.getValue();
    }

    List<KeyValueRecord> range(String key, String rangeEnd, long revision) {
      List<KeyValueRecord> out = new ArrayList<>();
      for (String k : keysIn(key, rangeEnd)) {
        KeyValueRecord kv = at(k, revision);
        if (kv != null) {
          out.add(kv);
        }
      }
      return out;
    }

    private Iterable<String> keysIn(String key, String rangeEnd) {
      if (rangeEnd == null) {
        return keys.containsKey(key) ? List.of(key) : List.of();
      }
      if (rangeEnd.equals("\0")) {
        return keys.tailMap(key, true).keySet();
      }
      if (rangeEnd.compareTo(key) <= 0) {
        return List.of();
      }
      SortedMap<String, TreeMap<Long, KeyValueRecord>> sub = keys.subMap(key, rangeEnd);
      return sub.keySet();
    }
  }

  static boolean inRange(String k, String key, String rangeEnd) {
    if (rangeEnd == null) {
      return k.equals(key);
    }
    if (rangeEnd.equals("\0")) {
      return k.compareTo(key) >= 0;
    }
    return k.compareTo(key) >= 0 && k.compareTo(rangeEnd) < 0;
  }

  // ---- reads ----

  private static int[] checkReads(List<ReadOp> reads, NavigableMap<Long, Committed> log, States states, long initial,
      long last, Anomalies anomalies) {
    // Acknowledged writes by acknowledgement time, with the running maximum of their revisions.
    List<Committed> acked = log.values().stream().filter(c -> c.completedNanos() != Long.MAX_VALUE)
        .sorted(Comparator.comparingLong(Committed::completedNanos)).toList();
    long[] ackTimes = acked.stream().mapToLong(Committed::completedNanos).toArray();
    long[] ackMax = new long[acked.size()];
    for (int i = 0; i < ackMax.length; i++) {
      ackMax[i] = Math.max(i == 0 ? 0 : ackMax[i - 1], acked.get(i).revision());
    }
    Map<Integer, ClientReads> byClient = new HashMap<>();
    for (ReadOp r : reads) {
      if (!r.failed()) {
        byClient.computeIfAbsent(r.client(), c -> new ClientReads()).add(r);
      }
    }
    byClient.values().forEach(ClientReads::seal);
    int ok = 0;
    int failed = 0;
    for (ReadOp r : reads) {
      if (r.failed()) {
        failed++;
        continue;
      }
      ok++;
      long rev = r.headerRevision();
      if (rev > last || rev < initial) {
        anomalies.add(Anomaly.Kind.READ_STATE, r + ": header revision outside the log (" + initial + ".." + last + ")");
        continue;
      }
      Committed atRev = log.get(rev);
      if (atRev != null && atRev.invokedNanos() != Long.MIN_VALUE && atRev.invokedNanos() > r.completedNanos()) {
        anomalies.add(Anomaly.Kind.FUTURE_READ, r + ": revision " + rev + " was written by a write sent after the read completed");
      }
      List<KeyValueRecord> expected = states.range(r.key(), r.rangeEnd(), rev);
      if (!expected.equals(r.kvs()) || r.count() != expected.size() || r.more()) {
        anomalies.add(Anomaly.Kind.READ_STATE, r + ": the state at " + rev + " is " + expected);
      }
      switch (r.consistency()) {
        case LINEARIZABLE -> {
          long must = maxBefore(ackTimes, ackMax, r.invokedNanos());
          if (rev < must) {
            anomalies.add(Anomaly.Kind.STALE_READ, r + ": a write acknowledged before the read started is at " + must);
          }
        }
        case BOUNDED_STALENESS -> {
          long must = maxBefore(ackTimes, ackMax, r.invokedNanos() - r.boundNanos());
          if (rev < must) {
            anomalies.add(Anomaly.Kind.STALENESS_BOUND, r + ": a write acknowledged " + r.boundNanos() / 1_000_000
                + " ms or more before the read started is at " + must);
          }
        }
        case SERIALIZABLE -> {
          long must = byClient.get(r.client()).maxBefore(r.invokedNanos());
          if (rev < must) {
            anomalies.add(Anomaly.Kind.WENT_BACK, r + ": an earlier read of client " + r.client() + " was at " + must);
          }
        }
        default -> throw new IllegalStateException();
      }
    }
    return new int[] {ok, failed};
  }

  /** The highest value among entries whose time is strictly before {@code t}; 0 if none. */
  private static long maxBefore(long[] times, long[] runningMax, long t) {
    int i = Arrays.binarySearch(times, t);
    int n = i >= 0 ? lowerBound(times, t) : -i - 1; // entries [0, n) are before t
    return n == 0 ? 0 : runningMax[n - 1];
  }

  private static int lowerBound(long[] a, long t) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** One client's successful reads by completion time, with the running maximum of their revisions. */
  private static final class ClientReads {
    private final List<ReadOp> reads = new ArrayList<>();
    private long[] times;
    private long[] runningMax;

    void add(ReadOp r) {
      reads.add(r);
    }

    void seal() {
      reads.sort(Comparator.comparingLong(ReadOp::completedNanos));
      times = reads.stream().mapToLong(ReadOp::completedNanos).toArray();
      runningMax = new long[times.length];
      for (int i = 0; i < times.length; i++) {
        runningMax[i] = Math.max(i == 0 ? 0 : runningMax[i - 1], reads.get(i).headerRevision());
      }
    }

    long maxBefore(long t) {
      return HistoryChecker.maxBefore(times, runningMax, t);
    }
  }

  // ---- watches ----

  private static long checkWatch(WatchLog watch, States states, NavigableMap<Long, Committed> log, long last,
      long etcdCompactRevision, Anomalies anomalies, List<Long> delays) {
    List<WatchEventRecord> expected = states.events.stream()
        .filter(e -> e.revision() >= watch.startRevision() && e.revision() <= last)
        .filter(e -> inRange(e.key(), watch.key(), watch.rangeEnd()))
        .toList();
    List<WatchEventRecord> received = watch.events();
    Map<String, Integer> expectedIndex = new HashMap<>();
    for (int i = 0; i < expected.size(); i++) {
      expectedIndex.put(expected.get(i).identity(), i);
    }
    for (WatchEventRecord e : received) {
      Committed c = log.get(e.revision());
      if (c != null && c.completedNanos() != Long.MAX_VALUE) {
        delays.add(e.receivedNanos() - c.completedNanos());
      }
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < received.size(); i++) {
      WatchEventRecord got = received.get(i);
      if (!seen.add(got.identity())) {
        anomalies.add(Anomaly.Kind.WATCH_DUPLICATE, watch + " received " + got + " twice (again at position " + i + ")");
        return received.size();
      }
      if (i >= expected.size()) {
        anomalies.add(Anomaly.Kind.WATCH_CONTENT, watch + " received " + got + " at position " + i + ", but its range has only "
            + expected.size() + " events in " + watch.startRevision() + ".." + last);
        return received.size();
      }
      WatchEventRecord want = expected.get(i);
      if (!got.identity().equals(want.identity())) {
        Integer j = expectedIndex.get(got.identity());
        boolean wantComesLater = received.subList(i + 1, received.size()).stream().anyMatch(e -> e.identity().equals(want.identity()));
        if (j == null) {
          anomalies.add(Anomaly.Kind.WATCH_CONTENT, watch + " received " + got + ", which is not an event of its range (expected " + want + ")");
        } else if (wantComesLater) {
          anomalies.add(Anomaly.Kind.WATCH_ORDER, watch + " received " + got + " before " + want + " (position " + i + ")");
        } else {
          anomalies.add(Anomaly.Kind.WATCH_GAP, watch + " missed " + want + " (position " + i + "); received " + got + " instead");
        }
        return received.size();
      }
      if (!got.sameAs(want)) {
        anomalies.add(Anomaly.Kind.WATCH_CONTENT, watch + " received " + got + " but the log has " + want);
        return received.size();
      }
    }
    long compact = watch.compactRevision();
    long next = received.isEmpty() ? watch.startRevision() : received.get(received.size() - 1).revision() + 1;
    if (compact > 0) {
      if (etcdCompactRevision >= 0 && compact > etcdCompactRevision) {
        anomalies.add(Anomaly.Kind.WATCH_FALSE_COMPACTION, watch + " ended with a compaction error at " + compact
            + ", but etcd was compacted only at " + etcdCompactRevision + " (" + received.size() + " of "
            + expected.size() + " events received)");
      } else if (next >= compact) {
        anomalies.add(Anomaly.Kind.WATCH_FALSE_COMPACTION, watch + " ended with a compaction error at " + compact
            + " though it needed revision " + next + " next (" + received.size() + " of " + expected.size() + " events received)");
      }
    } else if (received.size() < expected.size()) {
      anomalies.add(Anomaly.Kind.WATCH_GAP, watch + " missed " + (expected.size() - received.size()) + " events from "
          + expected.get(received.size()) + " (received " + received.size() + " of " + expected.size() + "; errors " + watch.errors() + ")");
    }
    return received.size();
  }

  /** Collects anomalies, listing the first few of each kind in detail and counting all. */
  private static final class Anomalies {
    final List<Anomaly> list = new ArrayList<>();
    final Map<Anomaly.Kind, Integer> counts = new HashMap<>();
    long count;

    void add(Anomaly.Kind kind, String message) {
      count++;
      int n = counts.merge(kind, 1, Integer::sum);
      if (n <= MAX_PER_KIND) {
        list.add(new Anomaly(kind, message));
      } else if (n == MAX_PER_KIND + 1) {
        list.add(new Anomaly(kind, "(further " + kind + " anomalies counted, not listed)"));
      }
    }
  }
}
