package dev.etcdcache.core.history;

import dev.etcdcache.api.Ticker;
import dev.etcdcache.core.store.HeapCost;
import io.etcd.jetcd.api.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The mirror's recent revisions in revision order: a growable ring of {@link Entry}s, one per
 * revision that had events, bounded by a number of events, by age and by estimated bytes.
 *
 * <p>The history is <em>complete</em> after {@link #fromExclusive()}: every revision in
 * {@code (fromExclusive, lastRevision]} that had events in the mirrored ranges is held, so a
 * watcher starting at any revision {@code s > fromExclusive} can be replayed exactly
 * ({@link #covers(long)}). Evicting the oldest entry moves {@code fromExclusive} to its revision.
 * The bounds are upper bounds: an entry is evicted when the ring holds more than
 * {@code maxEvents} events or more than {@code maxBytes} estimated bytes, or when it was appended
 * more than {@code maxAge} ago (on the ticker). The newest entry is never evicted for its event
 * count or bytes alone.
 *
 * <p>Bytes ({@link #bytes()}): what the held events cost beyond the store's current version
 * ({@link HeapCost}): the event objects, the keys of updates and deletes (a create's key array is
 * the store's), and each {@code prev_kv}'s value, which only older versions or this history still
 * hold. An event's own value is the store's current one or a later event's {@code prev_kv}, so it is
 * not counted twice. {@link #previousBytesAfter} tells how much of that a version window holding
 * the same revisions already counts.
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
  private final long maxBytes;
  private final Ticker ticker;
  private Entry[] ring = new Entry[16];
  /**
   * Parallel to {@link #ring}: each entry's estimated bytes, and the running sum of prev_kv bytes
   * since the last reset up to and including it (so the sum after any revision is one subtraction).
   */
  private long[] entryBytes = new long[16];
  private long[] previousRunning = new long[16];
  private long bytes;
  /** A tighter byte bound for the length of one {@link #trimToNewest()} call; otherwise none. */
  private long maxBytesOverride = Long.MAX_VALUE;
  private long previousTotal;
  /** The running prev_kv sum of the last evicted entry: the base of the oldest held one. */
  private long previousEvicted;
  private int head;
  private int size;
  private long eventCount;
  private long fromExclusive = -1;
  private long lastRevision = -1;

  /** A history of at most {@code maxEvents} events, none older than {@code maxAgeNanos}. */
  public EventHistory(int maxEvents, long maxAgeNanos, Ticker ticker) {
    this(maxEvents, maxAgeNanos, Long.MAX_VALUE, ticker);
  }

  /**
   * A history of at most {@code maxEvents} events and {@code maxBytes} estimated bytes, none older
   * than {@code maxAgeNanos}.
   */
  public EventHistory(int maxEvents, long maxAgeNanos, long maxBytes, Ticker ticker) {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    }
    this.maxBytes = maxBytes;
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
    bytes = 0;
    previousTotal = 0;
    previousEvicted = 0;
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
    int slot = (head + size) & (ring.length - 1);
    ring[slot] = entry;
    long previous = 0;
    long own = HeapCost.REVISION;
    for (Event e : entry.events()) {
      own += HeapCost.EVENT;
      boolean update = e.hasPrevKv();
      if (update || e.getType() == Event.EventType.DELETE) {
        own += HeapCost.array(e.getKv().getKey().size());
      }
      if (update) {
        own += HeapCost.PREV_KV;
        previous += HeapCost.packed(e.getPrevKv().getValue().size());
      }
    }
    entryBytes[slot] = own + previous;
    previousTotal += previous;
    previousRunning[slot] = previousTotal;
    bytes += own + previous;
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

  /**
   * Keeps only the newest entry (memory pressure): a watcher that needed an evicted one falls off
   * the history as it does when the bounds evict it.
   */
  public synchronized void trimToNewest() {
    long keep = maxBytesOverride;
    maxBytesOverride = 1;
    evictLocked(ticker.read());
    maxBytesOverride = keep;
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

  /** The held entries' estimated bytes (see the class comment). */
  public synchronized long bytes() {
    return bytes;
  }

  /**
   * The estimated bytes of the {@code prev_kv} values of the entries after {@code revision}: the
   * part of {@link #bytes()} a version window holding the versions from {@code revision} on pins too.
   */
  public synchronized long previousBytesAfter(long revision) {
    int i = lowerBound(revision + 1);
    if (i >= size) {
      return 0;
    }
    long base = i == 0 ? previousEvicted : previousRunning[(head + i - 1) & (ring.length - 1)];
    return previousTotal - base;
  }

  /** When the oldest held entry was appended, on the history's ticker; -1 when none is held. */
  public synchronized long oldestAppendedNanos() {
    return size == 0 ? -1 : get(0).appendedNanos();
  }

  // ---- private machinery ----

  private void evictLocked(long now) {
    while (size > 0) {
      Entry oldest = get(0);
      boolean tooMany = (eventCount > maxEvents || bytes > Math.min(maxBytes, maxBytesOverride)) && size > 1;
      boolean tooOld = now - oldest.appendedNanos() > maxAgeNanos;
      if (!tooMany && !tooOld) {
        return;
      }
      bytes -= entryBytes[head];
      previousEvicted = previousRunning[head];
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
    long[] biggerBytes = new long[bigger.length];
    long[] biggerRunning = new long[bigger.length];
    for (int i = 0; i < size; i++) {
      int from = (head + i) & (ring.length - 1);
      bigger[i] = ring[from];
      biggerBytes[i] = entryBytes[from];
      biggerRunning[i] = previousRunning[from];
    }
    ring = bigger;
    entryBytes = biggerBytes;
    previousRunning = biggerRunning;
    head = 0;
  }
}
