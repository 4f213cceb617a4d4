package dev.etcdcache.adapter.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.etcdcache.api.CacheEvent;
import dev.etcdcache.api.CacheEventListener;
import dev.etcdcache.api.CacheSnapshot;
import dev.etcdcache.api.CacheView;
import dev.etcdcache.api.IndexDefinition;
import dev.etcdcache.api.Query;
import dev.etcdcache.api.ReadConsistency;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The watch side of a selection on a view that passes everything its index query matched. */
class SelectionTest {

  private final KubernetesAdapter adapter = KubernetesAdapter.standard();
  private final CapturingView view = new CapturingView();
  private final List<String> received = new ArrayList<>();

  @Test
  void watch_residualSelector_convertsOldAndNewStatesLikeKubeApiserver() {
    Selection selection = adapter.select(null, "app=web,tier!=db", "");
    assertThat(selection.exact()).isFalse();
    selection.watch(view, 41, listener());
    assertThat(view.fromRevision).as("events after the resourceVersion").isEqualTo(42);
    assertThat(view.query).isEqualTo(Query.eq(adapter.labelIndex(), "app=web"));

    KubeObject web = pod("a", Map.of("app", "web", "tier", "fe"));
    KubeObject webDb = pod("a", Map.of("app", "web", "tier", "db"));
    view.listener.onEvent(new CacheEvent<>(CacheEvent.Type.CREATED, web.key(), web, null, 42));
    view.listener.onRevisionEnd(42);
    view.listener.onEvent(new CacheEvent<>(CacheEvent.Type.UPDATED, web.key(), webDb, web, 43));
    view.listener.onRevisionEnd(43);
    view.listener.onEvent(new CacheEvent<>(CacheEvent.Type.UPDATED, web.key(), webDb, webDb, 44));
    view.listener.onRevisionEnd(44);
    view.listener.onEvent(new CacheEvent<>(CacheEvent.Type.UPDATED, web.key(), web, webDb, 45));
    view.listener.onEvent(new CacheEvent<>(CacheEvent.Type.UPDATED, web.key(), web, web, 46));
    view.listener.onEvent(new CacheEvent<>(CacheEvent.Type.DELETED, web.key(), null, web, 47));

    assertThat(received).containsExactly(
        "CREATED a rv=42", "end 42",
        "DELETED a rv=-1", "end 43",
        "CREATED a rv=45",
        "UPDATED a rv=46",
        "DELETED a rv=-1");
  }

  private CacheEventListener<KubeObject> listener() {
    return new CacheEventListener<>() {
      @Override
      public void onEvent(CacheEvent<KubeObject> event) {
        KubeObject o = event.object();
        received.add(event.type() + " " + (o != null ? o.name() : event.previous().name()) + " rv="
            + (o == null ? -1 : o.resourceVersion()));
      }

      @Override
      public void onRevisionEnd(long revision) {
        received.add("end " + revision);
      }
    };
  }

  private static KubeObject pod(String name, Map<String, String> labels) {
    return new KubeObject("/registry/pods/default/" + name, "v1", "Pod", "default", name, "u-" + name, labels, Map.of(),
        List.of(), 0, ValueEncoding.JSON, null, Map.of(), ByteString.EMPTY, "");
  }

  /** Records the watch request; nothing else is used. */
  private static final class CapturingView implements CacheView<KubeObject> {
    long fromRevision = -1;
    Query<KubeObject> query;
    CacheEventListener<KubeObject> listener;

    @Override
    public AutoCloseable watch(long fromRevision, Query<KubeObject> query, CacheEventListener<KubeObject> listener) {
      this.fromRevision = fromRevision;
      this.query = query;
      this.listener = listener;
      return () -> {};
    }

    @Override public String prefix() {
      return "/registry/pods/";
    }
    @Override public CompletableFuture<CacheSnapshot<KubeObject>> snapshot() {
      throw new UnsupportedOperationException();
    }
    @Override public CompletableFuture<CacheSnapshot<KubeObject>> snapshot(ReadConsistency consistency) {
      throw new UnsupportedOperationException();
    }
    @Override public CacheSnapshot<KubeObject> latest() {
      throw new UnsupportedOperationException();
    }
    @Override public CompletableFuture<Void> addIndex(IndexDefinition<KubeObject> index) {
      throw new UnsupportedOperationException();
    }
    @Override public long decodeFailures() {
      return 0;
    }
    @Override public void close() {}
  }
}
