package dev.etcdcache.adapter.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etcdcache.adapter.kubernetes.LabelSelector.Operator;
import dev.etcdcache.adapter.kubernetes.LabelSelector.Requirement;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LabelSelectorTest {

  private static final Map<String, String> WEB = Map.of("app", "web", "tier", "frontend", "replicas", "3");

  @Test
  void parse_everyOperator_requirementsInOrder() {
    LabelSelector s = LabelSelector.parse("app=web, tier==frontend,env!=prod,zone in (a, b),x notin (c),canary,!legacy,replicas>2,replicas<5");
    assertThat(s.requirements()).containsExactly(
        new Requirement("app", Operator.IN, Set.of("web")),
        new Requirement("tier", Operator.IN, Set.of("frontend")),
        new Requirement("env", Operator.NOT_IN, Set.of("prod")),
        new Requirement("zone", Operator.IN, Set.of("a", "b")),
        new Requirement("x", Operator.NOT_IN, Set.of("c")),
        new Requirement("canary", Operator.EXISTS, Set.of()),
        new Requirement("legacy", Operator.DOES_NOT_EXIST, Set.of()),
        new Requirement("replicas", Operator.GREATER_THAN, Set.of("2")),
        new Requirement("replicas", Operator.LESS_THAN, Set.of("5")));
  }

  @Test
  void matches_apimachinerySemantics_notEqualsAndNotInMatchAbsentKeys() {
    assertThat(LabelSelector.parse("app=web").matches(WEB)).isTrue();
    assertThat(LabelSelector.parse("app!=db").matches(WEB)).isTrue();
    assertThat(LabelSelector.parse("env!=prod").matches(WEB)).as("absent key").isTrue();
    assertThat(LabelSelector.parse("env notin (prod)").matches(WEB)).as("absent key").isTrue();
    assertThat(LabelSelector.parse("env in (prod)").matches(WEB)).isFalse();
    assertThat(LabelSelector.parse("app,!env").matches(WEB)).isTrue();
    assertThat(LabelSelector.parse("app,env").matches(WEB)).isFalse();
    assertThat(LabelSelector.parse("replicas>2,replicas<4").matches(WEB)).isTrue();
    assertThat(LabelSelector.parse("app>2").matches(WEB)).as("not an integer").isFalse();
    assertThat(LabelSelector.parse("app=web,tier in (backend)").matches(WEB)).isFalse();
    assertThat(LabelSelector.parse("example.com/team=core").matches(Map.of("example.com/team", "core"))).isTrue();
    assertThat(LabelSelector.parse("app=").matches(Map.of("app", ""))).isTrue();
  }

  @Test
  void parse_blankOrNull_everything() {
    assertThat(LabelSelector.parse("").isEverything()).isTrue();
    assertThat(LabelSelector.parse(null).matches(Map.of())).isTrue();
    assertThat(LabelSelector.parse("  ")).isEqualTo(LabelSelector.everything());
  }

  @Test
  void parse_malformed_failsWithPosition() {
    for (String bad : new String[] {"app=web,", "=web", "app in a", "app in (a", "app ~ b", "app>x", "a b", "-bad=1", "app=we b"}) {
      assertThatThrownBy(() -> LabelSelector.parse(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("position");
    }
  }
}
