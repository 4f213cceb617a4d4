package dev.etcdcache.core.verify;

import dev.etcdcache.core.mirror.Mirror;
import dev.etcdcache.core.store.KeyRange;
import dev.etcdcache.core.store.RangeEvaluator;
import dev.etcdcache.core.store.StoreVersion;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shadow mode: reads are answered by etcd; for a sample of them the cache's answer at the same
 * revision (etcd's header revision, or the revision asked for) is computed in the background from
 * the mirror's version exact at that revision and compared with etcd's field by field (every kv's
 * key, value, create/mod revision, version and lease; count; more). A mismatch is counted by
 * operation (a Get of one key or a List of a range) and kind, and logged with the key, revision
 * and a short diff. The caller's cost is one random draw per read; the comparison runs on the
 * callback executor, never on the caller's thread.
 *
 * <p>A sampled read whose revision the mirror does not reach within the wait, or no longer holds,
 * is counted as skipped, never as a mismatch. Thread-safe.
 */
public final class ShadowReads {

  /** What a read was. */
  public enum Operation { GET, LIST }

  /** What differed. */
  public enum Kind { KVS, COUNT, MORE }

  private static final Logger LOG = LoggerFactory.getLogger(ShadowReads.class);
  private static final int KEPT = 20;

  private final Mirror mirror;
  private final double sampleRate;
  private final Executor callbacks;
  private final long waitMillis;
  private final AtomicLong sampled = new AtomicLong();
  private final AtomicLong compared = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private final AtomicLongArray mismatches = new AtomicLongArray(Operation.values().length * Kind.values().length);
  private final ConcurrentLinkedDeque<String> recent = new ConcurrentLinkedDeque<>();

  /** Samples {@code sampleRate} (0 to 1) of reads; waits at most {@code waitMillis} for the mirror. */
  public ShadowReads(Mirror mirror, double sampleRate, Executor callbacks, long waitMillis) {
    if (!(sampleRate > 0 && sampleRate <= 1)) {
      throw new IllegalArgumentException("sample rate must be in (0, 1]: " + sampleRate);
    }
    this.mirror = mirror;
    this.sampleRate = sampleRate;
    this.callbacks = callbacks;
    this.waitMillis = waitMillis;
  }

  /** Offers etcd's answer to {@code request}; a sampled one is compared in the background. */
  public void offer(RangeRequest request, RangeResponse etcd) {
    if (sampleRate < 1 && ThreadLocalRandom.current().nextDouble() >= sampleRate) {
      return;
    }
    if (request.getKey().isEmpty() || !mirror.covers(KeyRange.of(request.getKey(), request.getRangeEnd()))) {
      return; // the cache would pass it to etcd too: nothing of the cache's to compare
    }
    sampled.incrementAndGet();
    long revision = request.getRevision() > 0 ? request.getRevision() : etcd.getHeader().getRevision();
    mirror.awaitRevision(revision).orTimeout(waitMillis, TimeUnit.MILLISECONDS)
        .whenCompleteAsync((reached, failure) -> {
          StoreVersion version = failure == null ? mirror.versionAt(revision).orElse(null) : null;
          if (version == null || !mirror.isServing()) {
            skipped.incrementAndGet();
            return;
          }
          compare(request, etcd, RangeEvaluator.evaluate(request, version, etcd.getHeader()), revision);
        }, callbacks);
  }

  private void compare(RangeRequest request, RangeResponse etcd, RangeResponse cache, long revision) {
    compared.incrementAndGet();
    Operation op = request.getRangeEnd().isEmpty() ? Operation.GET : Operation.LIST;
    String key = request.getKey().toStringUtf8();
    if (etcd.getCount() != cache.getCount()) {
      mismatch(op, Kind.COUNT, key, revision, "count " + etcd.getCount() + " vs " + cache.getCount());
    }
    if (etcd.getMore() != cache.getMore()) {
      mismatch(op, Kind.MORE, key, revision, "more " + etcd.getMore() + " vs " + cache.getMore());
    }
    String kvs = diff(etcd.getKvsList(), cache.getKvsList());
    if (kvs != null) {
      mismatch(op, Kind.KVS, key, revision, kvs);
    }
  }

  /** The first difference between two kv lists, etcd's first, or null. */
  private static String diff(List<KeyValue> etcd, List<KeyValue> cache) {
    int n = Math.min(etcd.size(), cache.size());
    for (int i = 0; i < n; i++) {
      KeyValue e = etcd.get(i);
      KeyValue c = cache.get(i);
      if (!e.equals(c)) {
        List<String> fields = new ArrayList<>();
        if (!e.getKey().equals(c.getKey())) {
          fields.add("key " + e.getKey().toStringUtf8() + " vs " + c.getKey().toStringUtf8());
        }
        if (!e.getValue().equals(c.getValue())) {
          fields.add("value " + e.getValue().size() + " B vs " + c.getValue().size() + " B");
        }
        if (e.getModRevision() != c.getModRevision()) {
          fields.add("mod " + e.getModRevision() + " vs " + c.getModRevision());
        }
        if (e.getCreateRevision() != c.getCreateRevision()) {
          fields.add("create " + e.getCreateRevision() + " vs " + c.getCreateRevision());
        }
        if (e.getVersion() != c.getVersion()) {
          fields.add("version " + e.getVersion() + " vs " + c.getVersion());
        }
        if (e.getLease() != c.getLease()) {
          fields.add("lease " + e.getLease() + " vs " + c.getLease());
        }
        return "kv " + i + " (" + e.getKey().toStringUtf8() + "): " + String.join(", ", fields);
      }
    }
    return etcd.size() == cache.size() ? null : "kvs " + etcd.size() + " vs " + cache.size();
  }

  private void mismatch(Operation op, Kind kind, String key, long revision, String detail) {
    String line = op + " " + kind + " " + key + " @" + revision + ": " + detail;
    recent.addFirst(line);
    while (recent.size() > KEPT) {
      recent.pollLast();
    }
    // Counted after it is listed: a report that counts it also lists it.
    mismatches.incrementAndGet(op.ordinal() * Kind.values().length + kind.ordinal());
    LOG.warn("shadow read differs from etcd: {}", line);
  }

  /** Reads sampled. */
  public long sampled() {
    return sampled.get();
  }

  /** Sampled reads compared. */
  public long compared() {
    return compared.get();
  }

  /** Sampled reads not compared (revision not reached in time or not held). */
  public long skipped() {
    return skipped.get();
  }

  /** Mismatches of one operation and kind. */
  public long mismatches(Operation op, Kind kind) {
    return mismatches.get(op.ordinal() * Kind.values().length + kind.ordinal());
  }

  /** The latest mismatches, newest first (at most 20). */
  public List<String> recent() {
    return List.copyOf(recent);
  }
}
