package dev.etcdcache.server.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcdctl 3.4.23 (Debian etcd-client), a client nobody here wrote, run as a subprocess against the
 * reference etcd and against the server (in front of its own etcd): every test performs the same
 * steps on both in lockstep and compares the normalised transcripts ({@link Etcdctl} lists what is
 * normalised). Output is {@code -w json} where etcdctl offers it, so headers, revisions, versions
 * and counts are compared too.
 */
@Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES)
class EtcdctlTest {
  private static final Duration COLLECT = Duration.ofSeconds(15);
  /** Time for a just-started etcdctl watch to be created before writes it must see live. Not an assertion. */
  private static final long WATCH_SETTLE_MILLIS = 1500;

  @RegisterExtension
  static final TwoSubjects subjects = new TwoSubjects();

  @Test
  void get_withEveryReadOption_matchesEtcd() {
    EtcdctlPair both = new EtcdctlPair(subjects);
    both.step("put", "kv/a", "1");
    both.step("put", "kv/b", "22");
    long afterB = revision(both.step("put", "kv/c", "0", "-w", "json"));
    both.step("put", "kv/d", "4444");
    both.step("put", "kv/b", "3");
    both.step("put", "kv/e", "5");
    both.step("put", "kv0", "outside");

    both.step("get", "kv/a");
    both.step("get", "kv/a", "-w", "json");
    both.step("get", "kv/", "--prefix", "-w", "json");
    both.step("get", "kv/c", "--from-key", "-w", "json");
    both.step("get", "kv/b", "kv/e", "-w", "json");
    both.step("get", "kv/", "--prefix", "--rev=" + afterB, "-w", "json");
    both.step("get", "kv/", "--prefix", "--limit=2", "-w", "json");
    both.step("get", "kv/", "--prefix", "--limit=2", "--sort-by=MODIFY", "--order=DESCEND", "-w", "json");
    both.step("get", "kv/", "--prefix", "--sort-by=VALUE", "--order=ASCEND", "-w", "json");
    both.step("get", "kv/", "--prefix", "--sort-by=VERSION", "--order=DESCEND", "--limit=1", "-w", "json");
    both.step("get", "kv/", "--prefix", "--sort-by=CREATE", "--order=DESCEND", "-w", "json");
    both.step("get", "kv/", "--prefix", "--sort-by=KEY", "--order=DESCEND", "--limit=3", "-w", "json");
    both.step("get", "kv/", "--prefix", "--keys-only", "-w", "json");
    both.step("get", "kv/", "--prefix", "--keys-only");
    both.step("get", "kv/", "--prefix", "--limit=1", "--keys-only", "-w", "json"); // count; etcdctl 3.4 has no --count-only
    both.step("get", "kv/", "--prefix", "--print-value-only");
    both.step("get", "kv/", "--prefix", "--limit=3", "--print-value-only", "--order=DESCEND");
    both.step("get", "kv/", "--prefix", "-w", "fields");
    both.step("get", "kv/", "--prefix", "--consistency=s", "-w", "json");
    both.step("get", "kv/missing", "-w", "json");
    both.step("get", "kv/", "--prefix", "--rev=1000000", "-w", "json");
    both.assertSameTranscripts();
  }

  @Test
  void del_withPrefixAndPrevKv_matchesEtcd() {
    EtcdctlPair both = new EtcdctlPair(subjects);
    for (String key : new String[] {"del/a", "del/b", "del/c", "del/d", "del0"}) {
      both.step("put", key, "v-" + key);
    }
    both.step("del", "del/a", "-w", "json");
    both.step("del", "del/missing", "-w", "json");
    both.step("del", "del/b", "--prev-kv");
    both.step("del", "del/", "--prefix", "--prev-kv", "-w", "json");
    both.step("get", "del", "--prefix", "-w", "json");
    both.step("put", "del/x", "1");
    both.step("put", "del/y", "2");
    both.step("del", "del/x", "--from-key", "--prev-kv", "-w", "json");
    both.step("get", "del", "--from-key", "--keys-only");
    both.assertSameTranscripts();
  }

  @Test
  void txn_fromStdin_matchesEtcd() {
    EtcdctlPair both = new EtcdctlPair(subjects);
    both.step("put", "txn/a", "1");
    String successPath = "value(\"txn/a\") = \"1\"\nmod(\"txn/b\") = \"0\"\n\nput txn/b \"from txn\"\nget txn/a\n\nput txn/failed yes\n\n";
    both.stepWithInput(successPath, "txn", "-i", "-w", "json");
    both.stepWithInput(successPath, "txn", "-i", "-w", "json");
    both.stepWithInput(successPath, "txn", "-i");
    String rangeCompare = "version(\"txn/b\") > \"0\"\ncreate(\"txn/a\") < \"1000\"\n\ndel txn/ --prefix --prev-kv\nget txn/ --prefix\n\n\n";
    both.stepWithInput(rangeCompare, "txn", "-i", "-w", "json");
    both.step("get", "txn/", "--prefix", "-w", "json");
    both.assertSameTranscripts();
  }

  @Test
  void watch_fromPastRevisionWithPrefixAndPrevKv_matchesEtcd() {
    EtcdctlPair both = new EtcdctlPair(subjects);
    long start = revision(both.step("put", "w/a", "1", "-w", "json"));
    both.step("put", "w/b", "2");
    both.step("put", "w/a", "3");
    both.step("del", "w/b");
    both.step("put", "w0", "outside");
    both.stepWithInput("\nput w/c 1\nput w/d 2\n\n\n", "txn", "-i");

    both.collect(new String[] {"watch", "--rev=" + start, "--prefix", "w/", "-w", "json"}, () -> {},
        out -> count(out, "\"kv\":") >= 6, COLLECT);
    both.collect(new String[] {"watch", "--rev=" + start, "--prev-kv", "w/a", "-w", "json"}, () -> {},
        out -> count(out, "\"kv\":") >= 2, COLLECT);
    both.collect(new String[] {"watch", "--rev=" + start, "--prefix", "--prev-kv", "w/"}, () -> {},
        out -> count(out, "\n") >= 17, COLLECT);
    both.collect(new String[] {"watch", "--rev=" + (start + 2), "w/a", "w/c", "-w", "json"}, () -> {},
        out -> count(out, "\"kv\":") >= 2, COLLECT);
    both.assertSameTranscripts();
  }

  @Test
  void watch_liveEvents_matchEtcd() {
    EtcdctlPair both = new EtcdctlPair(subjects);
    both.step("put", "live/a", "0");
    both.collect(new String[] {"watch", "--prefix", "--prev-kv", "live/", "-w", "json"}, () -> {
      settle();
      both.step("put", "live/a", "1");
      both.step("put", "live/b", "2");
      both.stepWithInput("\ndel live/a\nput live/b 3\n\n\n", "txn", "-i");
    }, out -> count(out, "\"kv\":") >= 4, COLLECT);
    both.assertSameTranscripts();
  }

  @Test
  void watch_interactiveWithProgress_matchesEtcd() {
    EtcdctlPair both = new EtcdctlPair(subjects);
    both.step("put", "iw/a", "0");
    try (ExternalCommand onReference = both.reference().start("watch", "-i", "-w", "json");
        ExternalCommand onServer = both.server().start("watch", "-i", "-w", "json")) {
      onReference.write("watch --prefix iw/\n");
      onServer.write("watch --prefix iw/\n");
      onReference.write("watch --prev-kv iw/b\n");
      onServer.write("watch --prev-kv iw/b\n");
      settle();
      both.step("put", "iw/a", "1");
      both.step("put", "iw/b", "2");
      both.step("put", "iw/b", "3");
      // 3 events on the prefix watcher, 2 on the key watcher.
      boolean referenceSaw = onReference.awaitStdout(out -> count(out, "\"kv\":") >= 5, COLLECT);
      boolean serverSaw = onServer.awaitStdout(out -> count(out, "\"kv\":") >= 5, COLLECT);
      String referenceEvents = sortedLines(onReference.stdoutSoFar());
      String serverEvents = sortedLines(onServer.stdoutSoFar());
      onReference.write("progress\n");
      onServer.write("progress\n");
      onReference.awaitStdout(out -> count(out, "progress notify:") >= 2, COLLECT);
      onServer.awaitStdout(out -> count(out, "progress notify:") >= 2, COLLECT);
      ExternalCommand.Result referenceResult = onReference.stop();
      ExternalCommand.Result serverResult = onServer.stop();
      // Two watchers print from two goroutines: their lines interleave in any order, so compare as sets.
      both.record("events seen: " + referenceSaw + "\n" + both.reference().normalise(referenceEvents)
              + both.reference().normalise(progressLines(referenceResult.stdout())),
          "events seen: " + serverSaw + "\n" + both.server().normalise(serverEvents)
              + both.server().normalise(progressLines(serverResult.stdout())));
    }
    both.assertSameTranscripts();
  }

  @Test
  void lease_grantKeepAliveTimeToLiveRevoke_matchEtcd() {
    EtcdctlPair both = new EtcdctlPair(subjects);
    String referenceLease = leaseHex(both.reference().run("", "lease", "grant", "100", "-w", "json").stdout());
    String serverLease = leaseHex(both.server().run("", "lease", "grant", "100", "-w", "json").stdout());
    both.record(both.reference().normalise("lease " + referenceLease + " granted\n"),
        both.server().normalise("lease " + serverLease + " granted\n"));
    both.record(both.reference().transcript(both.reference().run("", "put", "lease/k", "v", "--lease=" + referenceLease)),
        both.server().transcript(both.server().run("", "put", "lease/k", "v", "--lease=" + serverLease)));
    both.record(both.reference().transcript(both.reference().run("", "get", "lease/k", "-w", "json")),
        both.server().transcript(both.server().run("", "get", "lease/k", "-w", "json")));
    both.record(both.reference().transcript(both.reference().run("", "lease", "keep-alive", "--once", referenceLease)),
        both.server().transcript(both.server().run("", "lease", "keep-alive", "--once", serverLease)));
    both.record(remainingTtl(both.reference().transcript(
            both.reference().run("", "lease", "timetolive", referenceLease, "--keys", "-w", "json"))),
        remainingTtl(both.server().transcript(
            both.server().run("", "lease", "timetolive", serverLease, "--keys", "-w", "json"))));
    both.record(both.reference().transcript(both.reference().run("", "lease", "revoke", referenceLease)),
        both.server().transcript(both.server().run("", "lease", "revoke", serverLease)));
    both.step("get", "lease/k", "-w", "json");
    both.record(both.reference().transcript(both.reference().run("", "lease", "timetolive", referenceLease)),
        both.server().transcript(both.server().run("", "lease", "timetolive", serverLease)));
    both.assertSameTranscripts();
  }

  @Test
  void leaseKeepAliveStream_keepsTheLeaseAlive_thenItExpiresAndDeletesTheKey() {
    EtcdctlPair both = new EtcdctlPair(subjects);
    both.record(keepAliveRound(both.reference()), keepAliveRound(both.server()));
    both.step("get", "ka/", "--prefix", "-w", "json");
    both.assertSameTranscripts();
  }

  @Test
  void lock_heldByOne_blocksTheOtherUntilReleased() {
    EtcdctlPair both = new EtcdctlPair(subjects);
    both.record(lockRound(both.reference()), lockRound(both.server()));
    both.assertSameTranscripts();
  }

  @Test
  void elect_campaignObserveResign_matchEtcd() {
    EtcdctlPair both = new EtcdctlPair(subjects);
    both.record(electionRound(both.reference()), electionRound(both.server()));
    both.assertSameTranscripts();
  }

  @Test
  void compaction_thenOldRevisionReadsAndWatches_failLikeEtcd() {
    EtcdctlPair both = new EtcdctlPair(subjects);
    long first = revision(both.step("put", "cmp/a", "1", "-w", "json"));
    both.step("put", "cmp/a", "2");
    long third = revision(both.step("put", "cmp/a", "3", "-w", "json"));
    both.step("compaction", String.valueOf(third));
    both.step("get", "cmp/a", "--rev=" + first, "-w", "json");
    both.step("get", "cmp/a", "--rev=" + third, "-w", "json");
    both.collect(new String[] {"watch", "--rev=" + first, "cmp/a", "-w", "json"}, () -> {},
        out -> false, Duration.ofSeconds(3));
    both.collect(new String[] {"watch", "--rev=" + third, "cmp/a", "-w", "json"}, () -> {},
        out -> count(out, "\"kv\":") >= 1, COLLECT);
    both.step("compaction", String.valueOf(first));
    both.step("compaction", "--physical", String.valueOf(third + 1));
    both.step("get", "cmp/a", "-w", "json");
    both.assertSameTranscripts();
  }

  @Test
  void memberList_onServer_answersItsAdvertisedUrl() {
    Etcdctl server = new Etcdctl(subjects.server(), subjects.backend());
    ExternalCommand.Result list = server.run("", "member", "list", "-w", "json");
    assertThat(list.exitCode()).as(list.describe()).isZero();
    // etcd grpc-proxy with --advertise-client-url: one member whose client URL is the proxy's own,
    // so clients that sync endpoints stay on the proxy.
    assertThat(count(list.stdout(), "\"clientURLs\"")).as(list.describe()).isEqualTo(1);
    assertThat(list.stdout()).as(list.describe()).contains("\"clientURLs\":[\"" + subjects.server() + "\"]");
  }

  @Test
  void endpointStatusAndHealth_matchEtcd() {
    EtcdctlPair both = new EtcdctlPair(subjects);
    both.record(statusFields(both.reference(), both.reference().run("", "endpoint", "status", "-w", "json")),
        statusFields(both.server(), both.server().run("", "endpoint", "status", "-w", "json")));
    both.record(tookless(both.reference().transcript("", "endpoint", "health", "-w", "json")),
        tookless(both.server().transcript("", "endpoint", "health", "-w", "json")));
    both.record(tookless(both.reference().transcript("", "endpoint", "health")),
        tookless(both.server().transcript("", "endpoint", "health")));
    both.assertSameTranscripts();
    // --cluster asks MemberList for the endpoints: through the server they must stay on the server.
    ExternalCommand.Result cluster = both.server().run("", "endpoint", "health", "--cluster", "-w", "json");
    assertThat(cluster.exitCode()).as(cluster.describe()).isZero();
    assertThat(cluster.stdout()).as(cluster.describe())
        .contains("\"endpoint\":\"" + subjects.server() + "\"").contains("\"health\":true");
  }

  @Test
  void directWritesToEtcd_areSeenByTheNextReadThroughTheServer() {
    Etcdctl direct = new Etcdctl(subjects.backend(), subjects.backend());
    Etcdctl server = new Etcdctl(subjects.server(), subjects.backend());
    Etcdctl reference = new Etcdctl(subjects.reference(), subjects.reference());
    StringBuilder stale = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      String value = "v" + i;
      reference.run("", "put", "lin/k", value); // keeps the two etcds at the same revision
      ExternalCommand.Result put = direct.run("", "put", "lin/k", value);
      assertThat(put.exitCode()).as(put.describe()).isZero();
      ExternalCommand.Result read = server.run("", "get", "lin/k", "--print-value-only");
      ExternalCommand.Result prefix = server.run("", "get", "lin/", "--prefix", "--print-value-only");
      if (!read.stdout().equals(value + "\n") || !prefix.stdout().equals(value + "\n")) {
        stale.append("after direct put ").append(value).append(": get=").append(read.describe())
            .append("\n  prefix get=").append(prefix.describe()).append('\n');
      }
    }
    assertThat(stale.toString()).as("linearizable reads through the server that missed a write already acknowledged by etcd")
        .isEmpty();
  }

  // ---- rounds run on one side, whose normalised transcripts are compared ----

  private static String lockRound(Etcdctl etcdctl) {
    StringBuilder out = new StringBuilder();
    try (ExternalCommand holder = etcdctl.start("lock", "lk");
        ExternalCommand waiter = startAfter(holder, etcdctl, "lk/", "lock", "lk", "echo", "waiter got the lock")) {
      out.append("holder: ").append(etcdctl.normalise(holder.stdoutSoFar()));
      // The waiter must not get the lock while the holder has it (checked for a moment, not proven).
      sleep(1000);
      out.append("waiter while held: [").append(waiter.stdoutSoFar()).append("]\n");
      holder.terminate();
      boolean got = waiter.awaitStdout(s -> s.contains("waiter got the lock"), COLLECT);
      out.append("waiter after release: ").append(got).append(' ').append(waiter.stdoutSoFar());
      out.append(etcdctl.transcript(waiter.await(COLLECT)));
    }
    return out.toString();
  }

  /** A 2 s lease kept alive by a streaming {@code lease keep-alive} for 5 s, then left to expire. */
  private static String keepAliveRound(Etcdctl etcdctl) {
    StringBuilder out = new StringBuilder();
    String lease = leaseHex(etcdctl.run("", "lease", "grant", "2", "-w", "json").stdout());
    out.append(etcdctl.transcript(etcdctl.run("", "put", "ka/k", "v", "--lease=" + lease)));
    try (ExternalCommand keepAlive = etcdctl.start("lease", "keep-alive", lease)) {
      boolean several = keepAlive.awaitStdout(s -> count(s, "keepalived with TTL(2)") >= 5, Duration.ofSeconds(15));
      out.append("keep-alive stream answered at least 5 times: ").append(several).append('\n');
      out.append("key while kept alive: ").append(etcdctl.run("", "get", "ka/k", "--print-value-only").stdout());
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    String after;
    do {
      sleep(500);
      after = etcdctl.run("", "get", "ka/k", "--print-value-only").stdout();
    } while (!after.isEmpty() && System.nanoTime() - deadline < 0);
    out.append("key after the keep-alive stopped: [").append(after).append("]\n");
    out.append(etcdctl.transcript(etcdctl.run("", "lease", "timetolive", lease)));
    return out.toString();
  }

  private static String electionRound(Etcdctl etcdctl) {
    StringBuilder out = new StringBuilder();
    try (ExternalCommand first = etcdctl.start("elect", "el", "p1");
        ExternalCommand observer = startAfter(first, etcdctl, "p1", "elect", "-l", "el")) {
      observer.awaitStdout(s -> s.contains("p1"), COLLECT);
      out.append("leader: ").append(etcdctl.normalise(first.stdoutSoFar()));
      try (ExternalCommand second = etcdctl.start("elect", "el", "p2")) {
        sleep(1000);
        out.append("second while first leads: [").append(second.stdoutSoFar()).append("]\n");
        first.terminate();
        second.awaitStdout(s -> s.contains("p2"), COLLECT);
        observer.awaitStdout(s -> s.contains("p2"), COLLECT);
        out.append("second: ").append(etcdctl.normalise(second.stdoutSoFar()));
        out.append("observer: ").append(etcdctl.normalise(observer.stdoutSoFar()));
        try (ExternalCommand lateObserver = etcdctl.start("elect", "-l", "el")) {
          lateObserver.awaitStdout(s -> s.contains("p2"), COLLECT);
          out.append("late observer: ").append(etcdctl.normalise(lateObserver.stdoutSoFar()));
        }
        second.terminate();
      }
    }
    return out.toString();
  }

  private static ExternalCommand startAfter(ExternalCommand first, Etcdctl etcdctl, String marker, String... args) {
    if (!first.awaitStdout(s -> s.contains(marker), COLLECT)) {
      throw new AssertionError("etcdctl did not print " + marker + ": " + first.stop().describe());
    }
    return etcdctl.start(args);
  }

  // ---- small helpers ----

  private static final Pattern REVISION = Pattern.compile("\"revision\":(\\d+)");

  private static long revision(String transcript) {
    Matcher m = REVISION.matcher(transcript);
    if (!m.find()) {
      throw new AssertionError("no revision in " + transcript);
    }
    return Long.parseLong(m.group(1));
  }

  private static String leaseHex(String grantJson) {
    return Etcdctl.hex16(Long.parseUnsignedLong(Etcdctl.field(grantJson, "ID")));
  }

  /** The remaining TTL of a lease depends on when it is asked: only its presence is compared. */
  private static String remainingTtl(String transcript) {
    return transcript.replaceAll("\"ttl\":\\d+", "\"ttl\":<remaining>");
  }

  /** How long a health check took is not compared. */
  private static String tookless(String transcript) {
    return transcript.replaceAll("took( = |\":\")[^\",\n]*", "took<elapsed>");
  }

  /** From endpoint status, the fields a proxy must pass through: header, version, leader, raft term. */
  private static String statusFields(Etcdctl etcdctl, ExternalCommand.Result status) {
    String json = etcdctl.normalise(status.stdout());
    StringBuilder out = new StringBuilder("endpoint status exit " + status.exitCode() + "\n");
    for (String field : new String[] {"header", "version", "leader", "raftTerm"}) {
      Matcher m = Pattern.compile("\"" + field + "\":(\\{[^}]*}|\"[^\"]*\"|[^,}]*)").matcher(json);
      out.append(field).append('=').append(m.find() ? m.group(1) : "<absent>").append('\n');
    }
    return out.toString();
  }

  private static String sortedLines(String text) {
    return text.lines().sorted().reduce("", (a, b) -> a + b + "\n");
  }

  private static String progressLines(String text) {
    return text.lines().filter(l -> l.startsWith("progress notify:")).reduce("", (a, b) -> a + b + "\n");
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
      n++;
    }
    return n;
  }

  private static void settle() {
    sleep(WATCH_SETTLE_MILLIS);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
