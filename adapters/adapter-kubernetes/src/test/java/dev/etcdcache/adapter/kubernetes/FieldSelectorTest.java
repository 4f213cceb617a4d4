package dev.etcdcache.adapter.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etcdcache.adapter.kubernetes.FieldSelector.Requirement;
import org.junit.jupiter.api.Test;

class FieldSelectorTest {

  private final KubeObject pod = KubernetesAdapter.standard().decode(Fixtures.utf8("/registry/pods/default/pi-dqtsw"),
      Fixtures.kubernetes("auger/etcd-values/pods_default_pi-dqtsw.bin"));

  @Test
  void parse_operatorsAndEscapes_asApimachinery() {
    assertThat(FieldSelector.parse("spec.nodeName=n1,status.phase==Running,metadata.name!=x").requirements())
        .containsExactly(new Requirement("spec.nodeName", true, "n1"), new Requirement("status.phase", true, "Running"),
            new Requirement("metadata.name", false, "x"));
    assertThat(FieldSelector.parse("metadata.name=a\\,b\\=c\\\\").requirements())
        .containsExactly(new Requirement("metadata.name", true, "a,b=c\\"));
    assertThat(FieldSelector.parse("spec.nodeName=").requirements()).containsExactly(new Requirement("spec.nodeName", true, ""));
  }

  @Test
  void matches_realPod_nodeNamePhaseAndMetadata() {
    assertThat(FieldSelector.parse("spec.nodeName=kubernetes-minion-group-vlql").matches(pod)).isTrue();
    assertThat(FieldSelector.parse("status.phase=Succeeded,metadata.namespace=default,metadata.name=pi-dqtsw").matches(pod)).isTrue();
    assertThat(FieldSelector.parse("status.phase!=Running").matches(pod)).isTrue();
    assertThat(FieldSelector.parse("spec.nodeName=").matches(pod)).isFalse();
    assertThat(FieldSelector.parse("spec.restartPolicy=Never").matches(pod)).isTrue();
    assertThat(FieldSelector.parse("spec.hostNetwork=false").matches(pod)).as("booleans print as Go does").isTrue();
    assertThat(FieldSelector.parse("spec.noSuchField=x").matches(pod)).isFalse();
    assertThat(FieldSelector.parse("spec.noSuchField!=x").matches(pod)).isTrue();
    assertThat(FieldSelector.parse("spec=x").matches(pod)).as("not a scalar").isFalse();
  }

  @Test
  void parse_malformed_fails() {
    for (String bad : new String[] {"spec.nodeName", "=x", "a=b,c", "a=b\\"}) {
      assertThatThrownBy(() -> FieldSelector.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(FieldSelector.parse(null).isEverything()).isTrue();
  }
}
