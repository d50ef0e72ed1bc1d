package io.tandem.sidecar.pubsub;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dapr.v1.DaprMetadataProtos.PubsubSubscriptionType;
import io.tandem.components.pubsub.BulkMessage;
import io.tandem.components.pubsub.BulkMessageEntry;
import io.tandem.components.pubsub.Message;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.components.pubsub.TopicSubscription;
import io.tandem.sidecar.appchannel.BulkTopicEvent;
import io.tandem.sidecar.appchannel.TopicEvent;
import io.tandem.sidecar.appchannel.TopicEventResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.AbstractMap.SimpleEntry;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The delivery path of one subscription: answers, drops, retries, dead letters, batches. */
class SubscriptionHandlerTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneId.of("UTC"));
  static final Duration WAIT = Duration.ofSeconds(10);

  /** Answers with the queued results (SUCCESS when none is queued); a null result fails. */
  static final class FakeSink implements EventSink {
    final List<TopicEvent> events = new CopyOnWriteArrayList<>();
    final List<BulkTopicEvent> batches = new CopyOnWriteArrayList<>();
    final Deque<TopicEventResult> results = new java.util.LinkedList<>();
    Map<String, TopicEventResult> bulkResults = Map.of();

    @Override
    public CompletionStage<TopicEventResult> deliver(TopicEvent event) {
      events.add(event);
      if (results.isEmpty()) {
        return CompletableFuture.completedFuture(TopicEventResult.SUCCESS);
      }
      TopicEventResult r = results.poll();
      return r == null
          ? CompletableFuture.failedFuture(new IllegalStateException("app unreachable"))
          : CompletableFuture.completedFuture(r);
    }

    @Override
    public CompletionStage<Map<String, TopicEventResult>> deliverBulk(BulkTopicEvent event) {
      batches.add(event);
      Map<String, TopicEventResult> out = new HashMap<>();
      event
          .entries()
          .forEach(
              e -> {
                if (bulkResults.containsKey(e.entryId())) {
                  out.put(e.entryId(), bulkResults.get(e.entryId()));
                }
              });
      return CompletableFuture.completedFuture(out);
    }
  }

  PubSubFixture f;
  FakeSink sink = new FakeSink();
  DeliveryGate gate = new DeliveryGate();
  List<Message> deadLetters = new CopyOnWriteArrayList<>();
  TopicSubscription deadSub;

  @BeforeEach
  void setUp() throws Exception {
    f =
        new PubSubFixture(
            PubSubFixture.component("pubsub", "pubsub.in-memory")
                + "---\n"
                + PubSubFixture.component(
                    "scoped", "pubsub.in-memory", "publishingScopes", "app=orders"));
    deadSub =
        f.pubsub("pubsub")
            .subscribe(
                new SubscribeRequest("dead", Map.of()),
                m -> {
                  deadLetters.add(m);
                  return CompletableFuture.completedFuture(null);
                });
  }

  @AfterEach
  void tearDown() {
    deadSub.close();
    f.close();
  }

  SubscriptionHandler handler(String deadLetterTopic, Map<String, String> md, RoutingRules routes) {
    return handler("pubsub", deadLetterTopic, md, routes);
  }

  SubscriptionHandler handler(
      String pubsub, String deadLetterTopic, Map<String, String> md, RoutingRules routes) {
    SubscriptionDef def =
        new SubscriptionDef(
            "s",
            PubsubSubscriptionType.DECLARATIVE,
            pubsub,
            "orders",
            md,
            routes,
            deadLetterTopic,
            null);
    return new SubscriptionHandler(def, sink, f.service, f.metrics, gate, CLOCK);
  }

  SubscriptionHandler plain() {
    return handler("", Map.of(), RoutingRules.single("/orders"));
  }

  SubscriptionHandler withDeadLetter() {
    return handler("dead", Map.of(), RoutingRules.single("/orders"));
  }

  static Message message(String cloudEvent) {
    return new Message(
        "orders", cloudEvent.getBytes(UTF_8), "application/cloudevents+json", Map.of("k", "v"));
  }

  static final String EVENT =
      "{\"id\":\"e1\",\"specversion\":\"1.0\",\"source\":\"shop\",\"type\":\"order\","
          + "\"datacontenttype\":\"application/json\",\"data\":{\"price\":7}}";

  static CompletableFuture<Void> run(CompletionStage<Void> s) {
    return s.toCompletableFuture();
  }

  double ingress(String processStatus) {
    return f.count(
        "dapr_component_pubsub_ingress_count",
        "component",
        "pubsub",
        "topic",
        "orders",
        "process_status",
        processStatus);
  }

  @Test
  void successAcknowledgesAndTheAppGetsTheCloudEventAsPublished() {
    CompletableFuture<Void> done = run(plain().handle(message(EVENT)));

    assertThat(done).isCompleted();
    TopicEvent e = sink.events.get(0);
    assertThat(e.route()).isEqualTo("/orders");
    assertThat(new String(e.cloudEvent(), UTF_8)).isEqualTo(EVENT);
    assertThat(e.contentType()).isEqualTo("application/cloudevents+json");
    assertThat(e.raw()).isFalse();
    assertThat(e.metadata()).containsEntry("pubsubName", "pubsub").containsEntry("k", "v");
    assertThat(ingress("success")).isEqualTo(1);
  }

  @Test
  void retryAndAnUnreachableAppAskForRedelivery() {
    sink.results.add(TopicEventResult.RETRY);
    assertThat(run(plain().handle(message(EVENT)))).isCompletedExceptionally();
    sink.results.add(null);
    assertThat(run(plain().handle(message(EVENT)))).isCompletedExceptionally();
    assertThat(ingress("retry")).isEqualTo(2);
  }

  @Test
  void dropAcknowledgesWithoutDeadLetterTopic() {
    sink.results.add(TopicEventResult.DROP);
    assertThat(run(plain().handle(message(EVENT)))).isCompleted();
    assertThat(ingress("drop")).isEqualTo(1);
  }

  @Test
  void aDroppedMessageGoesToTheDeadLetterTopicAsItArrived() {
    sink.results.add(TopicEventResult.DROP);

    assertThat(run(withDeadLetter().handle(message(EVENT)))).isCompleted();

    await().atMost(WAIT).until(() -> deadLetters.size() == 1);
    assertThat(new String(deadLetters.get(0).data(), UTF_8)).isEqualTo(EVENT);
    assertThat(deadLetters.get(0).metadata()).containsEntry("k", "v");
  }

  @Test
  void withADeadLetterTopicARetryGoesThereInsteadOfBackToTheBroker() {
    sink.results.add(TopicEventResult.RETRY);

    assertThat(run(withDeadLetter().handle(message(EVENT)))).isCompleted();

    await().atMost(WAIT).until(() -> deadLetters.size() == 1);
  }

  @Test
  void aDeadLetterTopicOutsideThePublishingScopesMeansRedelivery() {
    sink.results.add(TopicEventResult.DROP);

    assertThat(
            run(
                handler("scoped", "dead", Map.of(), RoutingRules.single("/o"))
                    .handle(message(EVENT))))
        .isCompletedExceptionally();
  }

  @Test
  void anEventNoRuleMatchesIsDroppedWithoutReachingTheApp() {
    RoutingRules rules =
        RoutingRules.compile(List.of(new SimpleEntry<>("event.type == 'refund'", "/refunds")), "");

    assertThat(run(handler("dead", Map.of(), rules).handle(message(EVENT)))).isCompleted();

    assertThat(sink.events).isEmpty();
    await().atMost(WAIT).until(() -> deadLetters.size() == 1);
  }

  @Test
  void theRulePicksTheRoute() {
    RoutingRules rules =
        RoutingRules.compile(
            List.of(
                new SimpleEntry<>("event.type == 'refund'", "/refunds"),
                new SimpleEntry<>("event.data.price < 10", "/cheap")),
            "/all");

    run(handler("", Map.of(), rules).handle(message(EVENT)));

    assertThat(sink.events.get(0).route()).isEqualTo("/cheap");
  }

  @Test
  void aRuleThatCannotBeEvaluatedMeansRedelivery() {
    RoutingRules rules =
        RoutingRules.compile(List.of(new SimpleEntry<>("event.data.missing == 1", "/x")), "");

    assertThat(run(handler("", Map.of(), rules).handle(message(EVENT)))).isCompletedExceptionally();
    assertThat(sink.events).isEmpty();
  }

  @Test
  void anExpiredEventIsDropped() {
    String expired =
        "{\"id\":\"e2\",\"specversion\":\"1.0\",\"type\":\"t\",\"source\":\"s\","
            + "\"expiration\":\"2026-03-01T09:59:00Z\",\"data\":\"x\"}";

    assertThat(run(withDeadLetter().handle(message(expired)))).isCompleted();

    assertThat(sink.events).isEmpty();
    await().atMost(WAIT).until(() -> deadLetters.size() == 1);
  }

  @Test
  void aMessageThatIsNotACloudEventIsRedeliveredOrDeadLettered() {
    assertThat(run(plain().handle(message("not json")))).isCompletedExceptionally();
    assertThat(run(withDeadLetter().handle(message("[1]")))).isCompleted();
    await().atMost(WAIT).until(() -> deadLetters.size() == 1);
    assertThat(sink.events).isEmpty();
  }

  @Test
  void aRawSubscriptionReceivesThePayloadInADaprCloudEvent() throws Exception {
    SubscriptionHandler raw =
        handler("", Map.of("rawPayload", "true"), RoutingRules.single("/raw"));

    run(raw.handle(new Message("orders", "not a cloud event".getBytes(UTF_8), null, Map.of())));

    TopicEvent e = sink.events.get(0);
    assertThat(e.contentType()).isEqualTo("application/cloudevents+json");
    JsonNode ce = JSON.readTree(e.cloudEvent());
    assertThat(ce.path("datacontenttype").asText()).isEqualTo("application/octet-stream");
    assertThat(new String(Base64.getDecoder().decode(ce.path("data_base64").asText()), UTF_8))
        .isEqualTo("not a cloud event");
    assertThat(ce.path("pubsubname").asText()).isEqualTo("pubsub");
  }

  @Test
  void whileTheGateIsClosedMessagesWaitUnacknowledged() {
    gate.close();
    CompletableFuture<Void> done = run(plain().handle(message(EVENT)));

    assertThat(done).isNotDone();
    assertThat(sink.events).isEmpty();

    gate.open();
    assertThat(done).isCompleted();
    assertThat(sink.events).hasSize(1);
  }

  static BulkMessageEntry entry(String id, String type) {
    return new BulkMessageEntry(
        id,
        ("{\"id\":\""
                + id
                + "\",\"specversion\":\"1.0\",\"type\":\""
                + type
                + "\",\"source\":\"s\"}")
            .getBytes(UTF_8),
        "application/cloudevents+json",
        Map.of());
  }

  @Test
  void aBatchIsSplitByRouteAndEachEntrySettledByItsStatus() {
    RoutingRules rules =
        RoutingRules.compile(List.of(new SimpleEntry<>("event.type == 'a'", "/a")), "/b");
    SubscriptionHandler h = handler("", Map.of(), rules);
    sink.bulkResults =
        Map.of(
            "1", TopicEventResult.SUCCESS, "2", TopicEventResult.DROP, "3", TopicEventResult.RETRY);

    Set<String> redeliver =
        h.handle(
                new BulkMessage(
                    "orders",
                    List.of(entry("1", "a"), entry("2", "b"), entry("3", "a"), entry("4", "b")),
                    Map.of()))
            .toCompletableFuture()
            .join();

    assertThat(sink.batches).extracting(BulkTopicEvent::route).containsExactly("/a", "/b");
    assertThat(sink.batches.get(0).entries())
        .extracting(BulkTopicEvent.Entry::entryId)
        .containsExactly("1", "3");
    assertThat(redeliver).as("RETRY and unanswered entries").containsExactlyInAnyOrder("3", "4");
  }

  @Test
  void aBatchWithADeadLetterTopicRedeliversNothing() {
    SubscriptionHandler h = handler("dead", Map.of(), RoutingRules.single("/b"));
    sink.bulkResults = Map.of("1", TopicEventResult.DROP);

    Set<String> redeliver =
        h.handle(new BulkMessage("orders", List.of(entry("1", "x"), entry("2", "y")), Map.of()))
            .toCompletableFuture()
            .join();

    assertThat(redeliver).isEmpty();
    await().atMost(WAIT).until(() -> deadLetters.size() == 2);
  }
}
