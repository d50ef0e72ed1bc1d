package io.tandem.components.rabbitmq;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.GetResponse;
import io.tandem.components.ComponentException;
import io.tandem.components.pubsub.Message;
import io.tandem.components.pubsub.MessageHandler;
import io.tandem.components.pubsub.PubSub;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.components.pubsub.TopicSubscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What {@code pubsub.rabbitmq} does beyond the conformance suite, on the test server. */
class RabbitMqPubSubIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private Rabbit rabbit;
  private String topic;

  @BeforeEach
  void setUp() throws Exception {
    rabbit = new Rabbit();
    topic = "it-" + UUID.randomUUID();
    rabbit.cleanUpExchange(topic);
  }

  @AfterEach
  void tearDown() throws Exception {
    rabbit.close();
  }

  @Test
  void aDurableQueueKeepsWhatIsPublishedWhileItsSubscriberIsGone() throws Exception {
    String app = "durable-" + UUID.randomUUID();
    String[] durable = {"durable", "true", "deletedWhenUnused", "false", "deliveryMode", "2"};
    rabbit.cleanUpQueue(app + "-" + topic);
    PubSub publisher = rabbit.pubsub("publisher", durable);
    PubSub first = rabbit.pubsub(app, durable);
    List<String> before = new CopyOnWriteArrayList<>();
    first.subscribe(new SubscribeRequest(topic, Map.of()), m -> collect(before, m));
    publish(publisher, topic, "hello");
    await().atMost(WAIT).until(() -> before.contains("hello"));

    first.close(); // the subscriber's sidecar goes away
    for (int i = 0; i < 10; i++) {
      publish(publisher, topic, "m" + i);
    }
    assertThat(rabbit.count(app + "-" + topic)).isEqualTo(10);

    PubSub second = rabbit.pubsub(app, durable);
    List<String> after = new CopyOnWriteArrayList<>();
    second.subscribe(new SubscribeRequest(topic, Map.of()), m -> collect(after, m));

    await().atMost(WAIT).until(() -> new HashSet<>(after).size() == 10);
    assertThat(new HashSet<>(after))
        .containsExactlyInAnyOrder("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
  }

  @Test
  void withDaprsDefaultsTheQueueGoesWithItsLastSubscriber() throws Exception {
    String app = "autodelete-" + UUID.randomUUID();
    PubSub sub = rabbit.pubsub(app);
    TopicSubscription s =
        sub.subscribe(
            new SubscribeRequest(topic, Map.of()), m -> CompletableFuture.completedFuture(null));
    assertThat(rabbit.queueExists(app + "-" + topic)).isTrue();

    s.close();

    await().atMost(WAIT).until(() -> !rabbit.queueExists(app + "-" + topic));
  }

  @Test
  void twoConsumerIdsEachGetEveryMessage() throws Exception {
    PubSub publisher = rabbit.pubsub("publisher");
    PubSub a = rabbit.pubsub("app-a-" + UUID.randomUUID());
    PubSub b = rabbit.pubsub("app-b-" + UUID.randomUUID());
    List<String> gotA = new CopyOnWriteArrayList<>();
    List<String> gotB = new CopyOnWriteArrayList<>();
    a.subscribe(new SubscribeRequest(topic, Map.of()), m -> collect(gotA, m));
    b.subscribe(new SubscribeRequest(topic, Map.of()), m -> collect(gotB, m));

    Set<String> sent = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      sent.add("m" + i);
      publish(publisher, topic, "m" + i);
    }

    await().atMost(WAIT).until(() -> gotA.size() >= 20 && gotB.size() >= 20);
    assertThat(new HashSet<>(gotA)).isEqualTo(sent);
    assertThat(new HashSet<>(gotB)).isEqualTo(sent);
  }

  @Test
  void replicasWithOneConsumerIdShareTheMessages() throws Exception {
    String app = "shared-" + UUID.randomUUID();
    PubSub publisher = rabbit.pubsub("publisher");
    PubSub replica1 = rabbit.pubsub(app);
    PubSub replica2 = rabbit.pubsub(app);
    List<String> got1 = new CopyOnWriteArrayList<>();
    List<String> got2 = new CopyOnWriteArrayList<>();
    replica1.subscribe(new SubscribeRequest(topic, Map.of()), m -> collect(got1, m));
    replica2.subscribe(new SubscribeRequest(topic, Map.of()), m -> collect(got2, m));

    Set<String> sent = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      sent.add("m" + i);
      publish(publisher, topic, "m" + i);
    }

    await().atMost(WAIT).until(() -> got1.size() + got2.size() >= 40);
    Set<String> all = new HashSet<>(got1);
    all.addAll(got2);
    assertThat(all).isEqualTo(sent);
    assertThat(got1.size() + got2.size()).as("each message went to one replica").isEqualTo(40);
    assertThat(got1).as("replica 1 had a share").isNotEmpty();
    assertThat(got2).as("replica 2 had a share").isNotEmpty();
  }

  @Test
  void aMessageThatKeepsFailingLandsInTheDeadLetterQueue() throws Exception {
    String app = "dead-" + UUID.randomUUID();
    String queue = app + "-" + topic;
    rabbit.cleanUpQueue("dlq-" + queue);
    rabbit.cleanUpExchange("dlx-" + queue);
    PubSub sub =
        rabbit.pubsub(
            app, "enableDeadLetter", "true", "backOffDuration", "10ms", "backOffMaxRetries", "2");
    AtomicInteger attempts = new AtomicInteger();
    sub.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          attempts.incrementAndGet();
          return CompletableFuture.failedFuture(new IllegalStateException("RETRY"));
        });

    publish(sub, topic, "poison");

    await().atMost(WAIT).until(() -> rabbit.count("dlq-" + queue) == 1);
    assertThat(attempts.get()).as("first delivery and two retries").isEqualTo(3);
    GetResponse dead = rabbit.get("dlq-" + queue);
    assertThat(new String(dead.getBody(), UTF_8)).isEqualTo("poison");
    assertThat(dead.getProps().getHeaders()).containsKey("x-death");
  }

  @Test
  void withRequeueInFailureARetriedMessageGoesBackToTheBrokerAndAnotherReplicaTakesIt()
      throws Exception {
    String app = "requeue-" + UUID.randomUUID();
    String[] requeue = {"requeueInFailure", "true", "backOffDuration", "20ms"};
    PubSub failing = rabbit.pubsub(app, requeue);
    AtomicInteger refused = new AtomicInteger();
    failing.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          refused.incrementAndGet();
          return CompletableFuture.failedFuture(new IllegalStateException("RETRY"));
        });
    publish(failing, topic, "first");
    await().atMost(WAIT).until(() -> refused.get() >= 3);

    PubSub healthy = rabbit.pubsub(app, requeue);
    List<String> got = new CopyOnWriteArrayList<>();
    healthy.subscribe(new SubscribeRequest(topic, Map.of()), m -> collect(got, m));

    await().atMost(WAIT).until(() -> got.contains("first"));
  }

  @Test
  void withRequeueInFailureExhaustedRetriesAreDeadLettered() throws Exception {
    String app = "requeue-dead-" + UUID.randomUUID();
    String queue = app + "-" + topic;
    rabbit.cleanUpQueue("dlq-" + queue);
    rabbit.cleanUpExchange("dlx-" + queue);
    PubSub sub =
        rabbit.pubsub(
            app,
            "requeueInFailure",
            "true",
            "enableDeadLetter",
            "true",
            "backOffDuration",
            "10ms",
            "backOffMaxRetries",
            "3");
    AtomicInteger attempts = new AtomicInteger();
    sub.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          attempts.incrementAndGet();
          return CompletableFuture.failedFuture(new IllegalStateException("RETRY"));
        });

    publish(sub, topic, "poison");

    await().atMost(WAIT).until(() -> rabbit.count("dlq-" + queue) == 1);
    assertThat(attempts.get()).isEqualTo(4);
  }

  @Test
  void aFailingMessageWaitsForTheBackOffBeforeItsNextDelivery() throws Exception {
    PubSub sub = rabbit.pubsub("slow-retry-" + UUID.randomUUID(), "backOffDuration", "400ms");
    List<Long> attempts = new CopyOnWriteArrayList<>();
    sub.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          attempts.add(System.nanoTime());
          return CompletableFuture.failedFuture(new IllegalStateException("RETRY"));
        });

    publish(sub, topic, "again");

    await().atMost(WAIT).until(() -> attempts.size() >= 3);
    for (int i = 1; i < 3; i++) {
      assertThat(TimeUnit.NANOSECONDS.toMillis(attempts.get(i) - attempts.get(i - 1)))
          .as("no redelivery before the back-off")
          .isGreaterThanOrEqualTo(350);
    }
  }

  @Test
  void aPendingMessageIsNotDeliveredAgainAndOthersFlowMeanwhile() throws Exception {
    PubSub sub = rabbit.pubsub("pending-" + UUID.randomUUID(), "backOffDuration", "10ms");
    CompletableFuture<Void> slow = new CompletableFuture<>();
    Map<String, Integer> deliveries = new ConcurrentHashMap<>();
    sub.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          String body = new String(m.data(), UTF_8);
          deliveries.merge(body, 1, Integer::sum);
          return body.equals("slow") ? slow : CompletableFuture.completedFuture(null);
        });

    publish(sub, topic, "slow");
    await().atMost(WAIT).until(() -> deliveries.containsKey("slow"));
    for (int i = 0; i < 5; i++) {
      publish(sub, topic, "fast" + i);
    }
    await().atMost(WAIT).until(() -> deliveries.size() == 6);
    slow.complete(null);
    publish(sub, topic, "marker");
    await().atMost(WAIT).until(() -> deliveries.containsKey("marker"));

    assertThat(deliveries.get("slow")).isEqualTo(1);
  }

  @Test
  void singleConcurrencyModeHandsOverOneMessageAtATime() throws Exception {
    PubSub sub = rabbit.pubsub("single-" + UUID.randomUUID(), "concurrencyMode", "single");
    AtomicInteger inHandler = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    List<String> got = new CopyOnWriteArrayList<>();
    sub.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          most.accumulateAndGet(inHandler.incrementAndGet(), Math::max);
          return CompletableFuture.runAsync(
              () -> {
                got.add(new String(m.data(), UTF_8));
                inHandler.decrementAndGet();
              },
              CompletableFuture.delayedExecutor(5, TimeUnit.MILLISECONDS));
        });

    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add("m" + i);
      publish(sub, topic, "m" + i);
    }

    await().atMost(WAIT).until(() -> got.size() >= 20);
    assertThat(most.get()).isEqualTo(1);
    assertThat(got).containsExactlyElementsOf(sent);
  }

  @Test
  void withAutoAckAFailedMessageIsGoneAsDaprWarns() throws Exception {
    PubSub sub = rabbit.pubsub("autoack-" + UUID.randomUUID(), "autoAck", "true");
    Map<String, Integer> deliveries = new ConcurrentHashMap<>();
    sub.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          String body = new String(m.data(), UTF_8);
          deliveries.merge(body, 1, Integer::sum);
          return body.equals("fails")
              ? CompletableFuture.failedFuture(new IllegalStateException("RETRY"))
              : CompletableFuture.completedFuture(null);
        });

    publish(sub, topic, "fails");
    publish(sub, topic, "marker");
    await().atMost(WAIT).until(() -> deliveries.containsKey("marker"));
    publish(sub, topic, "marker2");
    await().atMost(WAIT).until(() -> deliveries.containsKey("marker2"));

    assertThat(deliveries.get("fails")).isEqualTo(1);
  }

  @Test
  void quorumQueuesWorkWhenTheyOutliveTheirSubscribers() throws Exception {
    String app = "quorum-" + UUID.randomUUID();
    rabbit.cleanUpQueue(app + "-" + topic);
    Map<String, String> quorum = Map.of("queueType", "quorum");
    PubSub autoDeleting = rabbit.pubsub(app);
    assertThatThrownBy(() -> autoDeleting.subscribe(new SubscribeRequest(topic, quorum), ok()))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("auto-delete");

    // another topic: the first attempt left an auto-delete exchange, which a component with
    // deletedWhenUnused=false may not declare again
    String other = topic + "-kept";
    rabbit.cleanUpExchange(other);
    rabbit.cleanUpQueue(app + "-" + other);
    PubSub kept = rabbit.pubsub(app, "deletedWhenUnused", "false");
    List<String> got = new CopyOnWriteArrayList<>();
    kept.subscribe(new SubscribeRequest(other, quorum), m -> collect(got, m));
    publish(kept, other, "replicated");

    await().atMost(WAIT).until(() -> got.contains("replicated"));
  }

  @Test
  void aTopicExchangeRoutesByRoutingKey() throws Exception {
    String[] topicKind = {"exchangeKind", "topic"};
    PubSub a = rabbit.pubsub("keys-a-" + UUID.randomUUID(), topicKind);
    PubSub b = rabbit.pubsub("keys-b-" + UUID.randomUUID(), topicKind);
    List<String> gotA = new CopyOnWriteArrayList<>();
    List<String> gotB = new CopyOnWriteArrayList<>();
    a.subscribe(new SubscribeRequest(topic, Map.of("routingKey", "keyA")), m -> collect(gotA, m));
    b.subscribe(
        new SubscribeRequest(topic, Map.of("routingKey", "keyB,other")), m -> collect(gotB, m));

    publish(a, topic, "for-a", Map.of("routingKey", "keyA"));
    publish(a, topic, "for-b", Map.of("routingKey", "keyB"));
    publish(a, topic, "other", Map.of("routingKey", "other"));

    await().atMost(WAIT).until(() -> gotA.size() >= 1 && gotB.size() >= 2);
    assertThat(gotA).containsExactly("for-a");
    assertThat(gotB).containsExactlyInAnyOrder("for-b", "other");
  }

  @Test
  void anExpiredMessageIsNeverDelivered() throws Exception {
    String app = "ttl-" + UUID.randomUUID();
    String queue = app + "-" + topic;
    String[] keep = {"deletedWhenUnused", "false"};
    rabbit.cleanUpQueue(queue);
    PubSub first = rabbit.pubsub(app, keep);
    first
        .subscribe(
            new SubscribeRequest(topic, Map.of()), m -> CompletableFuture.completedFuture(null))
        .close();

    publish(first, topic, "short-lived", Map.of("ttlInSeconds", "1"));
    publish(first, topic, "kept", Map.of());
    assertThat(first.features()).contains(PubSub.FEATURE_MESSAGE_TTL);
    await().atMost(WAIT).until(() -> rabbit.count(queue) == 1);

    List<String> got = new CopyOnWriteArrayList<>();
    rabbit.pubsub(app, keep).subscribe(new SubscribeRequest(topic, Map.of()), m -> collect(got, m));
    await().atMost(WAIT).until(() -> got.contains("kept"));
    assertThat(got).containsExactly("kept");
  }

  @Test
  void aQueueDeclaredDifferentlyIsReportedWhenSubscribing() throws Exception {
    String app = "clash-" + UUID.randomUUID();
    String queue = app + "-" + topic;
    rabbit.cleanUpQueue(queue);
    try (var ch = rabbit.connection().createChannel()) {
      ch.queueDeclare(queue, false, false, false, Map.of());
    }
    PubSub sub = rabbit.pubsub(app, "durable", "true");

    assertThatThrownBy(
            () ->
                sub.subscribe(
                    new SubscribeRequest(topic, Map.of()),
                    m -> CompletableFuture.completedFuture(null)))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining(queue)
        .hasMessageContaining("PRECONDITION_FAILED");
    assertThat(sub.trouble()).isEmpty();
  }

  @Test
  void afterCloseAPublishFailsInsteadOfHanging() throws Exception {
    PubSub p = rabbit.pubsub("closing-" + UUID.randomUUID());
    List<CompletableFuture<Void>> racing = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      racing.add(
          p.publish(new PublishRequest(topic, "x".getBytes(UTF_8), "text/plain", Map.of()))
              .toCompletableFuture());
    }

    p.close();
    p.close();

    assertThatThrownBy(
            () ->
                p.publish(new PublishRequest(topic, "y".getBytes(UTF_8), "text/plain", Map.of()))
                    .toCompletableFuture()
                    .join())
        .hasCauseInstanceOf(ComponentException.class);
    CompletableFuture.allOf(racing.toArray(CompletableFuture[]::new))
        .handle((v, e) -> null)
        .get(10, TimeUnit.SECONDS); // each settled one way or the other
  }

  @Test
  void connectingToNobodyFailsInitNamingTheServerButNotThePassword() {
    assertThatThrownBy(() -> rabbit.pubsubAt("amqp://user:s3cret@127.0.0.1:1", "nobody"))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("127.0.0.1:1")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void wrongCredentialsFailInit() {
    String url = io.tandem.components.testing.TestServers.rabbitmqUrl();
    String wrong = url.replaceFirst("://[^@]*@", "://nobody:wrong@");
    assertThatThrownBy(() -> rabbit.pubsubAt(wrong, "intruder"))
        .isInstanceOf(ComponentException.class)
        .hasMessageNotContaining("wrong@");
  }

  @Test
  void messagePropertiesReachTheMetadataWhenAsked() throws Exception {
    PubSub sub =
        rabbit.pubsub("props-" + UUID.randomUUID(), "publishMessagePropertiesToMetadata", "true");
    List<Message> got = new CopyOnWriteArrayList<>();
    sub.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          got.add(m);
          return CompletableFuture.completedFuture(null);
        });

    publish(sub, topic, "x", Map.of("messageID", "id-7", "correlationID", "corr-7"));

    await().atMost(WAIT).until(() -> got.size() == 1);
    assertThat(got.get(0).metadata())
        .containsEntry("metadata.messageid", "id-7")
        .containsEntry("metadata.correlationid", "corr-7");
    assertThat(got.get(0).contentType()).isEqualTo("text/plain");
  }

  // ---- helpers

  private static CompletableFuture<Void> collect(List<String> into, Message m) {
    into.add(new String(m.data(), UTF_8));
    return CompletableFuture.completedFuture(null);
  }

  static void publish(PubSub p, String topic, String text) {
    publish(p, topic, text, Map.of());
  }

  static void publish(PubSub p, String topic, String text, Map<String, String> md) {
    p.publish(new PublishRequest(topic, text.getBytes(UTF_8), "text/plain", md))
        .toCompletableFuture()
        .join();
  }

  static MessageHandler ok() {
    return m -> CompletableFuture.completedFuture(null);
  }
}
