package io.tandem.sidecar.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.AbstractMap.SimpleEntry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutingRulesTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static Map.Entry<String, String> rule(String match, String path) {
    return new SimpleEntry<>(match, path);
  }

  static JsonNode event(String json) throws Exception {
    return JSON.readTree(json);
  }

  final RoutingRules widgets =
      RoutingRules.compile(
          List.of(
              rule("event.type == \"widget\"", "/widgets"),
              rule("event.data.price > 100", "/expensive"),
              rule("has(event.data.tags) && 'sale' in event.data.tags", "/sale")),
          "/other");

  @Test
  void rulesAreTriedInOrderThenTheDefault() throws Exception {
    assertThat(widgets.route(event("{\"type\":\"widget\",\"data\":{\"price\":500}}")))
        .contains("/widgets");
    assertThat(widgets.route(event("{\"type\":\"gadget\",\"data\":{\"price\":500}}")))
        .contains("/expensive");
    assertThat(
            widgets.route(
                event("{\"type\":\"gadget\",\"data\":{\"price\":5,\"tags\":[\"sale\"]}}")))
        .contains("/sale");
    assertThat(widgets.route(event("{\"type\":\"gadget\",\"data\":{\"price\":5}}")))
        .contains("/other");
  }

  @Test
  void numbersCompareAcrossIntAndDouble() throws Exception {
    assertThat(widgets.route(event("{\"type\":\"x\",\"data\":{\"price\":100.5}}")))
        .contains("/expensive");
    RoutingRules eq = RoutingRules.compile(List.of(rule("event.data.n == 3", "/three")), "");
    assertThat(eq.route(event("{\"data\":{\"n\":3}}"))).contains("/three");
    assertThat(eq.route(event("{\"data\":{\"n\":4}}"))).isEmpty();
  }

  @Test
  void withoutAMatchingRuleOrDefaultThereIsNoRoute() throws Exception {
    RoutingRules onlyRules = RoutingRules.compile(List.of(rule("event.type == 'a'", "/a")), "");
    assertThat(onlyRules.route(event("{\"type\":\"b\"}"))).isEmpty();
  }

  @Test
  void anEmptyMatchAlwaysMatches() throws Exception {
    RoutingRules r =
        RoutingRules.compile(List.of(rule("  ", "/always"), rule("false", "/never")), "/d");
    assertThat(r.route(event("{}"))).contains("/always");
  }

  @Test
  void aMissingFieldIsAnEvaluationError() throws Exception {
    JsonNode e = event("{\"type\":\"gadget\",\"data\":{}}");
    assertThatThrownBy(() -> widgets.route(e))
        .isInstanceOf(RoutingRules.EvaluationException.class)
        .hasMessageContaining("event.data.price > 100");
  }

  @Test
  void aNonBooleanResultIsAnError() throws Exception {
    RoutingRules r = RoutingRules.compile(List.of(rule("event.type", "/x")), "");
    assertThatThrownBy(() -> r.route(event("{\"type\":\"t\"}")))
        .isInstanceOf(RoutingRules.EvaluationException.class)
        .hasMessageContaining("not a boolean");
  }

  @Test
  void expressionsThatDoNotCompileAreRefusedUpFront() {
    assertThatThrownBy(() -> RoutingRules.compile(List.of(rule("event.type ==", "/x")), ""))
        .isInstanceOf(RoutingRules.InvalidRuleException.class)
        .hasMessageContaining("event.type ==");
    assertThatThrownBy(() -> RoutingRules.compile(List.of(rule("order.id == 1", "/x")), ""))
        .isInstanceOf(RoutingRules.InvalidRuleException.class);
    assertThatThrownBy(() -> RoutingRules.compile(List.of(rule("1 + 2", "/x")), ""))
        .isInstanceOf(RoutingRules.InvalidRuleException.class)
        .hasMessageContaining("not a boolean");
  }

  @Test
  void theDefaultRouteComesLastWithAnEmptyMatch() {
    assertThat(widgets.rules()).hasSize(4);
    assertThat(widgets.rules().get(3).match()).isEmpty();
    assertThat(widgets.rules().get(3).path()).isEqualTo("/other");
  }
}
