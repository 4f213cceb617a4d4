package dev.etcdcache.core.mirror;

import dev.etcdcache.core.wire.EtcdFailures;
import dev.etcdcache.core.wire.WireForm;
import dev.etcdcache.btree.BPlusTree;
import dev.etcdcache.btree.Batch;
import dev.etcdcache.core.stats.StatsRecorder;
import dev.etcdcache.core.store.KeyRange;
import dev.etcdcache.core.store.HeapCost;
import dev.etcdcache.core.store.StoredValue;
import dev.etcdcache.core.trace.Tracing;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Reads every mirrored range at one revision R with few, large Range pages, all pinned at R.
 *
 * <p>Pages are sized by bytes, since a response above jetcd's default 4 MiB inbound limit fails
 * with RESOURCE_EXHAUSTED: the first page asks for a modest number of keys; each next page is
 * sized from the bytes per key seen so far; a page that is still too large is retried with a
 * quarter of the keys. Each page's key interval is bounded by {@link SubRanges} to about the keys
 * it will hold, because etcd walks the whole interval of a Range whatever its limit. One run is
 * used once, on the mirror's apply executor.
 */
final class Bootstrap {

  /**
   * What a finished bootstrap hands the mirror; {@code largestEntry} is the most wire bytes one
   * entry took (key, value and {@value #WIRE_OVERHEAD} for its metadata), 0 if none was read.
   */
  record Snapshot(long revision, BPlusTree<byte[]> tree, ResponseHeader header, int pages, long bytes,
      long largestEntry) {}

  /** Wire bytes counted per entry beyond its key and value: revisions, version, lease, framing. */
  static final int WIRE_OVERHEAD = 24;

  private final KV kv;
  private final List<KeyRange> ranges;
  private final int pageBytes;
  private final Executor applier;
  private final StatsRecorder stats;
  private final Tracing tracing;
  private final Span span;
  private long rawBytes;
  private final Batch<byte[]> batch = BPlusTree.<byte[]>empty().batch();
  private long revision;
  private long bytesSeen;
  private long keysSeen;
  private long largestEntry;
  /** Read the first page of the first range only (a sample), not the whole ranges. */
  private boolean onePage;
  private int pages;
  private ResponseHeader header = ResponseHeader.getDefaultInstance();
  /** Most keys and estimated store bytes the list may hold (0: no limit); past either it stops. */
  private long maxEntries;
  private long maxBytes;
  /** Set once the list went over a limit: pages still in flight are dropped, not absorbed. */
  private boolean stopped;
  /** The keys the mirror held before this re-list (null on a first list), whose arrays it reuses. */
  private BPlusTree<byte[]> previous;

  Bootstrap(KV kv, List<KeyRange> ranges, int pageBytes, Executor applier, StatsRecorder stats) {
    this(kv, ranges, pageBytes, applier, stats, Tracing.disabled(), Span.getInvalid());
  }

  /** A bootstrap tracing each page as a child of {@code span}. */
  Bootstrap(KV kv, List<KeyRange> ranges, int pageBytes, Executor applier, StatsRecorder stats, Tracing tracing,
      Span span) {
    this.tracing = tracing;
    this.span = span;
    this.stats = stats;
    this.kv = kv;
    this.ranges = ranges;
    this.pageBytes = pageBytes;
    this.applier = applier;
  }

  /**
   * Stops the list, failing it with {@link MemoryLimitExceeded}, as soon as what it read would hold
   * more than {@code maxEntries} keys or {@code maxBytes} estimated store bytes (0: no limit), so
   * that a keyspace larger than the cache's limits never has to fit in the heap first.
   */
  Bootstrap limitedTo(long maxEntries, long maxBytes) {
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
    return this;
  }

  /**
   * Builds the new tree out of {@code held}'s key and value arrays wherever an entry is unchanged
   * (equal bytes and revisions), so that while a re-list runs the old and the new tree
   * share every unchanged entry: the peak is the old tree plus the new tree's nodes and the changed
   * entries, not two copies of the keyspace.
   */
  Bootstrap sharing(BPlusTree<byte[]> held) {
    this.previous = held;
    return this;
  }

  /**
   * Reads every page at {@code revision} (an on-demand prefix listed at the mirror's applied
   * revision, so that the events after it can be applied on top) instead of etcd's current one.
   */
  Bootstrap atRevision(long revision) {
    this.revision = revision;
    return this;
  }

  /**
   * Reads only the first page (of {@code firstPageLimit} keys) of the first range: a sample that
   * learns a revision and how large entries are, for a mirror that lists its prefixes later.
   */
  Bootstrap onePage() {
    this.onePage = true;
    return this;
  }

  /** Runs the whole read; the future completes on the apply executor. */
  CompletableFuture<Snapshot> run(int firstPageLimit) {
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (KeyRange range : onePage ? ranges.subList(0, 1) : ranges) {
      SubRanges sub = new SubRanges(range.toExclusive());
      chain = chain.thenComposeAsync(v -> readRange(range.fromInclusive(), range, sub, firstPageLimit), applier);
    }
    return chain.thenApply(v -> new Snapshot(revision, batch.freeze(), header, pages, rawBytes, largestEntry));
  }

  private CompletableFuture<Void> readRange(byte[] from, KeyRange range, SubRanges sub, int limit) {
    byte[] to = sub.endFor(from, limit);
    GetOption.Builder option = GetOption.builder()
        .withRange(ByteSequence.from(to != null ? to : range.rangeEnd()))
        .withLimit(limit);
    if (revision > 0) {
      option.withRevision(revision);
    }
    stats.recordRpc(StatsRecorder.Rpc.BOOTSTRAP_RANGE);
    Span page = tracing.startChild(Tracing.PAGE, span);
    return kv.get(ByteSequence.from(from), option.build())
        .handleAsync((response, failure) -> {
          if (response != null) {
            page.setAttribute(Tracing.KEYS, (long) response.getKvs().size());
          }
          Tracing.end(page, failure);
          if (stopped) {
            return CompletableFuture.<Void>completedFuture(null);
          }
          if (failure != null) {
            if (isTooLarge(failure) && limit > 1) {
              return readRange(from, range, sub, Math.max(1, limit / 4));
            }
            return CompletableFuture.<Void>failedFuture(failure);
          }
          if (revision == 0) {
            revision = response.getHeader().getRevision();
          }
          List<io.etcd.jetcd.KeyValue> kvs = response.getKvs();
          for (io.etcd.jetcd.KeyValue kv : kvs) {
            long entry = kv.getKey().size() + kv.getValue().size() + WIRE_OVERHEAD;
            bytesSeen += entry;
            largestEntry = Math.max(largestEntry, entry);
          }
          keysSeen += kvs.size();
          boolean cut = response.isMore() && !kvs.isEmpty();
          byte[] first = kvs.isEmpty() ? null : kvs.get(0).getKey().getBytes();
          byte[] last = kvs.isEmpty() ? null : kvs.get(kvs.size() - 1).getKey().getBytes();
          int nextLimit = nextLimit();
          sub.observe(from, to, response.getCount(), kvs.size(), first, last, cut, nextLimit);
          // Ask for the next page before absorbing this one, so etcd and this thread work at once.
          // The next page starts after this one's last key, or at the next sub-range; a sample has none.
          byte[] resume = onePage ? null : cut ? successor(last) : to;
          CompletableFuture<Void> next = resume == null ? CompletableFuture.completedFuture(null)
              : readRange(resume, range, sub, nextLimit);
          absorb(response);
          MemoryLimitExceeded over = overLimit();
          if (over != null) {
            stopped = true; // the page already asked for is dropped when it arrives
            return CompletableFuture.<Void>failedFuture(over);
          }
          return next;
        }, applier)
        .thenCompose(f -> f);
  }

  private void absorb(GetResponse response) {
    pages++;
    header = WireForm.header(response.getHeader()).toBuilder().setRevision(revision).build();
    List<io.etcd.jetcd.KeyValue> kvs = response.getKvs();
    HeldEntries held = HeldEntries.of(previous, kvs);
    for (io.etcd.jetcd.KeyValue kv : kvs) {
      byte[] key = kv.getKey().getBytes();
      byte[] value = kv.getValue().getBytes();
      byte[] stored;
      if (held.advanceTo(key) && held.holds(kv, value)) {
        key = held.key();
        stored = held.stored();
      } else {
        stored = StoredValue.pack(value, kv.getCreateRevision(), kv.getModRevision(), kv.getVersion(), kv.getLease());
      }
      batch.put(key, stored);
      rawBytes += StoredValue.entryBytes(key, stored);
    }
  }

  private MemoryLimitExceeded overLimit() {
    long entries = batch.size();
    long bytes = rawBytes + entries * HeapCost.ENTRY_OVERHEAD;
    long perEntry = entries == 0 ? 0 : bytes / entries;
    if (maxEntries > 0 && entries > maxEntries) {
      return new MemoryLimitExceeded("listing found more than " + maxEntries + " keys (maxEntries)", perEntry);
    }
    if (maxBytes > 0 && bytes > maxBytes) {
      return new MemoryLimitExceeded("listing reached " + bytes + " estimated bytes, over the memory budget of "
          + maxBytes, perEntry);
    }
    return null;
  }

  private int nextLimit() {
    long perKey = Math.max(1, bytesSeen / Math.max(1, keysSeen));
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, pageBytes / perKey));
  }

  private static byte[] successor(byte[] key) {
    return Arrays.copyOf(key, key.length + 1);
  }

  private static boolean isTooLarge(Throwable failure) {
    return EtcdFailures.hasCode(failure, Status.Code.RESOURCE_EXHAUSTED);
  }
}
