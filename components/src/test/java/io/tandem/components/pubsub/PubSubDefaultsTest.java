package io.tandem.components.pubsub;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The SPI's default bulk publish and bulk subscribe, over a broker that has neither. */
class PubSubDefaultsTest {

  /**
   * Publishes succeed except for payloads starting with "bad"; subscriptions are driven by hand.
   */
  static final class FakeBroker implements PubSub {
    final List<String> published = new CopyOnWriteArrayList<>();
    MessageHandler handler;

    @Override
    public void init(ComponentMetadata metadata, ComponentContext context) {}

    @Override
    public CompletionStage<Void> publish(PublishRequest request) {
      String s = new String(request.data(), UTF_8);
      if (s.startsWith("bad")) {
        return CompletableFuture.failedFuture(new IllegalStateException("refused " + s));
      }
      published.add(s);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public TopicSubscription subscribe(SubscribeRequest request, MessageHandler handler) {
      this.handler = handler;
      return () -> this.handler = null;
    }
  }

  @Test
  void bulkPublishReportsEachFailedEntryAndPublishesTheRestInOrder() {
    FakeBroker broker = new FakeBroker();
    List<BulkMessageEntry> entries = new ArrayList<>();
    for (String s : List.of("a", "bad1", "b", "bad2", "c")) {
      entries.add(new BulkMessageEntry("id-" + s, s.getBytes(UTF_8), "text/plain", Map.of()));
    }

    BulkPublishResponse res =
        broker
            .bulkPublish(new BulkPublishRequest("t", entries, Map.of()))
            .toCompletableFuture()
            .join();

    assertThat(res.failedEntries())
        .extracting(BulkPublishResponse.FailedEntry::entryId)
        .containsExactly("id-bad1", "id-bad2");
    assertThat(res.failedEntries().get(0).error()).isEqualTo("refused bad1");
    assertThat(broker.published).containsExactly("a", "b", "c");
  }

  @Test
  void defaultBulkSubscribeBatchesConcurrentDeliveriesAndSettlesEachMessageAlone() {
    FakeBroker broker = new FakeBroker();
    List<Integer> sizes = new CopyOnWriteArrayList<>();
    broker.bulkSubscribe(
        new SubscribeRequest("t", Map.of()),
        new BulkSubscribeOptions(3, Duration.ofMinutes(5)),
        batch -> {
          sizes.add(batch.entries().size());
          String failedId =
              batch.entries().stream()
                  .filter(e -> new String(e.event(), UTF_8).equals("two"))
                  .map(BulkMessageEntry::entryId)
                  .findFirst()
                  .orElseThrow();
          return CompletableFuture.completedFuture(Set.of(failedId));
        });

    CompletableFuture<Void> one = deliver(broker, "one");
    CompletableFuture<Void> two = deliver(broker, "two");
    assertThat(one).isNotDone();
    CompletableFuture<Void> three = deliver(broker, "three");

    assertThat(sizes).containsExactly(3);
    assertThat(one).isCompleted();
    assertThat(three).isCompleted();
    assertThat(two).isCompletedExceptionally();
  }

  @Test
  void defaultBulkSubscribeSendsAPartialBatchAfterMaxAwait() {
    FakeBroker broker = new FakeBroker();
    List<Integer> sizes = new CopyOnWriteArrayList<>();
    broker.bulkSubscribe(
        new SubscribeRequest("t", Map.of()),
        new BulkSubscribeOptions(100, Duration.ofMillis(20)),
        batch -> {
          sizes.add(batch.entries().size());
          return CompletableFuture.completedFuture(Set.of());
        });

    CompletableFuture<Void> only = deliver(broker, "alone");

    await().atMost(Duration.ofSeconds(10)).until(only::isDone);
    assertThat(only).isCompleted();
    assertThat(sizes).containsExactly(1);
  }

  @Test
  void closingTheDefaultBulkSubscriptionFailsTheWaitingMessages() {
    FakeBroker broker = new FakeBroker();
    TopicSubscription s =
        broker.bulkSubscribe(
            new SubscribeRequest("t", Map.of()),
            new BulkSubscribeOptions(100, Duration.ofMinutes(5)),
            batch -> CompletableFuture.completedFuture(Set.of()));
    MessageHandler handler = broker.handler;
    CompletableFuture<Void> waiting = deliver(broker, "w");

    s.close();

    assertThat(waiting).isCompletedExceptionally();
    assertThat(handler.handle(new Message("t", new byte[0], null, Map.of())).toCompletableFuture())
        .isCompletedExceptionally();
  }

  private static CompletableFuture<Void> deliver(FakeBroker broker, String text) {
    return broker
        .handler
        .handle(new Message("t", text.getBytes(UTF_8), "text/plain", Map.of()))
        .toCompletableFuture();
  }
}
