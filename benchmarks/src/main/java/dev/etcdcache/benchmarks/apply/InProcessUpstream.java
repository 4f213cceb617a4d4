package dev.etcdcache.benchmarks.apply;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Cluster;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.Lock;
import io.etcd.jetcd.Maintenance;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.kv.CompactResponse;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.TxnOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An etcd stand-in inside the benchmark's JVM, for measuring what the cache does with a revision
 * once it has it: Range pages (for the bootstrap and the cache's probes) from a sorted map, and
 * watch responses the benchmark pushes, delivered on the pushing thread as jetcd delivers them on
 * its event loop. Nothing else of etcd (no writes through it, no leases, no auth).
 *
 * <p>Not a test double: no test uses it, and nothing is checked against it. Its one job is to take
 * the network and etcd's own write rate out of an apply-rate measurement (issue 17), which real
 * etcd on two cores could not feed at a million events a second.
 */
final class InProcessUpstream implements Client {

  private static final Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();

  private final NavigableMap<ByteString, KeyValue> keys = new TreeMap<>(ORDER);
  private final List<Subscription> watches = new CopyOnWriteArrayList<>();
  private volatile long revision = 1;
  private final Kv kv = new Kv();
  private final Watches watch = new Watches();

  /** Holds {@code key → value} at revision 1 (before any cache reads). */
  synchronized void load(byte[] key, byte[] value) {
    keys.put(ByteString.copyFrom(key), KeyValue.newBuilder().setKey(ByteString.copyFrom(key))
        .setValue(ByteString.copyFrom(value)).setCreateRevision(1).setModRevision(1).setVersion(1).build());
  }

  /**
   * Commits one revision putting every {@code (key, value)} and pushes it to the watches whose
   * range holds any of them (one response per watch), on the calling thread; its revision.
   */
  long commit(List<Map.Entry<byte[], byte[]>> puts) {
    List<Event> events = new ArrayList<>(puts.size());
    long next;
    synchronized (this) {
      next = revision + 1;
      for (Map.Entry<byte[], byte[]> put : puts) {
        ByteString key = ByteString.copyFrom(put.getKey());
        KeyValue before = keys.get(key);
        KeyValue after = KeyValue.newBuilder().setKey(key).setValue(ByteString.copyFrom(put.getValue()))
            .setCreateRevision(before == null ? next : before.getCreateRevision()).setModRevision(next)
            .setVersion(before == null ? 1 : before.getVersion() + 1).build();
        keys.put(key, after);
        Event.Builder event = Event.newBuilder().setType(Event.EventType.PUT).setKv(after);
        if (before != null) {
          event.setPrevKv(before);
        }
        events.add(event.build());
      }
      revision = next;
    }
    for (Subscription s : watches) {
      s.deliver(events);
    }
    return next;
  }

  private ResponseHeader header() {
    return ResponseHeader.newBuilder().setClusterId(1).setMemberId(1).setRaftTerm(2).setRevision(revision).build();
  }

  @Override
  public KV getKVClient() {
    return kv;
  }

  @Override
  public Watch getWatchClient() {
    return watch;
  }

  @Override
  public Auth getAuthClient() {
    throw notServed();
  }

  @Override
  public Cluster getClusterClient() {
    throw notServed();
  }

  @Override
  public Maintenance getMaintenanceClient() {
    throw notServed();
  }

  @Override
  public Lease getLeaseClient() {
    throw notServed();
  }

  @Override
  public Lock getLockClient() {
    throw notServed();
  }

  @Override
  public Election getElectionClient() {
    throw notServed();
  }

  @Override
  public void close() {
    watches.clear();
  }

  /** What every client but KV and Watch answers: the benchmark feeds the cache nothing else. */
  private static UnsupportedOperationException notServed() {
    return new UnsupportedOperationException("in-process upstream: KV reads and watches only");
  }

  /** Range reads over the map at its current revision (the cache pins pages at that revision). */
  private final class Kv implements KV {

    @Override
    public CompletableFuture<GetResponse> get(ByteSequence key) {
      return get(key, GetOption.DEFAULT);
    }

    @Override
    public CompletableFuture<GetResponse> get(ByteSequence key, GetOption option) {
      synchronized (InProcessUpstream.this) {
        return CompletableFuture.completedFuture(new GetResponse(range(key, option), ByteSequence.EMPTY));
      }
    }

    private RangeResponse range(ByteSequence key, GetOption option) {
      ByteString from = ByteString.copyFrom(key.getBytes());
      RangeResponse.Builder response = RangeResponse.newBuilder().setHeader(header());
      Map<ByteString, KeyValue> range;
      if (option.getEndKey().isPresent()) {
        byte[] end = option.getEndKey().get().getBytes();
        if (end.length == 1 && end[0] == 0) {
          range = keys.tailMap(from, true);
        } else {
          ByteString to = ByteString.copyFrom(end);
          range = ORDER.compare(from, to) >= 0 ? Map.of() : keys.subMap(from, true, to, false);
        }
      } else {
        KeyValue one = keys.get(from);
        range = one == null ? Map.of() : Map.of(from, one);
      }
      response.setCount(range.size());
      if (!option.isCountOnly()) {
        long limit = option.getLimit();
        int taken = 0;
        for (KeyValue kv : range.values()) {
          if (limit > 0 && taken == limit) {
            response.setMore(true);
            break;
          }
          response.addKvs(option.isKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
          taken++;
        }
      }
      return response.build();
    }

    @Override
    public CompletableFuture<PutResponse> put(ByteSequence key, ByteSequence value) {
      return unsupported();
    }

    @Override
    public CompletableFuture<PutResponse> put(ByteSequence key, ByteSequence value, PutOption option) {
      return unsupported();
    }

    @Override
    public CompletableFuture<DeleteResponse> delete(ByteSequence key) {
      return unsupported();
    }

    @Override
    public CompletableFuture<DeleteResponse> delete(ByteSequence key, DeleteOption option) {
      return unsupported();
    }

    @Override
    public CompletableFuture<CompactResponse> compact(long rev) {
      return unsupported();
    }

    @Override
    public CompletableFuture<CompactResponse> compact(long rev, CompactOption option) {
      return unsupported();
    }

    @Override
    public Txn txn() {
      throw new UnsupportedOperationException("in-process upstream: reads only");
    }

    @Override
    public Txn txn(TxnOption option) {
      throw new UnsupportedOperationException("in-process upstream: reads only");
    }

    @Override
    public void close() {}

    private <T> CompletableFuture<T> unsupported() {
      return CompletableFuture.failedFuture(new UnsupportedOperationException("in-process upstream: reads only"));
    }
  }

  /** Watches that receive what {@link #commit} pushes, and progress notifications on request. */
  private final class Watches implements Watch {

    @Override
    public Watcher watch(ByteSequence key, WatchOption option, Listener listener) {
      ByteString from = ByteString.copyFrom(key.getBytes());
      ByteString to = option.getEndKey().map(e -> ByteString.copyFrom(e.getBytes())).orElse(null);
      Subscription s = new Subscription(from, to, option.isPrevKV(), listener);
      watches.add(s);
      if (option.isCreatedNotify()) {
        listener.onNext(new WatchResponse(io.etcd.jetcd.api.WatchResponse.newBuilder().setHeader(header())
            .setCreated(true).build()));
      }
      return s;
    }

    @Override
    public void requestProgress() {
      for (Subscription s : watches) {
        s.requestProgress();
      }
    }

    @Override
    public void close() {
      watches.clear();
    }
  }

  /** One watch: its range, whether it wants previous values, its listener. */
  private final class Subscription implements Watch.Watcher {
    private final ByteString from;
    private final ByteString to; // null: the one key; "\0": every key from `from`
    private final boolean prevKv;
    private final Watch.Listener listener;
    private volatile boolean closed;

    Subscription(ByteString from, ByteString to, boolean prevKv, Watch.Listener listener) {
      this.from = from;
      this.to = to;
      this.prevKv = prevKv;
      this.listener = listener;
    }

    void deliver(List<Event> events) {
      if (closed) {
        return;
      }
      io.etcd.jetcd.api.WatchResponse.Builder response = io.etcd.jetcd.api.WatchResponse.newBuilder()
          .setHeader(header());
      for (Event e : events) {
        if (holds(e.getKv().getKey())) {
          response.addEvents(prevKv ? e : e.toBuilder().clearPrevKv().build());
        }
      }
      if (response.getEventsCount() > 0) {
        listener.onNext(new WatchResponse(response.build()));
      }
    }

    private boolean holds(ByteString key) {
      if (to == null) {
        return key.equals(from);
      }
      if (ORDER.compare(key, from) < 0) {
        return false;
      }
      return (to.size() == 1 && to.byteAt(0) == 0) || ORDER.compare(key, to) < 0;
    }

    @Override
    public void requestProgress() {
      if (!closed) {
        listener.onNext(new WatchResponse(io.etcd.jetcd.api.WatchResponse.newBuilder().setHeader(header()).build()));
      }
    }

    @Override
    public void close() {
      closed = true;
      watches.remove(this);
    }

    @Override
    public boolean isClosed() {
      return closed;
    }
  }
}
