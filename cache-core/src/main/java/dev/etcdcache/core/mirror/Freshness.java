package dev.etcdcache.core.mirror;

import dev.etcdcache.api.Ticker;
import io.etcd.jetcd.api.ResponseHeader;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the cache knows about etcd's revision and when it knew it: the newest revision etcd reported
 * anywhere, the header fields of its latest answer, the compact revision it learned of, and when
 * the mirror was last confirmed current.
 *
 * <h2>Confirmation</h2>
 * A linearizable probe sent at time T that reports revision R proves etcd was at R no earlier than
 * T. Once the mirror has published R, it is current as of T. A probe's confirmation is recorded at
 * once when the mirror is already there, or held as pending until {@link #onPublished} reaches R;
 * both happen under one lock, so a revision published concurrently with a probe's answer is never
 * missed by both sides.
 *
 * <p>Only linearizable answers confirm: etcd serves them through the leader's ReadIndex. A progress
 * notification or a serializable read is answered by the member alone, and a member cut off from
 * its peers goes on answering with its own stale revision for seconds (it learns it lost the
 * leader only after an election timeout, and ends leader-requiring watches only after three), so
 * such answers never make the mirror look fresh.
 *
 * <h2>On demand</h2>
 * Freshness matters to bounded-staleness reads: {@link #isFresh} notes that one asked, and the
 * mirror's idle probe ({@link #takeWanted}) runs at every idle progress interval only then; without
 * such readers it runs seldom (for the staleness gauge), see {@code Mirror}.
 *
 * <p>Thread-safe: probes report from jetcd's threads, the mirror from its apply thread, readers
 * ask from anywhere.
 */
public final class Freshness {

  private final Ticker ticker;
  private final AtomicLong etcdRevision = new AtomicLong();
  private final AtomicLong compactRevision = new AtomicLong();
  private volatile ResponseHeader header = ResponseHeader.getDefaultInstance();
  /**
   * The header {@link #headerAt} built last. Every read served from memory at the same revision
   * carries an equal header; building one per read was a protobuf builder and message each time.
   */
  private volatile ResponseHeader lastHeaderAt = ResponseHeader.getDefaultInstance();
  private volatile long lastSyncNanos;
  private volatile long appliedRevision = -1;
  /** Guards the pending confirmation and its check against {@link #appliedRevision}. */
  private final Object lock = new Object();
  private long pendingRevision;
  private long pendingSentNanos;
  /** A bounded-staleness read asked since the last {@link #takeWanted}. */
  private volatile boolean wanted;

  Freshness(Ticker ticker) {
    this.ticker = ticker;
  }

  /**
   * Records the answer to a linearizable request the cache sent to etcd at {@code sentNanos} (on
   * the ticker): its revision, its header fields, and a confirmation once the mirror reaches that
   * revision. Never call it with a serializable answer (see the class comment).
   */
  public void observeProbe(ResponseHeader observed, long sentNanos) {
    etcdRevision.accumulateAndGet(observed.getRevision(), Math::max);
    observeHeaderFields(observed);
    synchronized (lock) {
      if (appliedRevision >= observed.getRevision()) {
        lastSyncNanos = Math.max(lastSyncNanos, sentNanos);
      } else {
        pendingRevision = Math.max(pendingRevision, observed.getRevision());
        pendingSentNanos = Math.max(pendingSentNanos, sentNanos);
      }
    }
  }

  /** Records a response of the upstream watch or a list: its revision and header fields. */
  void observeUpstream(ResponseHeader observed) {
    etcdRevision.accumulateAndGet(observed.getRevision(), Math::max);
    observeHeaderFields(observed);
  }

  /** Records a compact revision the cache learned of (its own compaction, an error). */
  public void observeCompaction(long revision) {
    compactRevision.accumulateAndGet(revision, Math::max);
  }

  /** The mirror published {@code revision}; call after the version is visible to readers. */
  void onPublished(long revision) {
    synchronized (lock) {
      appliedRevision = revision;
      if (pendingRevision != 0 && revision >= pendingRevision) {
        // etcd was at pendingRevision when the probe was sent: the mirror is current as of then.
        lastSyncNanos = Math.max(lastSyncNanos, pendingSentNanos);
        pendingRevision = 0;
        pendingSentNanos = 0;
      }
    }
  }

  /** Whether the mirror was confirmed current within {@code bound} of now. */
  public boolean isFresh(Duration bound) {
    if (!wanted) {
      wanted = true; // written only on a change: readers do not contend on it
    }
    long sync = lastSyncNanos;
    return sync != 0 && ticker.read() - sync <= bound.toNanos();
  }

  /** Whether a bounded-staleness read asked since the last call; clears the mark. */
  boolean takeWanted() {
    if (!wanted) {
      return false;
    }
    wanted = false;
    return true;
  }

  /** When the mirror was last confirmed current with etcd, on the ticker; 0 if never. */
  public long lastSyncNanos() {
    return lastSyncNanos;
  }

  /** The newest etcd revision seen in any response (probe, watch, list); 0 before the first. */
  public long etcdRevision() {
    return etcdRevision.get();
  }

  /** The newest compact revision the cache learned of; 0 if none. */
  public long compactRevision() {
    return compactRevision.get();
  }

  /** The header fields (cluster, member, raft term) of etcd's latest answer, revision 0. */
  public ResponseHeader header() {
    return header;
  }

  /**
   * etcd's header fields of its latest answer with {@code revision}: what a response served at that
   * revision carries. Equal calls share one immutable message.
   */
  public ResponseHeader headerAt(long revision) {
    ResponseHeader fields = header;
    ResponseHeader last = lastHeaderAt;
    if (last.getRevision() == revision && last.getClusterId() == fields.getClusterId()
        && last.getMemberId() == fields.getMemberId() && last.getRaftTerm() == fields.getRaftTerm()) {
      return last;
    }
    ResponseHeader built = fields.toBuilder().setRevision(revision).build();
    lastHeaderAt = built;
    return built;
  }

  private void observeHeaderFields(ResponseHeader observed) {
    if (observed.getRaftTerm() >= header.getRaftTerm()) {
      header = observed.toBuilder().setRevision(0).build();
    }
  }
}
