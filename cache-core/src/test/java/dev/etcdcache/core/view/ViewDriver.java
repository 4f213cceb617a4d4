package dev.etcdcache.core.view;

import dev.etcdcache.core.CacheConfig;
import static dev.etcdcache.core.view.TestObjects.bytes;

import dev.etcdcache.core.mirror.AppliedRevision;
import dev.etcdcache.core.mirror.KeyWrite;
import dev.etcdcache.core.store.StoreVersion;
import dev.etcdcache.core.store.StoredValue;
import dev.etcdcache.core.view.TestObjects.Obj;
import dev.etcdcache.core.view.TestObjects.ObjAdapter;
import java.util.List;
import java.util.concurrent.Executor;

/** A detached view over {@link TestObjects} and the store it is driven from, acting as the apply thread. */
final class ViewDriver {

  StoreVersion store;
  final MirrorView<Obj> view;

  ViewDriver(StoreVersion store, String prefix, Executor executor) {
    this.store = store;
    this.view = MirrorView.detached(store, prefix, new ObjAdapter(), executor,
        CacheConfig.defaults().historyEvents(), CacheConfig.defaults().watcherQueueLimit());
  }

  void put(long revision, String key, String value) {
    byte[] packed = StoredValue.pack(bytes(value), revision, revision, 1, 0);
    StoreVersion after = new StoreVersion(revision, store.tree().put(bytes(key), packed), 0);
    view.onRevision(new AppliedRevision(store, after, List.of(new KeyWrite(bytes(key), packed, store.tree().get(bytes(key))))));
    store = after;
  }

  void delete(long revision, String key) {
    StoreVersion after = new StoreVersion(revision, store.tree().remove(bytes(key)), 0);
    view.onRevision(new AppliedRevision(store, after, List.of(new KeyWrite(bytes(key), null, store.tree().get(bytes(key))))));
    store = after;
  }
}
