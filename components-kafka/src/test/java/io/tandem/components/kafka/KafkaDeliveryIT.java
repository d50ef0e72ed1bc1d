package io.tandem.components.kafka;

import static io.tandem.components.kafka.KafkaTestKit.fail;
import static io.tandem.components.kafka.KafkaTestKit.ok;
import static io.tandem.components.kafka.KafkaTestKit.plaintext;
import static io.tandem.components.kafka.KafkaTestKit.publish;
import static io.tandem.components.kafka.KafkaTestKit.text;
import static io.tandem.components.kafka.KafkaTestKit.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.components.pubsub.Message;
import io.tandem.components.pubsub.SubscribeRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a subscriber sees: partition order kept through redeliveries, Dapr's metadata, and
 * back-pressure.
 */
class KafkaDeliveryIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private final List<KafkaPubSub> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(KafkaPubSub::close);
  }

  private KafkaPubSub open(String... kv) {
    KafkaPubSub p = KafkaTestKit.pubsub(plaintext(kv));
    opened.add(p);
    return p;
  }

  @Test
  void aPartitionIsDeliveredInOrderAlthoughDeliveriesFail() {
    String topic = unique("order");
    KafkaPubSub p = open("consumerGroup", unique("g"), "backOffDuration", "20ms");
    AtomicInteger deliveries = new AtomicInteger();
    List<String> acked = new CopyOnWriteArrayList<>();
    p.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          if (deliveries.incrementAndGet() % 3 == 0) {
            return fail("every third delivery fails");
          }
          acked.add(text(m));
          return ok();
        });
    List<String> published = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      published.add("m" + i);
      publish(p, topic, "m" + i, Map.of());
    }

    await().atMost(WAIT).until(() -> acked.size() >= 30);
    assertThat(acked).containsExactlyElementsOf(published);
  }

  @Test
  void messagesOfOneKeyKeepTheirOrderAcrossPartitions() throws Exception {
    String topic = unique("keys");
    KafkaTestKit.createTopic(topic, 3);
    KafkaPubSub p = open("consumerGroup", unique("g"), "backOffDuration", "20ms");
    AtomicInteger deliveries = new AtomicInteger();
    Map<String, List<String>> byKey = new java.util.concurrent.ConcurrentHashMap<>();
    AtomicInteger acked = new AtomicInteger();
    p.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          if (deliveries.incrementAndGet() % 4 == 0) {
            return fail("every fourth delivery fails");
          }
          byKey
              .computeIfAbsent(m.metadata().get("__key"), k -> new CopyOnWriteArrayList<>())
              .add(text(m));
          acked.incrementAndGet();
          return ok();
        });
    for (int i = 0; i < 60; i++) {
      publish(p, topic, Integer.toString(i), Map.of("partitionKey", "k" + (i % 6)));
    }

    await().atMost(WAIT).until(() -> acked.get() >= 60);
    for (int k = 0; k < 6; k++) {
      List<String> expected = new ArrayList<>();
      for (int i = k; i < 60; i += 6) {
        expected.add(Integer.toString(i));
      }
      assertThat(byKey.get("k" + k)).as("key k%d", k).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void aNewGroupStartsWithWhatIsPublishedAfterItSubscribed() throws Exception {
    String topic = unique("newest");
    KafkaPubSub p = open("consumerGroup", unique("g"));
    publish(p, topic, "before", Map.of());
    Thread.sleep(5); // a later millisecond than the message before: the start is found by time
    List<String> got = new CopyOnWriteArrayList<>();
    p.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          got.add(text(m));
          return ok();
        });
    publish(p, topic, "after", Map.of());

    await().atMost(WAIT).until(() -> got.contains("after"));
    assertThat(got).containsExactly("after");
  }

  @Test
  void initialOffsetOldestStartsANewGroupAtTheBeginning() {
    String topic = unique("oldest");
    KafkaPubSub p = open("consumerGroup", unique("g"), "initialOffset", "oldest");
    publish(p, topic, "before", Map.of());
    List<String> got = new CopyOnWriteArrayList<>();
    p.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          got.add(text(m));
          return ok();
        });
    publish(p, topic, "after", Map.of());

    await().atMost(WAIT).until(() -> got.contains("after"));
    assertThat(got).containsExactly("before", "after");
  }

  @Test
  void publishMetadataArrivesAsDaprsHeadersAndKey() {
    String topic = unique("meta");
    KafkaPubSub p = open("consumerGroup", unique("g"));
    List<Message> got = new CopyOnWriteArrayList<>();
    p.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          got.add(m);
          return ok();
        });
    Map<String, String> md = new HashMap<>();
    md.put("partitionKey", "order-7");
    md.put("correlationId", "c-42");
    long before = System.currentTimeMillis();
    publish(p, topic, "{\"id\":7}", md);

    await().atMost(WAIT).until(() -> got.size() == 1);
    Map<String, String> seen = got.get(0).metadata();
    assertThat(seen)
        .containsEntry("__key", "order-7")
        .containsEntry("correlationId", "c-42")
        .containsEntry("__topic", topic)
        .containsEntry("__partition", "0")
        .containsEntry("__offset", "0")
        .doesNotContainKey("partitionKey");
    assertThat(Long.parseLong(seen.get("__timestamp"))).isBetween(before - 1000, before + 60_000);
  }

  @Test
  void escapeHeadersUrlEscapesTheValues() {
    String topic = unique("escape");
    KafkaPubSub p = open("consumerGroup", unique("g"), "escapeHeaders", "true");
    List<Message> got = new CopyOnWriteArrayList<>();
    p.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          got.add(m);
          return ok();
        });
    publish(p, topic, "x", Map.of("note", "two words\nand a line"));

    await().atMost(WAIT).until(() -> got.size() == 1);
    assertThat(got.get(0).metadata()).containsEntry("note", "two+words%0Aand+a+line");
  }

  /** A handler that never answers: the consumer stops fetching once its buffer is full. */
  @Test
  void aSlowHandlerPausesFetching() {
    String topic = unique("slow");
    KafkaPubSub p = open("consumerGroup", unique("g"), "channelBufferSize", "10");
    AtomicInteger handed = new AtomicInteger();
    p.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          handed.incrementAndGet();
          return new CompletableFuture<Void>();
        });
    for (int i = 0; i < 200; i++) {
      publish(p, topic, "m" + i, Map.of());
    }

    await().atMost(WAIT).until(() -> p.backlog() >= 10);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> p.backlog() < 20);
    assertThat(handed.get()).as("one message at a time per partition").isEqualTo(1);
  }
}
