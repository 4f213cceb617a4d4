package dev.etcdcache.core.view;

import static dev.etcdcache.core.view.TestObjects.LABEL;
import static dev.etcdcache.core.view.TestObjects.NAMESPACE;
import static dev.etcdcache.core.view.TestObjects.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etcdcache.api.IndexDefinition;
import dev.etcdcache.api.Query;
import dev.etcdcache.core.view.TestObjects.Obj;
import dev.etcdcache.core.view.TestObjects.ObjAdapter;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueryPlanTest {

  private final ViewVersion<Obj> version = new ViewMaintainer<>(bytes("t/"), new ObjAdapter(), new DecodeFailures("t/"))
      .build(TestObjects.store(7,
          "t/a", "prod|web,db|a",
          "t/b", "prod|web|b",
          "t/c", "ops|db|c",
          "t/d/1", "ops|web|d1",
          "t/\u00ff", "prod|web|ff"), List.of(NAMESPACE, LABEL))
      .version();

  @Test
  void eq_returnsKeysInEtcdByteOrder() {
    assertThat(version.keys(Query.eq(LABEL, "web"))).containsExactly("t/a", "t/b", "t/d/1", "t/\u00ff");
    assertThat(version.count(Query.eq(LABEL, "web"))).isEqualTo(4);
    assertThat(version.list(Query.eq(NAMESPACE, "ops"))).extracting(Obj::name).containsExactly("c", "d1");
  }

  @Test
  void and_intersectsWhicheverSideIsSmaller() {
    assertThat(version.keys(Query.eq(NAMESPACE, "prod").and(Query.eq(LABEL, "db")))).containsExactly("t/a");
    assertThat(version.keys(Query.eq(LABEL, "db").and(Query.eq(NAMESPACE, "prod")))).containsExactly("t/a");
    assertThat(version.keys(Query.eq(NAMESPACE, "none").and(Query.eq(LABEL, "web")))).isEmpty();
  }

  @Test
  void or_mergesInKeyOrderWithoutDuplicates() {
    Query<Obj> q = Query.eq(NAMESPACE, "ops").or(Query.eq(LABEL, "db")).or(Query.keyPrefix("t/\u00ff"));
    assertThat(version.keys(q)).containsExactly("t/a", "t/c", "t/d/1", "t/\u00ff");
    assertThat(version.count(q)).isEqualTo(4);
  }

  @Test
  void keyPrefixAndAll_selectRangesOfTheObjects() {
    assertThat(version.keys(Query.keyPrefix("t/d/"))).containsExactly("t/d/1");
    assertThat(version.list("t/")).hasSize(5);
    assertThat(version.count(Query.all())).isEqualTo(5);
    assertThat(version.get("t/b")).map(Obj::name).contains("b");
    assertThat(version.get("t/zz")).isEmpty();
  }

  @Test
  void eq_onIndexTheViewDoesNotHave_throwsIllegalArgument() {
    IndexDefinition<Obj> other = IndexDefinition.single("other", Obj::name);
    assertThatThrownBy(() -> version.list(Query.eq(other, "a"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("other");
  }

  @Test
  void eq_valuesThatArePrefixesOfEachOther_doNotMix() {
    IndexDefinition<Obj> name = IndexDefinition.single("name", Obj::name);
    ViewVersion<Obj> v = new ViewMaintainer<>(bytes(""), new ObjAdapter(), new DecodeFailures(""))
        .build(TestObjects.store(1, "a", "x||ab", "b", "x||a", "c", "x||a\u0000b"), List.of(name)).version();
    assertThat(v.keys(Query.eq(name, "a"))).containsExactly("b");
    assertThat(v.keys(Query.eq(name, "ab"))).containsExactly("a");
    assertThat(v.keys(Query.eq(name, "a\u0000b"))).containsExactly("c");
  }
}
