package io.tandem.components.rabbitmq;

import static io.tandem.components.rabbitmq.RabbitMqPubSubIT.publish;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.components.Completions;
import io.tandem.components.ComponentException;
import io.tandem.components.pubsub.PubSub;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.components.testing.TcpProxy;
import io.tandem.components.testing.TestServers;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The component loses its connection (a proxy between it and the test server cuts it, and refuses
 * new ones for a while) and must report it, come back by itself, and lose nothing that was
 * published to a durable queue.
 */
class RabbitMqReconnectIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private Rabbit rabbit;
  private TcpProxy proxy;
  private String topic;

  @BeforeEach
  void setUp() throws Exception {
    rabbit = new Rabbit();
    URI server = URI.create(TestServers.rabbitmqUrl());
    proxy = new TcpProxy(server.getHost(), server.getPort());
    topic = "reconnect-" + UUID.randomUUID();
    rabbit.cleanUpExchange(topic);
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      rabbit.close();
    } finally {
      proxy.close();
    }
  }

  /** The test server's URL with the proxy in its place. */
  private String viaProxy() throws Exception {
    URI u = URI.create(TestServers.rabbitmqUrl());
    return new URI(
            u.getScheme(),
            u.getRawUserInfo() == null ? null : u.getUserInfo(),
            "127.0.0.1",
            proxy.port(),
            u.getPath(),
            null,
            null)
        .toString();
  }

  @Test
  void troubleIsReportedWhileCutOffAndTheSubscriptionResumes() throws Exception {
    PubSub pubsub = rabbit.pubsubAt(viaProxy(), "resume-" + UUID.randomUUID());
    List<String> got = new CopyOnWriteArrayList<>();
    pubsub.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          got.add(new String(m.data(), UTF_8));
          return CompletableFuture.completedFuture(null);
        });
    publish(pubsub, topic, "before");
    await().atMost(WAIT).until(() -> got.contains("before"));
    assertThat(pubsub.trouble()).isEmpty();

    proxy.refuse(true);
    proxy.cut();

    await().atMost(WAIT).until(() -> pubsub.trouble().isPresent());
    assertThat(pubsub.trouble().get()).contains("reconnecting").doesNotContain("guest:");
    Throwable failed =
        pubsub
            .publish(new PublishRequest(topic, "lost".getBytes(UTF_8), "text/plain", Map.of()))
            .handle((v, e) -> e)
            .toCompletableFuture()
            .join();
    assertThat(Completions.unwrap(failed)).isInstanceOf(ComponentException.class);

    proxy.refuse(false);

    await().atMost(WAIT).until(() -> pubsub.trouble().isEmpty());
    publish(pubsub, topic, "after");
    await().atMost(WAIT).until(() -> got.contains("after"));
  }

  @Test
  void aSubscriptionMadeWhileCutOffStartsOnceConnected() throws Exception {
    PubSub pubsub = rabbit.pubsubAt(viaProxy(), "late-" + UUID.randomUUID());
    proxy.refuse(true);
    proxy.cut();
    await().atMost(WAIT).until(() -> pubsub.trouble().isPresent());

    List<String> got = new CopyOnWriteArrayList<>();
    pubsub.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          got.add(new String(m.data(), UTF_8));
          return CompletableFuture.completedFuture(null);
        });
    proxy.refuse(false);

    await().atMost(WAIT).until(() -> pubsub.trouble().isEmpty());
    publish(pubsub, topic, "hello");
    await().atMost(WAIT).until(() -> got.contains("hello"));
  }

  @Test
  void nothingPublishedToADurableQueueIsLostWhenTheSubscriberIsCutMidStream() throws Exception {
    String app = "stream-" + UUID.randomUUID();
    String[] durable = {"deletedWhenUnused", "false", "deliveryMode", "2", "prefetchCount", "10"};
    rabbit.cleanUpQueue(app + "-" + topic);
    PubSub publisher = rabbit.pubsub("publisher", durable);
    PubSub subscriber = rabbit.pubsubAt(viaProxy(), app, durable);
    Map<String, Integer> got = new ConcurrentHashMap<>();
    subscriber.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          got.merge(new String(m.data(), UTF_8), 1, Integer::sum);
          return CompletableFuture.completedFuture(null);
        });

    int count = 300;
    for (int i = 0; i < count; i++) {
      if (i == 100 || i == 200) {
        proxy.cut();
      }
      publish(publisher, topic, "m" + i);
    }

    await().atMost(WAIT).until(() -> got.size() == count);
    for (int i = 0; i < count; i++) {
      assertThat(got).containsKey("m" + i);
    }
  }

  @Test
  void aMessageWhoseStageIsPendingIsNotHandedOverAgainAfterAReconnect() throws Exception {
    String app = "pending-" + UUID.randomUUID();
    String[] keep = {"deletedWhenUnused", "false"};
    rabbit.cleanUpQueue(app + "-" + topic);
    PubSub publisher = rabbit.pubsub("publisher", keep);
    PubSub subscriber = rabbit.pubsubAt(viaProxy(), app, keep);
    CompletableFuture<Void> slow = new CompletableFuture<>();
    Map<String, Integer> deliveries = new ConcurrentHashMap<>();
    subscriber.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          String body = new String(m.data(), UTF_8);
          deliveries.merge(body, 1, Integer::sum);
          return body.equals("slow") ? slow : CompletableFuture.completedFuture(null);
        });
    publish(publisher, topic, "slow");
    await().atMost(WAIT).until(() -> deliveries.containsKey("slow"));

    proxy.cut(); // the broker takes "slow" back and delivers it again on the new channel
    await().atMost(WAIT).until(() -> subscriber.trouble().isPresent());
    await().atMost(WAIT).until(() -> subscriber.trouble().isEmpty());
    publish(publisher, topic, "marker1");
    await().atMost(WAIT).until(() -> deliveries.containsKey("marker1"));
    assertThat(deliveries.get("slow")).as("still pending: not handed over again").isEqualTo(1);

    slow.complete(null); // its success settles the copy the broker delivered again
    publish(publisher, topic, "marker2");
    await().atMost(WAIT).until(() -> deliveries.containsKey("marker2"));
    subscriber.close(); // anything left unacknowledged would now go back to the queue
    PubSub next = rabbit.pubsub(app, keep);
    next.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          deliveries.merge(new String(m.data(), UTF_8), 1, Integer::sum);
          return CompletableFuture.completedFuture(null);
        });
    publish(publisher, topic, "marker3");
    await().atMost(WAIT).until(() -> deliveries.containsKey("marker3"));
    assertThat(deliveries.get("slow")).as("acknowledged once, for good").isEqualTo(1);
  }

  @Test
  void aQueueDeletedUnderneathIsDeclaredAgain() throws Exception {
    String app = "deleted-" + UUID.randomUUID();
    String queue = app + "-" + topic;
    PubSub pubsub = rabbit.pubsub(app);
    List<String> got = new CopyOnWriteArrayList<>();
    pubsub.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          got.add(new String(m.data(), UTF_8));
          return CompletableFuture.completedFuture(null);
        });

    try (var ch = rabbit.connection().createChannel()) {
      ch.queueDelete(queue);
    }

    await().atMost(WAIT).until(() -> rabbit.queueExists(queue));
    await().atMost(WAIT).until(() -> pubsub.trouble().isEmpty());
    publish(pubsub, topic, "still here");
    await().atMost(WAIT).until(() -> got.contains("still here"));
  }
}
