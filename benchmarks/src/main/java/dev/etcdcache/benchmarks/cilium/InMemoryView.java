package dev.etcdcache.benchmarks.cilium;

import dev.etcdcache.api.CacheEventListener;
import dev.etcdcache.api.CacheSnapshot;
import dev.etcdcache.api.CacheView;
import dev.etcdcache.api.IndexDefinition;
import dev.etcdcache.api.Query;
import dev.etcdcache.api.ReadConsistency;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * A fixed, never-changing {@link CacheView} over an in-memory key → object map, so the lookup
 * benchmark measures {@code CiliumState} alone, without etcd or the mirror. Only what
 * {@code CiliumCache.open} uses is implemented: a snapshot of everything and a watch that never fires.
 */
final class InMemoryView<T> implements CacheView<T> {

  private final TreeMap<String, T> objects;
  private final long revision;

  InMemoryView(TreeMap<String, T> objects, long revision) {
    this.objects = objects;
    this.revision = revision;
  }

  @Override
  public String prefix() {
    return "";
  }

  @Override
  public CompletableFuture<CacheSnapshot<T>> snapshot() {
    return snapshot(ReadConsistency.LINEARIZABLE);
  }

  @Override
  public CompletableFuture<CacheSnapshot<T>> snapshot(ReadConsistency consistency) {
    return CompletableFuture.completedFuture(latest());
  }

  @Override
  public CacheSnapshot<T> latest() {
    return new CacheSnapshot<>() {
      @Override
      public long revision() {
        return revision;
      }

      @Override
      public Optional<T> get(String key) {
        return Optional.ofNullable(objects.get(key));
      }

      @Override
      public List<T> list() {
        return new ArrayList<>(objects.values());
      }

      @Override
      public List<T> list(String keyPrefix) {
        throw new UnsupportedOperationException();
      }

      @Override
      public List<T> list(Query<T> query) {
        return list();
      }

      @Override
      public List<String> keys(Query<T> query) {
        return new ArrayList<>(objects.keySet());
      }

      @Override
      public int count(Query<T> query) {
        return objects.size();
      }

      @Override
      public int size() {
        return objects.size();
      }
    };
  }

  @Override
  public CompletableFuture<Void> addIndex(IndexDefinition<T> index) {
    throw new UnsupportedOperationException();
  }

  @Override
  public AutoCloseable watch(long fromRevision, Query<T> query, CacheEventListener<T> listener) {
    return () -> {};
  }

  @Override
  public long decodeFailures() {
    return 0;
  }

  @Override
  public void close() {}
}
