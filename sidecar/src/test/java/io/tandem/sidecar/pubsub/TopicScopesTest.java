package io.tandem.sidecar.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicScopesTest {
  @Test
  void withoutScopesEveryTopicIsOpen() {
    TopicScopes s = TopicScopes.of("app1", Map.of());
    assertThat(s.canPublish("anything")).isTrue();
    assertThat(s.canSubscribe("anything")).isTrue();
  }

  @Test
  void anAppListedInPublishingScopesPublishesOnlyItsTopics() {
    Map<String, String> md = Map.of("publishingScopes", "app1=topic1,topic2;app2=topic3;app3=");

    TopicScopes app1 = TopicScopes.of("app1", md);
    assertThat(app1.canPublish("topic1")).isTrue();
    assertThat(app1.canPublish("topic2")).isTrue();
    assertThat(app1.canPublish("topic3")).isFalse();
    assertThat(app1.canSubscribe("topic3")).as("subscriptions are not limited").isTrue();

    TopicScopes app3 = TopicScopes.of("app3", md);
    assertThat(app3.canPublish("topic1")).isFalse();
    assertThat(app3.canPublish("")).isTrue();

    TopicScopes other = TopicScopes.of("app9", md);
    assertThat(other.canPublish("topic3")).isTrue();
  }

  @Test
  void subscriptionScopesLimitSubscriptions() {
    TopicScopes s = TopicScopes.of("app2", Map.of("SubscriptionScopes", " app2 = a , b "));
    assertThat(s.canSubscribe("a")).isTrue();
    assertThat(s.canSubscribe("c")).isFalse();
    assertThat(s.canPublish("c")).isTrue();
  }

  @Test
  void allowedTopicsCloseEveryOtherTopic() {
    Map<String, String> md =
        Map.of("allowedTopics", "topic1,topic2", "publishingScopes", "app1=topic1");
    assertThat(TopicScopes.of("app1", md).canPublish("topic1")).isTrue();
    assertThat(TopicScopes.of("app1", md).canPublish("topic2")).isFalse();
    assertThat(TopicScopes.of("app2", md).canPublish("topic2")).isTrue();
    assertThat(TopicScopes.of("app2", md).canPublish("topic3")).isFalse();
    assertThat(TopicScopes.of("app2", md).canSubscribe("topic3")).isFalse();
  }

  @Test
  void protectedTopicsNeedAnExplicitScope() {
    Map<String, String> md =
        Map.of(
            "protectedTopics", "secrets",
            "publishingScopes", "vault=secrets,public",
            "subscriptionScopes", "auditor=secrets");
    assertThat(TopicScopes.of("vault", md).canPublish("secrets")).isTrue();
    assertThat(TopicScopes.of("random", md).canPublish("secrets")).isFalse();
    assertThat(TopicScopes.of("random", md).canPublish("public")).isTrue();
    assertThat(TopicScopes.of("auditor", md).canSubscribe("secrets")).isTrue();
    assertThat(TopicScopes.of("vault", md).canSubscribe("secrets")).isFalse();
  }
}
