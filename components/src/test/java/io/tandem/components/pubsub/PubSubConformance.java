package io.tandem.components.pubsub;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every pub/sub broker must show, written once and run per broker through a thin
 * subclass that implements {@link #newPubSub}.
 *
 * <p>Each test gets a fresh broker and closes it afterwards. Topics carry a prefix unique to the
 * test, so a broker backed by a shared server (Redis, Kafka, RabbitMQ) needs no cleanup between
 * tests. Order is checked only for brokers that report {@link PubSub#ordered()}; every broker must
 * deliver every message at least once, redelivering those whose handler failed.
 */
public abstract class PubSubConformance {
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** The broker under test, created by {@link #newPubSub} before each test. */
  protected PubSub pubsub;

  /** Lent to the broker as its blocking executor; shut down after each test. */
  protected ExecutorService workers;

  private String prefix;
  private final List<TopicSubscription> subscriptions = new ArrayList<>();

  /**
   * Creates and initialises a broker with {@code context}, ready for use. Subclasses should
   * configure a short redelivery back-off so that the redelivery tests run quickly.
   */
  protected abstract PubSub newPubSub(ComponentContext context) throws Exception;

  @BeforeEach
  void openPubSub() throws Exception {
    AtomicInteger n = new AtomicInteger();
    workers =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "pubsub-conformance-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    prefix = "conformance-" + UUID.randomUUID() + "-";
    pubsub = newPubSub(ComponentContext.of("conformance", "", workers, Map.of()));
  }

  @AfterEach
  void closePubSub() throws Exception {
    try {
      subscriptions.forEach(TopicSubscription::close);
      if (pubsub != null) {
        pubsub.close();
      }
    } finally {
      workers.shutdownNow();
    }
  }

  // ---- publish and subscribe ----------------------------------------------------------------

  @Test
  void aSubscriberReceivesWhatIsPublished() {
    String topic = topic("orders");
    List<Message> got = new CopyOnWriteArrayList<>();
    subscribe(topic, m -> ack(got, m));

    publish(topic, "{\"id\":1}", "application/cloudevents+json");

    await().atMost(WAIT).until(() -> got.size() == 1);
    assertThat(got.get(0).topic()).isEqualTo(topic);
    assertThat(new String(got.get(0).data(), UTF_8)).isEqualTo("{\"id\":1}");
  }

  @Test
  void payloadBytesArriveUnchanged() {
    String topic = topic("bytes");
    List<Message> got = new CopyOnWriteArrayList<>();
    subscribe(topic, m -> ack(got, m));
    byte[] payload = {0, (byte) 0xFF, (byte) 0xFE, 10, (byte) 0x80, 65};

    join(pubsub.publish(new PublishRequest(topic, payload, "application/octet-stream", Map.of())));

    await().atMost(WAIT).until(() -> got.size() == 1);
    assertThat(got.get(0).data()).containsExactly(payload);
  }

  @Test
  void twoTopicsGoToTheirOwnHandlers() {
    String a = topic("a");
    String b = topic("b");
    List<String> gotA = new CopyOnWriteArrayList<>();
    List<String> gotB = new CopyOnWriteArrayList<>();
    subscribe(a, m -> text(gotA, m));
    subscribe(b, m -> text(gotB, m));

    for (int i = 0; i < 5; i++) {
      publish(a, "a" + i, "text/plain");
      publish(b, "b" + i, "text/plain");
    }

    await().atMost(WAIT).until(() -> gotA.size() >= 5 && gotB.size() >= 5);
    assertThat(new HashSet<>(gotA)).containsExactlyInAnyOrder("a0", "a1", "a2", "a3", "a4");
    assertThat(new HashSet<>(gotB)).containsExactlyInAnyOrder("b0", "b1", "b2", "b3", "b4");
  }

  @Test
  void aFailedMessageIsRedelivered() {
    String topic = topic("retry");
    AtomicInteger attempts = new AtomicInteger();
    List<String> acked = new CopyOnWriteArrayList<>();
    subscribe(
        topic,
        m -> {
          if (attempts.incrementAndGet() < 3) {
            return CompletableFuture.failedFuture(new IllegalStateException("not yet"));
          }
          return text(acked, m);
        });

    publish(topic, "once", "text/plain");

    await().atMost(WAIT).until(() -> acked.contains("once"));
    assertThat(attempts.get()).isGreaterThanOrEqualTo(3);
  }

  /**
   * The handler fails its first two deliveries and every fifth one; every message must still be
   * acknowledged, and an ordered broker must acknowledge them in publish order.
   */
  @Test
  void everyMessageArrivesAlthoughTheHandlerFailsSomeDeliveries() {
    String topic = topic("flaky");
    int count = 30;
    AtomicInteger deliveries = new AtomicInteger();
    List<String> acked = new CopyOnWriteArrayList<>();
    Map<String, Integer> seen = new ConcurrentHashMap<>();
    subscribe(
        topic,
        m -> {
          int n = deliveries.incrementAndGet();
          seen.merge(new String(m.data(), UTF_8), 1, Integer::sum);
          if (n <= 2 || n % 5 == 0) {
            return CompletableFuture.failedFuture(new IllegalStateException("delivery " + n));
          }
          return text(acked, m);
        });

    List<String> published = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      published.add("m" + i);
      publish(topic, "m" + i, "text/plain");
    }

    await().atMost(WAIT).until(() -> new HashSet<>(acked).size() == count);
    assertThat(new HashSet<>(acked)).containsExactlyInAnyOrderElementsOf(published);
    assertThat(seen.values().stream().mapToInt(Integer::intValue).sum())
        .as("failed deliveries were made again")
        .isGreaterThan(count);
    if (pubsub.ordered()) {
      assertThat(acked).containsExactlyElementsOf(published);
    }
  }

  @Test
  void aClosedSubscriptionReceivesNothingMore() {
    String closedTopic = topic("closed");
    String openTopic = topic("open");
    List<String> closedGot = new CopyOnWriteArrayList<>();
    List<String> openGot = new CopyOnWriteArrayList<>();
    TopicSubscription s = subscribe(closedTopic, m -> text(closedGot, m));
    subscribe(openTopic, m -> text(openGot, m));
    publish(closedTopic, "before", "text/plain");
    await().atMost(WAIT).until(() -> closedGot.contains("before"));

    s.close();
    s.close();
    publish(closedTopic, "after", "text/plain");
    publish(openTopic, "marker", "text/plain");

    await().atMost(WAIT).until(() -> openGot.contains("marker"));
    assertThat(closedGot).containsExactly("before");
  }

  // ---- features -----------------------------------------------------------------------------

  /**
   * A broker claims only features this suite (or the sidecar) holds it to, and each claim holds: a
   * broker that enforces {@code ttlInSeconds} itself drops a message that expired while it waited
   * for its consumer, while the one published beside it without a TTL still arrives.
   */
  @Test
  void advertisedFeaturesHold() throws Exception {
    assertThat(pubsub.features())
        .isSubsetOf(
            PubSub.FEATURE_MESSAGE_TTL,
            PubSub.FEATURE_SUBSCRIBE_WILDCARDS,
            PubSub.FEATURE_BULK_PUBLISH);
    if (pubsub.features().contains(PubSub.FEATURE_MESSAGE_TTL)) {
      String topic = topic("ttl");
      // the consumer group (queue) exists, but nobody consumes while the message waits
      subscribe(topic, m -> CompletableFuture.completedFuture(null)).close();
      join(
          pubsub.publish(
              new PublishRequest(
                  topic,
                  "short-lived".getBytes(UTF_8),
                  "text/plain",
                  Map.of(PubSub.TTL_IN_SECONDS, "1"))));
      publish(topic, "lasting", "text/plain");
      Thread.sleep(2500);
      List<String> got = new CopyOnWriteArrayList<>();
      subscribe(topic, m -> text(got, m));
      await().atMost(WAIT).until(() -> got.contains("lasting"));
      assertThat(got).doesNotContain("short-lived");
    }
  }

  // ---- bulk ---------------------------------------------------------------------------------

  @Test
  void bulkPublishDeliversEveryEntry() {
    String topic = topic("bulkpub");
    List<String> got = new CopyOnWriteArrayList<>();
    subscribe(topic, m -> text(got, m));
    List<BulkMessageEntry> entries = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      entries.add(new BulkMessageEntry("e" + i, ("b" + i).getBytes(UTF_8), "text/plain", Map.of()));
    }

    BulkPublishResponse res =
        join(pubsub.bulkPublish(new BulkPublishRequest(topic, entries, Map.of())));

    assertThat(res.failedEntries()).isEmpty();
    await().atMost(WAIT).until(() -> got.size() >= 10);
    assertThat(new HashSet<>(got))
        .containsExactlyInAnyOrder("b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9");
    if (pubsub.ordered()) {
      assertThat(got).containsExactly("b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9");
    }
  }

  @Test
  void bulkSubscribeDeliversBatchesNoLargerThanAsked() {
    String topic = topic("bulksub");
    List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    Set<String> got = ConcurrentHashMap.newKeySet();
    subscriptions.add(
        pubsub.bulkSubscribe(
            new SubscribeRequest(topic, Map.of()),
            new BulkSubscribeOptions(4, Duration.ofMillis(50)),
            batch -> {
              batchSizes.add(batch.entries().size());
              batch.entries().forEach(e -> got.add(new String(e.event(), UTF_8)));
              return CompletableFuture.completedFuture(Set.of());
            }));

    for (int i = 0; i < 10; i++) {
      publish(topic, "x" + i, "text/plain");
    }

    await().atMost(WAIT).until(() -> got.size() == 10);
    assertThat(batchSizes).allMatch(n -> n >= 1 && n <= 4);
  }

  @Test
  void bulkSubscribeRedeliversOnlyTheFailedEntries() {
    String topic = topic("bulkretry");
    Map<String, Integer> deliveries = new ConcurrentHashMap<>();
    Set<String> acked = ConcurrentHashMap.newKeySet();
    subscriptions.add(
        pubsub.bulkSubscribe(
            new SubscribeRequest(topic, Map.of()),
            new BulkSubscribeOptions(5, Duration.ofMillis(50)),
            batch -> {
              Set<String> failed = new HashSet<>();
              for (BulkMessageEntry e : batch.entries()) {
                String body = new String(e.event(), UTF_8);
                int n = deliveries.merge(body, 1, Integer::sum);
                // odd entries fail their first delivery
                if (Integer.parseInt(body.substring(1)) % 2 == 1 && n == 1) {
                  failed.add(e.entryId());
                } else {
                  acked.add(body);
                }
              }
              return CompletableFuture.completedFuture(failed);
            }));

    for (int i = 0; i < 8; i++) {
      publish(topic, "y" + i, "text/plain");
    }

    await().atMost(WAIT).until(() -> acked.size() == 8);
    Map<String, Integer> expected = new HashMap<>();
    for (int i = 0; i < 8; i++) {
      expected.put("y" + i, i % 2 == 1 ? 2 : 1);
    }
    assertThat(deliveries).containsAllEntriesOf(expected);
  }

  // ---- helpers ------------------------------------------------------------------------------

  protected String topic(String name) {
    return prefix + name;
  }

  private TopicSubscription subscribe(String topic, MessageHandler handler) {
    TopicSubscription s = pubsub.subscribe(new SubscribeRequest(topic, Map.of()), handler);
    subscriptions.add(s);
    return s;
  }

  private void publish(String topic, String text, String contentType) {
    join(pubsub.publish(new PublishRequest(topic, text.getBytes(UTF_8), contentType, Map.of())));
  }

  private static CompletableFuture<Void> ack(List<Message> into, Message m) {
    into.add(m);
    return CompletableFuture.completedFuture(null);
  }

  private static CompletableFuture<Void> text(List<String> into, Message m) {
    into.add(new String(m.data(), UTF_8));
    return CompletableFuture.completedFuture(null);
  }

  private static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }
}
