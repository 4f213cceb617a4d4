package dev.etcdcache.core.mirror;

import dev.etcdcache.api.Ticker;
import dev.etcdcache.btree.Batch;
import dev.etcdcache.core.stats.StatsRecorder;
import dev.etcdcache.core.store.EntryForms;
import dev.etcdcache.core.store.KeyRange;
import dev.etcdcache.core.store.StoreVersion;
import dev.etcdcache.core.store.StoredValue;
import dev.etcdcache.core.trace.Tracing;
import dev.etcdcache.core.wire.EtcdFailures;
import io.etcd.jetcd.KV;
import io.opentelemetry.api.trace.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a mirror's on-demand prefixes into its store and takes them out again: lists a prefix
 * when a reader asks (one bootstrap pinned at the applied revision, its first page sized from the
 * largest entry seen so far), puts the list and the prefix's buffered events into a version at the
 * applied revision, and drops the least recently read prefix under memory pressure.
 * {@link PrefixTable} holds each prefix's state and says why a reader can trust a version; this
 * class changes the store, in the order that table relies on.
 *
 * <p>{@link #request} is called from any thread; everything else runs on the mirror's apply thread.
 */
final class PrefixLister {

  // The mirror's logger: these lines belong to the mirror's story.
  private static final Logger LOG = LoggerFactory.getLogger(Mirror.class);

  /** Keys the on-demand mirror's list at start reads: a sample of entry sizes, not a listing. */
  static final int SAMPLE_KEYS = 100;
  /**
   * A prefix's first page holds at most this many times {@code firstPageLimit} keys, however small
   * its entries were guessed from others: a guess wrong by far costs etcd at most this multiple of
   * an unsized first page.
   */
  private static final int FIRST_PAGE_GROWTH = 16;

  private final PrefixTable table;
  private final KV kv;
  private final MirrorSettings settings;
  private final Executor applier;
  private final PublishedVersions versions;
  private final EntryForms forms;
  private final Ticker ticker;
  private final StatsRecorder stats;
  private final Tracing tracing;
  /** Whether the mirror may list a prefix now (serving, not closed, not re-listing). */
  private final BooleanSupplier listable;
  private final BooleanSupplier closed;
  /** Told of each version a prefix was installed into. */
  private final Consumer<StoreVersion> grew;
  /**
   * Apply thread only: the most wire bytes one entry of the on-demand ranges took in any list so far
   * (the sample at start, each prefix's bootstrap), 0 before one; sizes a prefix's first page.
   */
  private long largestEntrySeen;

  PrefixLister(PrefixTable table, KV kv, MirrorSettings settings, Executor applier, PublishedVersions versions,
      EntryForms forms, Ticker ticker, StatsRecorder stats, Tracing tracing, BooleanSupplier listable,
      BooleanSupplier closed, Consumer<StoreVersion> grew) {
    this.table = table;
    this.kv = kv;
    this.settings = settings;
    this.applier = applier;
    this.versions = versions;
    this.forms = forms;
    this.ticker = ticker;
    this.stats = stats;
    this.tracing = tracing;
    this.listable = listable;
    this.closed = closed;
    this.grew = grew;
  }

  /** A list (the sample at start, a prefix's bootstrap) saw an entry of {@code bytes} on the wire at most. */
  void sawEntries(long bytes) {
    largestEntrySeen = Math.max(largestEntrySeen, bytes);
  }

  /** Starts {@code prefix}'s bootstrap unless one is under way or it is known too large. Any thread. */
  void request(byte[] prefix) {
    // A prefix too large for the limits is not listed again before memoryRetry has passed.
    if (!closed.getAsBoolean() && table.request(prefix, ticker.read())) {
      applier.execute(() -> bootstrap(prefix));
    }
  }

  /** Lists {@code prefix} at the applied revision, then installs it. */
  private void bootstrap(byte[] prefix) {
    StoreVersion now = versions.current();
    if (!listable.getAsBoolean() || now == null) {
      table.cancelRequest(prefix, true);
      return;
    }
    PrefixTable.Pending pending = table.start(prefix, now.revision());
    if (pending == null) {
      table.cancelRequest(prefix, false); // mirrored or listing already: its waiters are told then
      return;
    }
    Span span = tracing.start(Tracing.BOOTSTRAP);
    span.setAttribute(Tracing.REASON, "on_demand");
    new Bootstrap(kv, List.of(KeyRange.prefix(prefix)), settings.pageBytes(), applier, stats, tracing, span)
        .atRevision(pending.from)
        .limitedTo(settings.maxEntries(), settings.storeBudget())
        .run(firstPage())
        .whenCompleteAsync((snapshot, failure) -> {
          Tracing.end(span, failure);
          if (closed.getAsBoolean() || !table.isCurrent(prefix, pending)) {
            return; // a re-list or degradation cancelled it
          }
          if (failure != null) {
            boolean tooLarge = EtcdFailures.unwrap(failure) instanceof MemoryLimitExceeded;
            table.failed(prefix, tooLarge, ticker.read() + settings.memoryRetry().toNanos());
            LOG.info("listing on-demand prefix {} failed ({}); the next read tries again", KeyRange.prefix(prefix),
                EtcdFailures.unwrap(failure).toString());
            return;
          }
          sawEntries(snapshot.largestEntry());
          install(prefix, pending, snapshot);
        }, applier);
  }

  /**
   * Keys in a prefix's first page: as many as fit {@code pageBytes} were every entry as large as
   * the largest seen in the on-demand ranges so far, so that a prefix of small entries is one Range
   * (its first page is not capped before sizes are known, as a list at start is); never fewer than
   * {@code firstPageLimit} (as before sizes were known) nor more than {@value #FIRST_PAGE_GROWTH}
   * times it. A page that still comes back over jetcd's inbound limit is asked again with a quarter
   * of the keys, as every page is.
   */
  private int firstPage() {
    int unsized = settings.firstPageLimit();
    if (largestEntrySeen == 0) {
      return unsized;
    }
    long fits = settings.pageBytes() / largestEntrySeen;
    return (int) Math.max(unsized, Math.min((long) FIRST_PAGE_GROWTH * unsized, fits));
  }

  /**
   * Puts a listed prefix and its buffered events into a version at the applied revision, publishes
   * it, and only then lets readers use the prefix (see {@link PrefixTable}).
   */
  private void install(byte[] prefix, PrefixTable.Pending pending, Bootstrap.Snapshot snapshot) {
    StoreVersion now = versions.current();
    Batch<byte[]> batch = now.tree().batch();
    long[] bytes = {versions.storedBytes()};
    snapshot.tree().forEach(null, null, false, 0, (key, stored) -> {
      batch.put(key, stored);
      bytes[0] += StoredValue.entryBytes(key, stored);
      return true;
    });
    for (PrefixTable.Buffered event : pending.events) {
      byte[] previous = event.stored() == null ? batch.remove(event.key()) : batch.put(event.key(), event.stored());
      if (event.stored() != null) {
        bytes[0] += StoredValue.entryBytes(event.key(), event.stored());
      }
      if (previous != null) {
        bytes[0] -= StoredValue.entryBytes(event.key(), previous);
      }
    }
    versions.setStoredBytes(bytes[0]);
    StoreVersion installed = new StoreVersion(now.revision(), batch.freeze(), ticker.read());
    versions.republish(installed);
    table.install(prefix, now.revision());
    grew.accept(installed);
  }

  /**
   * Drops the least recently read prefix (memory pressure): later reads of it go to etcd until a
   * read lists it again. False when none is mirrored.
   */
  boolean dropLeastRecentlyRead() {
    PrefixTable.Entry least = table.leastRecentlyRead();
    if (least == null) {
      return false;
    }
    // The entry goes before the keys (see PrefixTable): no reader trusts the version without them.
    table.remove(least);
    StoreVersion now = versions.current();
    KeyRange range = KeyRange.prefix(least.prefix());
    Batch<byte[]> batch = now.tree().batch();
    long[] bytes = {versions.storedBytes()};
    List<byte[]> keys = new ArrayList<>();
    List<byte[]> values = new ArrayList<>();
    now.tree().forEach(range.fromInclusive(), range.toExclusive(), false, 0, (key, stored) -> {
      keys.add(key);
      values.add(stored);
      bytes[0] -= StoredValue.entryBytes(key, stored);
      return true;
    });
    for (byte[] key : keys) {
      batch.remove(key);
    }
    versions.setStoredBytes(bytes[0]);
    versions.republish(new StoreVersion(now.revision(), batch.freeze(), ticker.read()));
    values.forEach(forms::forget); // a dropped prefix's values must not stay reachable through them
    table.dropped();
    LOG.debug("dropped on-demand prefix {} ({} keys)", KeyRange.prefix(least.prefix()), keys.size());
    return true;
  }
}
