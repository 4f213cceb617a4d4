package dev.etcdcache.core.mirror;

import dev.etcdcache.core.store.StoreVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The state of each on-demand prefix: not mirrored, bootstrapping (its events buffered), or
 * mirrored and current from a revision on; and when each was last read, for dropping the least
 * recently read under memory pressure.
 *
 * <h2>Why a reader can trust a version</h2>
 * The apply thread publishes the version holding a prefix's keys <em>before</em> it adds the
 * prefix's {@link Entry}, and removes the entry <em>before</em> it publishes a version without the
 * keys (a drop, a re-list, a degradation). A reader takes the entry, then a version, then checks the
 * entry is still the same object ({@link #serves}): the version was then published after the keys
 * came in and before they left, so it holds the prefix exactly. Several versions may share the
 * install revision, so a read at a past revision is served only strictly after it.
 *
 * <p>Readers' methods are thread-safe; the rest belong to the mirror's apply thread.
 */
public final class PrefixTable {

  /** A mirrored prefix, current from {@link #since()} on; compared by identity. */
  public static final class Entry {
    private final byte[] prefix;
    private final long since;
    private volatile long lastRead;

    private Entry(byte[] prefix, long since, long lastRead) {
      this.prefix = prefix;
      this.since = since;
      this.lastRead = lastRead;
    }

    /** The prefix. */
    public byte[] prefix() {
      return prefix.clone();
    }

    /** The revision the prefix was installed at: versions at or after it hold it (see the class comment). */
    public long since() {
      return since;
    }
  }

  /** An event of a bootstrapping prefix, applied once its list is in: {@code stored} null for a delete. */
  record Buffered(long revision, byte[] key, byte[] stored) {}

  /** A bootstrap under way, listing at {@code from}; events after it wait in {@code events}. */
  static final class Pending {
    final long from;
    final List<Buffered> events = new ArrayList<>();

    Pending(long from) {
      this.from = from;
    }
  }

  private final PrefixPattern pattern;
  private final Map<String, Entry> mirrored = new ConcurrentHashMap<>();
  private final Map<String, Boolean> requested = new ConcurrentHashMap<>();
  /** Readers waiting for a prefix to come in: completed with its entry, or null if its bootstrap ends without one. */
  private final Map<String, CompletableFuture<Entry>> arrivals = new ConcurrentHashMap<>();
  /** Prefixes too large for the memory limits, by when (ticker nanos) a read may try to list them again. */
  private final Map<String, Long> tooLargeUntil = new ConcurrentHashMap<>();
  /** Apply thread only. */
  private final Map<String, Pending> pending = new HashMap<>();
  private final AtomicLong clock = new AtomicLong();
  private final LongAdder hits = new LongAdder();
  private final LongAdder passes = new LongAdder();
  private final AtomicLong bootstraps = new AtomicLong();
  private final AtomicLong failedBootstraps = new AtomicLong();
  private final AtomicLong drops = new AtomicLong();
  private volatile int bootstrapping;

  /** An empty table for the prefixes of {@code pattern}. */
  public PrefixTable(PrefixPattern pattern) {
    this.pattern = pattern;
  }

  /** Which prefix a key or read belongs to. */
  public PrefixPattern pattern() {
    return pattern;
  }

  // ---- readers, any thread ----

  /** The prefix's entry if it is mirrored now, else null. */
  public Entry entry(byte[] prefix) {
    return mirrored.get(name(prefix));
  }

  /** Notes a read of {@code entry}'s prefix (least recently read prefixes are dropped first). */
  public void touch(Entry entry) {
    entry.lastRead = clock.incrementAndGet();
  }

  /**
   * Whether {@code version}, taken after {@code entry} was, holds its prefix exactly: the entry is
   * still current, and for a read at a past revision the version is strictly after the install.
   */
  public boolean serves(Entry entry, StoreVersion version, boolean atRevision) {
    if (mirrored.get(name(entry.prefix)) != entry) {
      return false;
    }
    return atRevision ? version.revision() > entry.since : version.revision() >= entry.since;
  }

  /**
   * Marks {@code prefix} wanted at {@code nowNanos}; true for the first caller until its bootstrap
   * ends (only it starts one), false meanwhile and while the prefix is known too large to hold.
   */
  boolean request(byte[] prefix, long nowNanos) {
    String n = name(prefix);
    Long until = tooLargeUntil.get(n);
    if (until != null) {
      if (nowNanos - until < 0) {
        return false;
      }
      tooLargeUntil.remove(n, until);
    }
    return requested.putIfAbsent(n, Boolean.TRUE) == null;
  }

  /**
   * Whether {@code prefix} is known too large for the memory limits at {@code nowNanos} (no
   * bootstrap will start for it, so a reader should not wait for one).
   */
  public boolean isRefused(byte[] prefix, long nowNanos) {
    Long until = tooLargeUntil.get(name(prefix));
    return until != null && nowNanos - until < 0;
  }

  /**
   * Completes with {@code prefix}'s entry once it is mirrored, or with null if its bootstrap ends
   * without it (failed, cancelled, the mirror stopped serving). A caller checks {@link #entry} after
   * taking this future: an install that came just before it is seen there (the entry is added
   * before the future is taken out). Completes on the apply thread: chain asynchronously.
   */
  public CompletableFuture<Entry> arrival(byte[] prefix) {
    return arrivals.computeIfAbsent(name(prefix), n -> new CompletableFuture<>());
  }

  /** A read answered from memory. */
  public void recordHit() {
    hits.increment();
  }

  /** A read of an on-demand prefix sent to etcd (not mirrored, or not at the revision asked). */
  public void recordPass() {
    passes.increment();
  }

  /** Prefixes mirrored now. */
  public int mirroredCount() {
    return mirrored.size();
  }

  /** Bootstraps under way now. */
  public int bootstrappingCount() {
    return bootstrapping;
  }

  /** Bootstraps completed. */
  public long bootstraps() {
    return bootstraps.get();
  }

  /** Bootstraps that failed (the next read tries again). */
  public long failedBootstraps() {
    return failedBootstraps.get();
  }

  /** Prefixes dropped (memory pressure). */
  public long drops() {
    return drops.get();
  }

  /** Reads of on-demand prefixes served from memory. */
  public long hits() {
    return hits.sum();
  }

  /** Reads of on-demand prefixes sent to etcd. */
  public long passes() {
    return passes.sum();
  }

  // ---- apply thread ----

  /** Starts bootstrapping {@code prefix} at {@code from}; null if it is mirrored or bootstrapping already. */
  Pending start(byte[] prefix, long from) {
    String n = name(prefix);
    if (mirrored.containsKey(n) || pending.containsKey(n)) {
      return null;
    }
    Pending p = new Pending(from);
    pending.put(n, p);
    bootstrapping = pending.size();
    return p;
  }

  /** Whether {@code p} is still {@code prefix}'s bootstrap (a re-list or degradation cancels it). */
  boolean isCurrent(byte[] prefix, Pending p) {
    return pending.get(name(prefix)) == p;
  }

  /**
   * The current bootstrap of {@code prefix} failed: the prefix is not mirrored, and the next read
   * asks again, or (when it was too large for the memory limits) the first read after
   * {@code retryAtNanos}, so that a prefix that cannot fit is not listed again for every read.
   */
  void failed(byte[] prefix, boolean tooLarge, long retryAtNanos) {
    String n = name(prefix);
    if (tooLarge) {
      tooLargeUntil.put(n, retryAtNanos);
    }
    failedBootstraps.incrementAndGet();
    pending.remove(n);
    bootstrapping = pending.size();
    requested.remove(n);
    complete(n, null);
  }

  /** The bootstrap of {@code prefix} is in a version already published at {@code since}: readers may use it. */
  Entry install(byte[] prefix, long since) {
    String n = name(prefix);
    pending.remove(n);
    bootstrapping = pending.size();
    Entry e = new Entry(prefix.clone(), since, clock.incrementAndGet());
    mirrored.put(n, e);
    requested.remove(n);
    // Counted before the waiting readers are woken: a reader served from the prefix sees its bootstrap counted.
    bootstraps.incrementAndGet();
    complete(n, e);
    return e;
  }

  /**
   * A request that started no bootstrap: the next read asks again; with {@code abandon} (the mirror
   * is not serving) the readers waiting for the prefix stop waiting.
   */
  void cancelRequest(byte[] prefix, boolean abandon) {
    requested.remove(name(prefix));
    if (abandon) {
      complete(name(prefix), null);
    }
  }

  /** Where an event for {@code key} goes: an {@link Entry} (apply it), a {@link Pending} (buffer it), or null (drop it). */
  Object route(byte[] key) {
    byte[] p = pattern.prefixOf(key);
    if (p == null) {
      return null;
    }
    String n = name(p);
    Entry e = mirrored.get(n);
    return e != null ? e : pending.get(n);
  }

  /** The mirrored prefix read least recently, or null if none is mirrored. */
  Entry leastRecentlyRead() {
    Entry least = null;
    for (Entry e : mirrored.values()) {
      if (least == null || e.lastRead < least.lastRead) {
        least = e;
      }
    }
    return least;
  }

  /** Forgets {@code entry} before its keys leave the store (see the class comment). */
  void remove(Entry entry) {
    mirrored.remove(name(entry.prefix), entry);
  }

  /** A drop finished: the prefix's keys have left the store. */
  void dropped() {
    drops.incrementAndGet();
  }

  /** Forgets every prefix and cancels every bootstrap (a re-list or degradation), before the store goes. */
  void clear() {
    mirrored.clear();
    pending.clear();
    bootstrapping = 0;
    requested.clear();
    for (String n : List.copyOf(arrivals.keySet())) {
      complete(n, null);
    }
  }

  private void complete(String name, Entry entry) {
    CompletableFuture<Entry> waiting = arrivals.remove(name);
    if (waiting != null) {
      waiting.complete(entry);
    }
  }

  private static String name(byte[] prefix) {
    return new String(prefix, StandardCharsets.ISO_8859_1);
  }
}
