package io.tandem.sidecar.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.dapr.v1.DaprMetadataProtos.PubsubSubscription;
import io.dapr.v1.DaprMetadataProtos.PubsubSubscriptionType;
import io.dapr.v1.DaprPubsubProtos.PublishEventRequest;
import io.tandem.crds.ResourceLoadException;
import io.tandem.crds.ResourceLoader;
import io.tandem.crds.Resources;
import io.tandem.sidecar.AppChannelConfig;
import io.tandem.sidecar.appchannel.AppSubscription;
import io.tandem.sidecar.appchannel.TopicEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PubSubSubscriberTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  @TempDir Path dir;
  PubSubFixture f;
  PubSubSubscriber subscriber;

  @AfterEach
  void tearDown() {
    if (subscriber != null) {
      subscriber.close();
    }
    if (f != null) {
      f.close();
    }
  }

  Resources resources(String yaml) throws Exception {
    Path file = dir.resolve("subs.yaml");
    Files.writeString(file, yaml);
    return new ResourceLoader().loadFile(file);
  }

  static String subscription(String name, String topic, String route, String scopes) {
    return "apiVersion: dapr.io/v1alpha1\nkind: Subscription\nmetadata:\n  name: "
        + name
        + "\nspec:\n  pubsubname: pubsub\n  topic: "
        + topic
        + "\n  route: "
        + route
        + "\n"
        + (scopes.isEmpty() ? "" : "scopes:\n- " + scopes + "\n");
  }

  static AppSubscription programmatic(String pubsub, String topic, String route) {
    return new AppSubscription(pubsub, topic, Map.of(), List.of(), route, "", null);
  }

  void publish(String topic, String text) {
    f.service
        .publish(
            PublishEventRequest.newBuilder()
                .setPubsubName("pubsub")
                .setTopic(topic)
                .setData(ByteString.copyFromUtf8(text))
                .setDataContentType("text/plain")
                .build(),
            Trace.NONE)
        .toCompletableFuture()
        .join();
  }

  static final AppChannelConfig HTTP_APP = AppChannelConfig.none().withPort(7000);
  static final AppChannelConfig GRPC_APP =
      new AppChannelConfig(7000, "grpc", null, -1, false, null, null, null, 3, null);

  PubSubSubscriber subscriber(FakeAppChannel app, boolean hasApp, List<SubscriptionDef> decl) {
    return subscriber(app, hasApp ? HTTP_APP : AppChannelConfig.none(), decl);
  }

  PubSubSubscriber subscriber(
      FakeAppChannel app, AppChannelConfig config, List<SubscriptionDef> decl) {
    subscriber =
        new PubSubSubscriber(f.pubsubs, f.service, app, config, decl, f.metrics, Clock.systemUTC());
    return subscriber;
  }

  @Test
  void programmaticSubscriptionsReplaceDeclarativeOnesForTheSameTopic() throws Exception {
    f =
        new PubSubFixture(
            PubSubFixture.component(
                "pubsub", "pubsub.in-memory", "subscriptionScopes", "app=orders,other,audit"));
    List<SubscriptionDef> decl =
        PubSubSubscriber.declarative(
            resources(
                subscription("orders-sub", "orders", "/declared", "")
                    + "---\n"
                    + subscription("other-sub", "other", "/other", "app")
                    + "---\n"
                    + subscription("not-mine", "audit", "/audit", "someone-else")),
            "app");
    FakeAppChannel app =
        new FakeAppChannel(
            List.of(
                programmatic("pubsub", "orders", "/programmatic"),
                programmatic("nope", "orders", "/lost"),
                programmatic("pubsub", "secret", "/outside-scopes")));

    subscriber(app, true, decl).start().toCompletableFuture().join();
    publish("secret", "never delivered");
    publish("orders", "o");
    publish("other", "x");

    await().atMost(WAIT).until(() -> app.delivered.size() == 2);
    assertThat(app.delivered)
        .extracting(TopicEvent::route)
        .containsExactly("/programmatic", "/other");
    List<PubsubSubscription> listed = subscriber.subscriptions();
    assertThat(listed)
        .extracting(s -> s.getPubsubName() + "/" + s.getTopic())
        .as("listed like Dapr's: whether or not they could start")
        .containsExactly("pubsub/orders", "pubsub/other", "nope/orders", "pubsub/secret");
    assertThat(listed.get(0).getType()).isEqualTo(PubsubSubscriptionType.PROGRAMMATIC);
    assertThat(listed.get(1).getType()).isEqualTo(PubsubSubscriptionType.DECLARATIVE);
    assertThat(listed.get(1).getRules().getRules(0).getPath()).isEqualTo("/other");
  }

  @Test
  void beforeStartOnlyDeclarativeSubscriptionsAreListedAndNothingIsDelivered() throws Exception {
    f = new PubSubFixture(PubSubFixture.component("pubsub", "pubsub.in-memory"));
    List<SubscriptionDef> decl =
        PubSubSubscriber.declarative(resources(subscription("s", "orders", "/o", "")), "app");
    FakeAppChannel app = new FakeAppChannel(List.of(programmatic("pubsub", "x", "/x")));

    subscriber(app, true, decl);

    assertThat(subscriber.subscriptions())
        .extracting(PubsubSubscription::getTopic)
        .containsExactly("orders");
    assertThat(app.subscriptionCalls.get()).isZero();
  }

  @Test
  void withoutAnAppTheAppIsNeverAsked() throws Exception {
    f = new PubSubFixture(PubSubFixture.component("pubsub", "pubsub.in-memory"));
    FakeAppChannel app = new FakeAppChannel(List.of(programmatic("pubsub", "x", "/x")));

    subscriber(app, false, List.of()).start().toCompletableFuture().join();

    assertThat(app.subscriptionCalls.get()).isZero();
  }

  @Test
  void aRoutelessSubscriptionIsDroppedForAnHttpAppButTakesEverythingForAGrpcApp() throws Exception {
    f = new PubSubFixture(PubSubFixture.component("pubsub", "pubsub.in-memory"));
    FakeAppChannel httpApp = new FakeAppChannel(List.of(programmatic("pubsub", "any", "")));
    subscriber(httpApp, HTTP_APP, List.of()).start().toCompletableFuture().join();
    assertThat(subscriber.subscriptions()).isEmpty();
    subscriber.close();

    FakeAppChannel grpcApp = new FakeAppChannel(List.of(programmatic("pubsub", "any", "")));
    subscriber(grpcApp, GRPC_APP, List.of()).start().toCompletableFuture().join();
    publish("any", "z");

    await().atMost(WAIT).until(() -> grpcApp.delivered.size() == 1);
    assertThat(grpcApp.delivered.get(0).route()).isEmpty();
  }

  @Test
  void anAppSubscriptionWithABadRuleIsSkippedAlone() throws Exception {
    f = new PubSubFixture(PubSubFixture.component("pubsub", "pubsub.in-memory"));
    FakeAppChannel app =
        new FakeAppChannel(
            List.of(
                new AppSubscription(
                    "pubsub",
                    "broken",
                    Map.of(),
                    List.of(new AppSubscription.Rule("event.type ==", "/x")),
                    "",
                    "",
                    null),
                programmatic("pubsub", "fine", "/fine")));

    subscriber(app, true, List.of()).start().toCompletableFuture().join();
    publish("fine", "y");

    await().atMost(WAIT).until(() -> app.delivered.size() == 1);
    assertThat(subscriber.subscriptions())
        .extracting(PubsubSubscription::getTopic)
        .containsExactly("fine");
  }

  @Test
  void aDeclarativeSubscriptionWithABadRuleNamesItsFile() throws Exception {
    Resources r =
        resources(
            "apiVersion: dapr.io/v2alpha1\nkind: Subscription\nmetadata:\n  name: bad\nspec:\n"
                + "  pubsubname: pubsub\n  topic: t\n  routes:\n    rules:\n"
                + "    - match: event.type ==\n      path: /x\n");

    assertThatThrownBy(() -> PubSubSubscriber.declarative(r, "app"))
        .isInstanceOf(ResourceLoadException.class)
        .hasMessageContaining("subs.yaml")
        .hasMessageContaining("Subscription bad");
  }
}
