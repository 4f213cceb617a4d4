package dev.etcdcache.core.inprocess;

import dev.etcdcache.api.Adapter;
import dev.etcdcache.api.CacheView;
import dev.etcdcache.btree.BPlusTree;
import dev.etcdcache.btree.Batch;
import dev.etcdcache.core.mirror.AppliedRevision;
import dev.etcdcache.core.mirror.KeyWrite;
import dev.etcdcache.core.store.StoreVersion;
import dev.etcdcache.core.store.StoredValue;
import dev.etcdcache.core.view.MirrorView;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * A typed view over an in-memory key space with no etcd and no mirror, driven by hand: the one
 * seam through which in-process benchmarks (JMH) reach the engine. The caller acts as the mirror's
 * apply thread: it prepares writes, then applies them one revision at a time; reads and watches go
 * through the ordinary {@link CacheView} it hands out.
 *
 * <p>Not a supported API: the package is not exported by {@code module-info.java}, and nothing
 * outside this project should use it. Not thread-safe for writers (one thread applies); the view
 * itself is as thread-safe as any {@link CacheView}.
 *
 * @param <T> the object type
 */
public final class DetachedView<T> implements AutoCloseable {

  /** A write prepared ahead of time, so applying it measures the view's work alone. */
  public static final class Write {
    private final byte[] key;
    private final byte[] stored;

    private Write(byte[] key, byte[] stored) {
      this.key = key;
      this.stored = stored;
    }
  }

  private final MirrorView<T> view;
  private StoreVersion store;

  private DetachedView(MirrorView<T> view, StoreVersion store) {
    this.view = view;
    this.store = store;
  }

  /**
   * A view of {@code entries} (key → value, all at revision 1) under {@code prefix}, built at once.
   * Callbacks and waiting reads run on {@code executor}; the view keeps {@code historyChanges}
   * changes and queues {@code watcherQueueLimit} revisions per watcher.
   */
  public static <T> DetachedView<T> over(String prefix, Adapter<T> adapter, Iterable<Map.Entry<byte[], byte[]>> entries,
      Executor executor, int historyChanges, int watcherQueueLimit) {
    Batch<byte[]> batch = BPlusTree.<byte[]>empty().batch();
    for (Map.Entry<byte[], byte[]> e : entries) {
      batch.put(e.getKey(), StoredValue.pack(e.getValue(), 1, 1, 1, 0));
    }
    StoreVersion store = new StoreVersion(1, batch.freeze(), 0);
    return new DetachedView<>(MirrorView.detached(store, prefix, adapter, executor, historyChanges,
        watcherQueueLimit), store);
  }

  /** The view, for reads, snapshots and watches. */
  public CacheView<T> view() {
    return view;
  }

  /** A write of {@code value} to {@code key} ({@code null}: a delete), to apply later. */
  public Write prepare(byte[] key, byte[] value) {
    return new Write(key, value == null ? null : StoredValue.pack(value, 2, 2, 2, 0));
  }

  /**
   * Applies {@code write} as revision {@code revision} (greater than every earlier one). The view
   * is told of it as the mirror would tell it, except that the key space the view was built from
   * is not changed and no previous value is looked up (a view takes its previous objects from
   * itself).
   */
  public void apply(long revision, Write write) {
    StoreVersion after = store.advancedTo(revision, 0);
    view.onRevision(new AppliedRevision(store, after, List.of(new KeyWrite(write.key, write.stored, null))));
    store = after;
  }

  @Override
  public void close() {
    view.close();
  }
}
