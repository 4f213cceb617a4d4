package dev.etcdcache.core.history;

import dev.etcdcache.api.Ticker;
import io.etcd.jetcd.api.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The mirror's recent revisions in revision order: a growable ring of {@link Entry}s, one per
 * revision that had events, bounded by a number of events and by age.
 *
 * <p>The history is <em>complete</em> after {@link #fromExclusive()}: every revision in
 * {@code (fromExclusive, lastRevision]} that had events in the mirrored ranges is held, so a
 * watcher starting at any revision {@code s > fromExclusive} can be replayed exactly
 * ({@link #covers(long)}). Evicting the oldest entry moves {@code fromExclusive} to its revision.
 * Both bounds are upper bounds: an entry is evicted when the ring holds more than
 * {@code maxEvents} events, or when it was appended more than {@code maxAge} ago (on the ticker).
 * The newest entry is never evicted for its event count alone.
 *
 * <p>Thread-safe: one writer (the mirror's apply thread) and any number of readers, under this
 * object's monitor; entries are immutable and handed out as copies of the ring, so a reader never
 * holds the lock while it works. Internal, no compatibility promise.
 */
public final class EventHistory {

  /**
   * One revision's events as the mirror applied them.
   *
   * @param revision the revision
   * @param events its events in etcd's order, each with prev_kv from the store (absent for creates)
   * @param appendedNanos when it was appended, on the history's ticker
   */
  public record Entry(long revision, List<Event> events, long appendedNanos) {
    /** Validates the entry. */
    public Entry {
      events = List.copyOf(events);
      if (events.isEmpty()) {
        throw new IllegalArgumentException("an entry without events at revision " + revision);
      }
    }
  }

  private final int maxEvents;
  private final long maxAgeNanos;
  private final Ticker ticker;
  private Entry[] ring = new Entry[16];
  private int head;
  private int size;
  private long eventCount;
  private long fromExclusive = -1;
  private long lastRevision = -1;

  /** A history of at most {@code maxEvents} events, none older than {@code maxAgeNanos}. */
  public EventHistory(int maxEvents, long maxAgeNanos, Ticker ticker) {
    if (maxEvents < 1) {
      throw new IllegalArgumentException("maxEvents must be positive: " + maxEvents);
    }
    if (maxAgeNanos <= 0) {
      throw new IllegalArgumentException("maxAgeNanos must be positive: " + maxAgeNanos);
    }
    this.maxEvents = maxEvents;
    this.maxAgeNanos = maxAgeNanos;
    this.ticker = Objects.requireNonNull(ticker, "ticker");
  }

  /** Forgets everything: the history is complete after {@code revision} and holds nothing yet. */
  public synchronized void reset(long revision) {
    java.util.Arrays.fill(ring, null);
    head = 0;
    size = 0;
    eventCount = 0;
    fromExclusive = revision;
    lastRevision = revision;
  }

  /** Whether {@link #reset} was ever called. */
  public synchronized boolean isStarted() {
    return lastRevision >= 0;
  }

  /**
   * Appends one revision's events.
   *
   * @throws IllegalStateException if the history was never reset or {@code revision} is not after
   *     the last one
   */
  public synchronized void append(long revision, List<Event> events) {
    if (lastRevision < 0) {
      throw new IllegalStateException("append before reset");
    }
    if (revision <= lastRevision) {
      throw new IllegalStateException("revision " + revision + " after " + lastRevision);
    }
    long now = ticker.read();
    if (size == ring.length) {
      grow();
    }
    Entry entry = new Entry(revision, events, now);
    ring[(head + size) & (ring.length - 1)] = entry;
    size++;
    eventCount += entry.events().size();
    lastRevision = revision;
    evictLocked(now);
  }

  /** Records that nothing changed up to {@code revision} (a progress notification). */
  public synchronized void advance(long revision) {
    if (lastRevision >= 0 && revision > lastRevision) {
      lastRevision = revision;
    }
    evictLocked(ticker.read());
  }

  /** Evicts entries past the age bound now. */
  public synchronized void expire() {
    evictLocked(ticker.read());
  }

  /** Every revision after this one that had events is held; -1 before the first reset. */
  public synchronized long fromExclusive() {
    return fromExclusive;
  }

  /** The latest revision the history is exact at; -1 before the first reset. */
  public synchronized long lastRevision() {
    return lastRevision;
  }

  /** The oldest start revision a watcher can be replayed from. */
  public synchronized long oldestRevision() {
    return fromExclusive + 1;
  }

  /** Whether a watcher starting at {@code startRevision} can be replayed exactly from here. */
  public synchronized boolean covers(long startRevision) {
    return lastRevision >= 0 && startRevision > fromExclusive;
  }

  /**
   * The entries with a revision at or after {@code startRevision}, oldest first.
   *
   * @throws IllegalArgumentException if the history does not cover {@code startRevision}
   */
  public synchronized List<Entry> since(long startRevision) {
    if (!covers(startRevision)) {
      throw new IllegalArgumentException("revision " + startRevision + " is not after " + fromExclusive);
    }
    int from = lowerBound(startRevision);
    List<Entry> out = new ArrayList<>(size - from);
    for (int i = from; i < size; i++) {
      out.add(get(i));
    }
    return out;
  }

  /** The entry at exactly {@code revision}, or {@code null} if none is held. */
  public synchronized Entry at(long revision) {
    int i = lowerBound(revision);
    if (i < size && get(i).revision() == revision) {
      return get(i);
    }
    return null;
  }

  /** Revisions held. */
  public synchronized int size() {
    return size;
  }

  /** Events held. */
  public synchronized long eventCount() {
    return eventCount;
  }

  /** When the oldest held entry was appended, on the history's ticker; -1 when none is held. */
  public synchronized long oldestAppendedNanos() {
    return size == 0 ? -1 : get(0).appendedNanos();
  }

  // ---- private machinery ----

  private void evictLocked(long now) {
    while (size > 0) {
      Entry oldest = get(0);
      boolean tooMany = eventCount > maxEvents && size > 1;
      boolean tooOld = now - oldest.appendedNanos() > maxAgeNanos;
      if (!tooMany && !tooOld) {
        return;
      }
      ring[head] = null;
      head = (head + 1) & (ring.length - 1);
      size--;
      eventCount -= oldest.events().size();
      fromExclusive = oldest.revision();
    }
  }

  /** The index of the first entry with a revision at or after {@code revision}. */
  private int lowerBound(long revision) {
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (get(mid).revision() < revision) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private Entry get(int i) {
    return ring[(head + i) & (ring.length - 1)];
  }

  private void grow() {
    Entry[] bigger = new Entry[ring.length * 2];
    for (int i = 0; i < size; i++) {
      bigger[i] = get(i);
    }
    ring = bigger;
    head = 0;
  }
}
