package dev.etcdcache.adapter.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonAdapterTest {

  /** A user class bound by Jackson. */
  public record Pod(String name, String namespace, Map<String, String> labels, List<String> ports) {}

  private static byte[] json(String s) {
    return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void tree_pointerIndexes_scalarsAndArraysGiveValues() {
    JsonAdapter<JsonNode> adapter = JsonAdapter.tree()
        .index("ns", "/metadata/namespace")
        .index("port", "/spec/ports")
        .index("replicas", "/spec/replicas")
        .build();
    JsonNode node = adapter.decode(json("k"), json(
        "{'metadata':{'namespace':'prod'},'spec':{'ports':[80,'443',{'x':1},null,80],'replicas':3}}"));
    assertThat(adapter.index("ns").values().apply(node)).containsExactly("prod");
    assertThat(adapter.index("port").values().apply(node)).containsExactly("80", "443");
    assertThat(adapter.index("replicas").values().apply(node)).containsExactly("3");
    assertThat(adapter.indexes()).extracting(d -> d.name()).containsExactly("ns", "port", "replicas");
  }

  @Test
  void tree_missingNullOrObject_givesNoValue() {
    JsonAdapter<JsonNode> adapter = JsonAdapter.tree().index("a", "/a").build();
    for (String value : List.of("{}", "{'a':null}", "{'a':{'b':1}}", "[1,2]")) {
      assertThat(adapter.index("a").values().apply(adapter.decode(json("k"), json(value)))).as(value).isEmpty();
    }
  }

  @Test
  void userClass_bindsAndIndexesByPointer_andEncodesBack() {
    JsonAdapter<Pod> adapter = JsonAdapter.of(Pod.class)
        .index("app", "/labels/app")
        .index("ns", p -> List.of(p.namespace()))
        .build();
    Pod pod = adapter.decode(json("k"), json("{'name':'a','namespace':'prod','labels':{'app':'web'},'ports':['80']}"));
    assertThat(pod.labels()).containsEntry("app", "web");
    assertThat(adapter.index("app").values().apply(pod)).containsExactly("web");
    assertThat(adapter.index("ns").values().apply(pod)).containsExactly("prod");
    assertThat(adapter.decode(json("k"), adapter.encode(pod))).isEqualTo(pod);
  }

  @Test
  void decode_garbageOrEmpty_failsWithUncheckedIo() {
    JsonAdapter<JsonNode> adapter = JsonAdapter.tree().build();
    assertThatThrownBy(() -> adapter.decode(json("k"), json("{not json"))).isInstanceOf(UncheckedIOException.class);
    assertThatThrownBy(() -> adapter.decode(json("k"), new byte[0])).isInstanceOf(UncheckedIOException.class);
    JsonAdapter<Pod> typed = JsonAdapter.of(Pod.class).build();
    assertThatThrownBy(() -> typed.decode(json("k"), json("{'name':['x']}"))).isInstanceOf(UncheckedIOException.class);
  }

  @Test
  void builder_duplicateNameOrBadPointer_rejectedAtOnce() {
    assertThatThrownBy(() -> JsonAdapter.tree().index("a", "/a").index("a", "/b"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> JsonAdapter.tree().index("a", "no-slash")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> JsonAdapter.tree().build().index("x")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void filter_seesKeyAsText() {
    JsonAdapter<JsonNode> adapter = JsonAdapter.tree().filter((key, node) -> !key.endsWith("/skip")).build();
    JsonNode node = adapter.decode(json("k"), json("{}"));
    assertThat(adapter.accept(json("p/skip"), node)).isFalse();
    assertThat(adapter.accept(json("p/keep"), node)).isTrue();
  }
}
