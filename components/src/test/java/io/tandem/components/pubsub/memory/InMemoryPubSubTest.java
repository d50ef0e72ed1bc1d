package io.tandem.components.pubsub.memory;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.pubsub.SubscribeRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What {@code pubsub.in-memory} does beyond the conformance suite. */
class InMemoryPubSubTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final InMemoryPubSub pubsub = new InMemoryPubSub();

  private void init(Map<String, String> md) {
    pubsub.init(
        new ComponentMetadata("mem", md), ComponentContext.of("app", "", Runnable::run, Map.of()));
  }

  @AfterEach
  void close() {
    pubsub.close();
  }

  @Test
  void everySubscriptionOfATopicGetsEveryMessage() {
    init(Map.of());
    List<String> one = new CopyOnWriteArrayList<>();
    List<String> two = new CopyOnWriteArrayList<>();
    pubsub.subscribe(new SubscribeRequest("t", Map.of()), m -> add(one, m.data()));
    pubsub.subscribe(new SubscribeRequest("t", Map.of()), m -> add(two, m.data()));

    publish("t", "hello");

    await().atMost(WAIT).until(() -> one.size() == 1 && two.size() == 1);
  }

  @Test
  void metadataAndContentTypeTravelWithTheMessage() {
    init(Map.of());
    List<io.tandem.components.pubsub.Message> got = new CopyOnWriteArrayList<>();
    pubsub.subscribe(
        new SubscribeRequest("t", Map.of()),
        m -> {
          got.add(m);
          return CompletableFuture.completedFuture(null);
        });

    pubsub
        .publish(new PublishRequest("t", "x".getBytes(UTF_8), "text/plain", Map.of("k", "v")))
        .toCompletableFuture()
        .join();

    await().atMost(WAIT).until(() -> got.size() == 1);
    assertThat(got.get(0).contentType()).isEqualTo("text/plain");
    assertThat(got.get(0).metadata()).containsEntry("k", "v");
  }

  @Test
  void aMessagePublishedWithoutSubscribersIsLost() {
    init(Map.of());
    publish("t", "nobody");
    List<String> got = new CopyOnWriteArrayList<>();
    pubsub.subscribe(new SubscribeRequest("t", Map.of()), m -> add(got, m.data()));

    publish("t", "somebody");

    await().atMost(WAIT).until(() -> got.size() == 1);
    assertThat(got).containsExactly("somebody");
  }

  @Test
  void aMessageIsGivenUpAfterBackOffMaxRetriesAndTheNextOneFollows() {
    init(Map.of("backOffPolicy", "constant", "backOffDuration", "1ms", "backOffMaxRetries", "2"));
    AtomicInteger poisonAttempts = new AtomicInteger();
    List<String> acked = new CopyOnWriteArrayList<>();
    pubsub.subscribe(
        new SubscribeRequest("t", Map.of()),
        m -> {
          String s = new String(m.data(), UTF_8);
          if (s.equals("poison")) {
            poisonAttempts.incrementAndGet();
            return CompletableFuture.failedFuture(new IllegalStateException("never"));
          }
          return add(acked, m.data());
        });

    publish("t", "poison");
    publish("t", "next");

    await().atMost(WAIT).until(() -> acked.contains("next"));
    assertThat(poisonAttempts.get()).isEqualTo(3);
  }

  @Test
  void aHandlerThatThrowsCountsAsAFailure() {
    init(Map.of("backOffInitialInterval", "1ms"));
    AtomicInteger calls = new AtomicInteger();
    List<String> acked = new CopyOnWriteArrayList<>();
    pubsub.subscribe(
        new SubscribeRequest("t", Map.of()),
        m -> {
          if (calls.incrementAndGet() == 1) {
            throw new IllegalStateException("boom");
          }
          return add(acked, m.data());
        });

    publish("t", "x");

    await().atMost(WAIT).until(() -> acked.contains("x"));
    assertThat(calls.get()).isEqualTo(2);
  }

  @Test
  void aClosedBrokerRefusesToPublishAndSubscribe() {
    init(Map.of());
    pubsub.close();

    assertThatThrownBy(() -> publish("t", "x"))
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(ComponentException.class);
    assertThatThrownBy(
            () ->
                pubsub.subscribe(
                    new SubscribeRequest("t", Map.of()),
                    m -> CompletableFuture.completedFuture(null)))
        .isInstanceOf(ComponentException.class);
  }

  @Test
  void anEmptyTopicIsRefused() {
    init(Map.of());
    assertThatThrownBy(() -> publish("", "x")).hasCauseInstanceOf(ComponentException.class);
  }

  @Test
  void aBadBackOffPolicyFailsInit() {
    assertThatThrownBy(() -> init(Map.of("backOffPolicy", "random")))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("backOffPolicy");
  }

  private void publish(String topic, String text) {
    pubsub
        .publish(new PublishRequest(topic, text.getBytes(UTF_8), "text/plain", Map.of()))
        .toCompletableFuture()
        .join();
  }

  private static CompletableFuture<Void> add(List<String> into, byte[] data) {
    into.add(new String(data, UTF_8));
    return CompletableFuture.completedFuture(null);
  }
}
