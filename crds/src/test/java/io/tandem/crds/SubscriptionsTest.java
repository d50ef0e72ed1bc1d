package io.tandem.crds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SubscriptionsTest {
  final ResourceLoader loader = new ResourceLoader();

  static Path fixture(String name) {
    try {
      return Path.of(SubscriptionsTest.class.getResource("/fixtures/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void readsV1AndV2AndLeavesComponentsAlone() throws Exception {
    List<Sourced<Subscription>> subs =
        Subscriptions.from(loader.loadFile(fixture("subscriptions/both-versions.yaml")));

    assertThat(subs)
        .extracting(s -> s.resource().name())
        .containsExactly("orders-v1", "widgets-v2");

    Subscription v1 = subs.get(0).resource();
    assertThat(v1.spec().pubsubName()).isEqualTo("pubsub");
    assertThat(v1.spec().topic()).isEqualTo("orders");
    assertThat(v1.rules()).isEmpty();
    assertThat(v1.defaultRoute()).isEqualTo("/orders");
    assertThat(v1.spec().deadLetterTopicOrEmpty()).isEqualTo("poison");
    assertThat(v1.spec().metadataOrEmpty()).containsEntry("rawPayload", "true");
    assertThat(v1.isInScope("checkout")).isTrue();
    assertThat(v1.isInScope("billing")).isFalse();

    Subscription v2 = subs.get(1).resource();
    assertThat(v2.rules())
        .containsExactly(
            new SubscriptionSpec.Rule("event.type == \"widget\"", "/widgets"),
            new SubscriptionSpec.Rule("event.data.price > 100", "/expensive"));
    assertThat(v2.defaultRoute()).isEqualTo("/other");
    assertThat(v2.spec().bulkSubscribe())
        .isEqualTo(new SubscriptionSpec.BulkSubscribe(true, 10, 500));
    assertThat(v2.isInScope("anyone")).isTrue();
    assertThat(v2.spec().deadLetterTopicOrEmpty()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({
    "v2-without-routes.yaml, has neither spec.routes.rules nor spec.routes.default",
    "without-pubsubname.yaml, has no spec.pubsubname",
    "unknown-version.yaml, has apiVersion dapr.io/v3",
    "rule-without-path.yaml, a rule in spec.routes.rules without a path"
  })
  void aBrokenSubscriptionNamesTheFileAndTheProblem(String file, String problem) throws Exception {
    Resources r = loader.loadFile(fixture("subscriptions-bad/" + file));

    assertThatThrownBy(() -> Subscriptions.from(r))
        .isInstanceOf(ResourceLoadException.class)
        .hasMessageContaining(file)
        .hasMessageContaining(problem);
  }
}
