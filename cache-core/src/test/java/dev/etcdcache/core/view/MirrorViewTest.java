package dev.etcdcache.core.view;

import static dev.etcdcache.core.view.TestObjects.LABEL;
import static dev.etcdcache.core.view.TestObjects.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etcdcache.api.CacheClosedException;
import dev.etcdcache.api.CacheEvent;
import dev.etcdcache.api.CacheEventListener;
import dev.etcdcache.api.IndexDefinition;
import dev.etcdcache.api.Query;
import dev.etcdcache.core.store.StoreVersion;
import dev.etcdcache.core.view.TestObjects.Obj;
import io.etcd.jetcd.common.exception.CompactedException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The view driven by hand (detached, same-thread executor): publication, watches, addIndex, close. */
class MirrorViewTest {

  private final ViewDriver driver = new ViewDriver(
      TestObjects.store(10, "t/a", "prod|web|a", "t/b", "ops|db|b", "u/x", "prod|web|x"), "t/", Runnable::run);
  private final MirrorView<Obj> view = driver.view;

  @Test
  void build_holdsOnlyThePrefix_atTheStoreRevision() {
    assertThat(view.latest().revision()).isEqualTo(10);
    assertThat(view.latest().keys(Query.all())).containsExactly("t/a", "t/b");
  }

  @Test
  void onRevision_snapshotTakenBefore_keepsItsAnswer() throws Exception {
    var before = view.snapshot().get();
    put(11, "t/a", "ops|db|a");
    assertThat(before.keys(Query.eq(NAMESPACE, "prod"))).containsExactly("t/a");
    assertThat(view.latest().keys(Query.eq(NAMESPACE, "prod"))).isEmpty();
    assertThat(view.latest().revision()).isEqualTo(11);
  }

  @Test
  void watch_relabel_emitsCreatedAndDeletedForTheQuery() {
    List<CacheEvent<Obj>> events = new ArrayList<>();
    view.watch(0, Query.eq(LABEL, "web"), events::add);
    put(11, "t/b", "ops|web|b");
    put(12, "t/b", "ops|web,db|b");
    put(13, "t/b", "ops|db|b");
    delete(14, "t/a");
    assertThat(events).extracting(CacheEvent::type, CacheEvent::key, CacheEvent::revision).containsExactly(
        org.assertj.core.groups.Tuple.tuple(CacheEvent.Type.CREATED, "t/b", 11L),
        org.assertj.core.groups.Tuple.tuple(CacheEvent.Type.UPDATED, "t/b", 12L),
        org.assertj.core.groups.Tuple.tuple(CacheEvent.Type.DELETED, "t/b", 13L),
        org.assertj.core.groups.Tuple.tuple(CacheEvent.Type.DELETED, "t/a", 14L));
    assertThat(events.get(2).previous().labels()).containsExactly("web", "db");
  }

  @Test
  void watch_fromRevisionInHistory_replaysThenGoesLive() {
    put(11, "t/c", "prod|web|c");
    put(12, "t/c", "prod|db|c");
    List<CacheEvent<Obj>> events = new ArrayList<>();
    view.watch(12, Query.all(), events::add);
    put(13, "t/d", "prod|db|d");
    assertThat(events).extracting(CacheEvent::revision).containsExactly(12L, 13L);
  }

  @Test
  void watch_fromBeforeTheHistory_failsWithCompaction() {
    List<Throwable> errors = new ArrayList<>();
    view.watch(5, Query.all(), listener(errors));
    assertThat(errors).singleElement().isInstanceOf(CompactedException.class);
    assertThat(((CompactedException) errors.get(0)).getCompactedRevision()).isEqualTo(11);
  }

  @Test
  void watch_listenerThrows_watchGoesOn() {
    List<Long> seen = new ArrayList<>();
    view.watch(0, Query.all(), e -> {
      seen.add(e.revision());
      throw new IllegalStateException("listener bug");
    });
    put(11, "t/c", "prod|web|c");
    put(12, "t/c", "prod|db|c");
    assertThat(seen).containsExactly(11L, 12L);
  }

  @Test
  void onRelist_deliversTheDifferenceAndRestartsHistory() {
    List<CacheEvent<Obj>> events = new ArrayList<>();
    view.watch(0, Query.all(), events::add);
    StoreVersion relisted = TestObjects.store(20, "t/a", "prod|web|a2", "t/c", "ops|db|c");
    view.onRelist(relisted, 18);
    assertThat(events).extracting(CacheEvent::type, CacheEvent::key).containsExactlyInAnyOrder(
        org.assertj.core.groups.Tuple.tuple(CacheEvent.Type.UPDATED, "t/a"),
        org.assertj.core.groups.Tuple.tuple(CacheEvent.Type.DELETED, "t/b"),
        org.assertj.core.groups.Tuple.tuple(CacheEvent.Type.CREATED, "t/c"));
    List<Throwable> errors = new ArrayList<>();
    view.watch(15, Query.all(), listener(errors));
    assertThat(errors).singleElement().isInstanceOf(CompactedException.class);
  }

  @Test
  void addIndex_builtOffThread_publishedAtTheCurrentRevision() throws Exception {
    IndexDefinition<Obj> name = IndexDefinition.single("name", Obj::name);
    view.addIndex(name).get();
    assertThat(view.latest().keys(Query.eq(name, "b"))).containsExactly("t/b");
    assertThatThrownBy(() -> view.addIndex(name)).isInstanceOf(IllegalArgumentException.class);
    put(11, "t/b", "ops|db|b2");
    assertThat(view.latest().keys(Query.eq(name, "b2"))).containsExactly("t/b");
    assertThat(view.latest().count(Query.eq(name, "b"))).isZero();
  }

  @Test
  void decodeFailure_countedAndTheViewGoesOn() {
    put(11, "t/a", "garbage");
    put(12, "t/c", "prod|web|c");
    assertThat(view.decodeFailures()).isEqualTo(1);
    assertThat(view.latest().keys(Query.all())).containsExactly("t/b", "t/c");
    put(13, "t/a", "prod|web|a");
    assertThat(view.latest().keys(Query.eq(LABEL, "web"))).containsExactly("t/a", "t/c");
  }

  @Test
  void close_endsWatchesAndFailsReads() {
    List<Throwable> errors = new ArrayList<>();
    view.watch(0, Query.all(), listener(errors));
    view.close();
    assertThat(errors).singleElement().isInstanceOf(CacheClosedException.class);
    assertThat(view.snapshot()).isCompletedExceptionally();
    assertThatThrownBy(() -> view.watch(0, Query.all(), e -> {})).isInstanceOf(CacheClosedException.class);
  }

  private void put(long revision, String key, String value) {
    driver.put(revision, key, value);
  }

  private void delete(long revision, String key) {
    driver.delete(revision, key);
  }

  private static CacheEventListener<Obj> listener(List<Throwable> errors) {
    return new CacheEventListener<>() {
      @Override
      public void onEvent(CacheEvent<Obj> event) {}

      @Override
      public void onError(Throwable failure) {
        errors.add(failure);
      }
    };
  }
}
