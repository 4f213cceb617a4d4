package dev.etcdcache.core.mirror;

import com.google.protobuf.UnsafeByteOperations;
import dev.etcdcache.core.store.StoreVersion;
import dev.etcdcache.core.store.StoredValue;
import io.etcd.jetcd.api.Event;
import java.util.ArrayList;
import java.util.List;

/**
 * One revision the mirror applied, handed to every {@link RevisionListener}: the versions before
 * and after, and the writes inside the mirrored ranges in the stored form ({@link #writes()}), so a
 * consumer that wants keys and values (a typed view) takes them without a detour through protobuf.
 * {@link #events()} gives etcd's wire form, built once, on first use, and shared by every consumer
 * that wants it (the watch hub).
 *
 * <p>Made and first used on the apply thread; {@link #events()} may be called from any thread.
 */
public final class AppliedRevision {

  private final StoreVersion before;
  private final StoreVersion after;
  private final List<KeyWrite> writes;
  private volatile List<Event> events;

  /** {@code writes} (never empty, in etcd's order) took the mirror from {@code before} to {@code after}. */
  public AppliedRevision(StoreVersion before, StoreVersion after, List<KeyWrite> writes) {
    if (writes.isEmpty()) {
      throw new IllegalArgumentException("a revision with no writes at " + after.revision());
    }
    this.before = before;
    this.after = after;
    this.writes = List.copyOf(writes);
  }

  /** The version before this revision. */
  public StoreVersion before() {
    return before;
  }

  /** The version this revision published. */
  public StoreVersion after() {
    return after;
  }

  /** The revision. */
  public long revision() {
    return after.revision();
  }

  /** The writes, in etcd's event order; never empty. */
  public List<KeyWrite> writes() {
    return writes;
  }

  /**
   * etcd's events for these writes, each with {@code prev_kv} (absent for a create), as etcd sends
   * them to a watcher asking for prevKV; a delete's kv holds only the key and the deletion's mod
   * revision, as etcd's does.
   */
  public List<Event> events() {
    List<Event> built = events;
    if (built == null) {
      synchronized (this) {
        built = events;
        if (built == null) {
          built = build();
          events = built;
        }
      }
    }
    return built;
  }

  private List<Event> build() {
    List<Event> out = new ArrayList<>(writes.size());
    for (KeyWrite w : writes) {
      Event.Builder e = Event.newBuilder();
      if (w.isDelete()) {
        e.setType(Event.EventType.DELETE).setKv(io.etcd.jetcd.api.KeyValue.newBuilder()
            .setKey(UnsafeByteOperations.unsafeWrap(w.key()))
            .setModRevision(after.revision()));
      } else {
        e.setType(Event.EventType.PUT).setKv(StoredValue.toKeyValue(w.key(), w.stored()));
      }
      if (w.previous() != null) {
        e.setPrevKv(StoredValue.toKeyValue(w.key(), w.previous()));
      }
      out.add(e.build());
    }
    return List.copyOf(out);
  }
}
