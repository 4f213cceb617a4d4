package dev.etcdcache.adapter.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KeyLayoutTest {

  @Test
  void keyAndParse_everyPathKubernetesAssertsAgainstEtcd_roundTrip() {
    KeyLayout layout = KeyLayout.standard();
    int rows = 0;
    for (String line : Fixtures.lines(Fixtures.KUBERNETES.resolve("etcd-key-paths.tsv"))) {
      if (line.startsWith("#") || line.startsWith("group\t")) {
        continue;
      }
      String[] f = line.split("\t", -1);
      String group = f[0];
      String resource = f[2];
      String expectedTemplate = f[3];
      boolean namespaced = expectedTemplate.contains("/<ns>/");
      String expected = expectedTemplate.replace("<ns>", "etcdstoragepathtestnamespace");
      String name = expected.substring(expected.lastIndexOf('/') + 1);
      String namespace = namespaced ? "etcdstoragepathtestnamespace" : "";

      assertThat(layout.key(group, resource, namespace, name)).as(line).isEqualTo(expected);
      ResourceKey parsed = layout.parse(expected).orElseThrow();
      assertThat(parsed.namespace()).as(line).isEqualTo(namespace);
      assertThat(parsed.name()).as(line).isEqualTo(name);
      assertThat(parsed.resourcePath()).as(line).isEqualTo(layout.resourcePath(group, resource));
      assertThat(layout.resourcePrefix(group, resource) + (namespaced ? namespace + "/" : "") + name).isEqualTo(expected);
      rows++;
    }
    assertThat(rows).isGreaterThan(70);
  }

  @Test
  void resourcePath_irregularBuiltIns_asKubeApiserverStoresThem() {
    KeyLayout layout = KeyLayout.standard();
    assertThat(layout.resourcePath("", "services")).isEqualTo("services/specs");
    assertThat(layout.resourcePath("", "endpoints")).isEqualTo("services/endpoints");
    assertThat(layout.resourcePath("", "nodes")).isEqualTo("minions");
    assertThat(layout.resourcePath("", "replicationcontrollers")).isEqualTo("controllers");
    assertThat(layout.resourcePath("networking.k8s.io", "ingresses")).isEqualTo("ingress");
    assertThat(layout.resourcePath("stable.example.com", "crontabs")).isEqualTo("stable.example.com/crontabs");
    assertThat(layout.parse("/registry/services/endpoints/default/kubernetes").orElseThrow())
        .isEqualTo(new ResourceKey("services/endpoints", "default", "kubernetes"));
    assertThat(layout.parse("/registry/minions/node-1").orElseThrow()).isEqualTo(new ResourceKey("minions", "", "node-1"));
  }

  @Test
  void parse_keysThatAreNotObjects_empty() {
    KeyLayout layout = KeyLayout.standard();
    assertThat(layout.parse("compact_rev_key")).isEmpty();
    assertThat(layout.parse("/registry/pods/")).isEmpty();
    assertThat(layout.parse("/registry/pods")).isEmpty();
    assertThat(layout.parse("/registryx/pods/a/b")).isEmpty();
    assertThat(layout.parse("/registry/pods/a/b/c")).isEmpty();
    assertThat(layout.parse("/registry/pods//b")).isEmpty();
  }

  @Test
  void of_customEtcdPrefix_keysUnderIt() {
    KeyLayout layout = KeyLayout.of("/cluster-a/");
    assertThat(layout.prefix()).isEqualTo("/cluster-a");
    assertThat(layout.key("", "pods", "default", "web-1")).isEqualTo("/cluster-a/pods/default/web-1");
    assertThat(layout.parse("/cluster-a/pods/default/web-1").orElseThrow().name()).isEqualTo("web-1");
    assertThat(layout.parse("/registry/pods/default/web-1")).isEmpty();
    assertThatThrownBy(() -> KeyLayout.of("//")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> layout.key("", "pods", "a/b", "c")).isInstanceOf(IllegalArgumentException.class);
  }
}
