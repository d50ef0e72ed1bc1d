package io.tandem.components.rabbitmq;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.pubsub.SubscribeRequest;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Metadata to exchanges, queues, arguments and message properties: no broker needed. */
class RabbitMqTranslationTest {

  private static RabbitMqSettings settings(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return RabbitMqSettings.from(new ComponentMetadata("mq", m), "app");
  }

  private static PublishRequest publish(Map<String, String> md) {
    return new PublishRequest("orders", "x".getBytes(UTF_8), "application/json", md);
  }

  @Test
  void theFactoryIsFoundByItsDaprType() {
    assertThat(ServiceLoader.load(io.tandem.components.ComponentFactory.class).stream())
        .anyMatch(p -> p.get().type().equals("pubsub.rabbitmq"));
  }

  @Test
  void aSubscriptionReadsTheQueueOfItsConsumerIdBoundWithAnEmptyKey() {
    Subscription.Topology t =
        RabbitMqPubSub.topology(settings(), new SubscribeRequest("orders", Map.of()));

    assertThat(t.queue()).isEqualTo("app-orders");
    assertThat(t.routingKeys()).containsExactly("");
    assertThat(t.queueArgs()).containsExactly(Map.entry("x-queue-type", "classic"));
    assertThat(t.deadLetterExchange()).isNull();
  }

  @Test
  void subscriptionMetadataShapesTheQueue() {
    Subscription.Topology t =
        RabbitMqPubSub.topology(
            settings("maxLen", "10"),
            new SubscribeRequest(
                "orders",
                Map.of(
                    "queueName", "q-a",
                    "routingKey", "keyA,keyB,",
                    "maxPriority", "300",
                    "queueType", "quorum",
                    "singleActiveConsumer", "true",
                    "maxLen", "20",
                    "maxLenBytes", "4096")));

    assertThat(t.queue()).isEqualTo("q-a");
    assertThat(t.routingKeys()).containsExactly("keyA", "keyB", "");
    assertThat(t.queueArgs())
        .containsEntry("x-max-priority", 255)
        .containsEntry("x-queue-type", "quorum")
        .containsEntry("x-single-active-consumer", true)
        .containsEntry("x-max-length", 20L)
        .containsEntry("x-max-length-bytes", 4096L);
  }

  @Test
  void deadLetteringDeclaresDaprsExchangeAndQueue() {
    Subscription.Topology t =
        RabbitMqPubSub.topology(
            settings("enableDeadLetter", "true", "maxLen", "100", "consumerID", "billing"),
            new SubscribeRequest("orders", Map.of()));

    assertThat(t.deadLetterExchange()).isEqualTo("dlx-billing-orders");
    assertThat(t.deadLetterQueue()).isEqualTo("dlq-billing-orders");
    assertThat(t.queueArgs())
        .containsEntry("x-dead-letter-exchange", "dlx-billing-orders")
        .containsEntry("x-max-length", 100L);
    assertThat(t.deadLetterArgs())
        .containsEntry("x-queue-mode", "lazy")
        .containsEntry("x-max-length", 100L);
  }

  @Test
  void badSubscriptionMetadataIsRefused() {
    assertThatThrownBy(
            () ->
                RabbitMqPubSub.topology(
                    settings(), new SubscribeRequest("t", Map.of("queueType", "stream"))))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("queueType");
    assertThatThrownBy(
            () ->
                RabbitMqPubSub.topology(
                    settings(), new SubscribeRequest("t", Map.of("maxPriority", "high"))))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("maxPriority");
  }

  @Test
  void aPublishCarriesContentTypeAMessageIdAndNoExpirationByDefault() {
    AMQP.BasicProperties p = RabbitMqPubSub.properties(settings(), publish(Map.of()));

    assertThat(p.getContentType()).isEqualTo("application/json");
    assertThat(p.getMessageId()).isNotBlank();
    assertThat(p.getExpiration()).isNull();
    assertThat(p.getDeliveryMode()).isNull();
  }

  @Test
  void requestMetadataSetsTtlPriorityAndIds() {
    AMQP.BasicProperties p =
        RabbitMqPubSub.properties(
            settings("deliveryMode", "2", "ttlInSeconds", "60"),
            publish(
                Map.of(
                    "ttlInSeconds", "5",
                    "priority", "3",
                    "messageID", "m-1",
                    "correlationID", "c-1",
                    "type", "order.created",
                    "contentType", "text/plain")));

    assertThat(p.getExpiration()).isEqualTo("5000");
    assertThat(p.getPriority()).isEqualTo(3);
    assertThat(p.getMessageId()).isEqualTo("m-1");
    assertThat(p.getCorrelationId()).isEqualTo("c-1");
    assertThat(p.getType()).isEqualTo("order.created");
    assertThat(p.getContentType()).isEqualTo("text/plain");
    assertThat(p.getDeliveryMode()).isEqualTo(2);
  }

  @Test
  void theComponentTtlAppliesWhenTheRequestHasNone() {
    AMQP.BasicProperties p =
        RabbitMqPubSub.properties(settings("ttlInSeconds", "60"), publish(Map.of()));

    assertThat(p.getExpiration()).isEqualTo("60000");
  }

  @Test
  void unreadablePriorityAndTtlAreIgnoredAsDaprDoes() {
    AMQP.BasicProperties p =
        RabbitMqPubSub.properties(
            settings(), publish(Map.of("priority", "high", "ttlInSeconds", "soon")));

    assertThat(p.getPriority()).isNull();
    assertThat(p.getExpiration()).isNull();
  }

  @Test
  void reconnectWaitsDoubleUpToThirtySeconds() {
    Duration base = Duration.ofSeconds(3);

    assertThat(Link.nextWait(base, 1)).isEqualTo(Duration.ofSeconds(3));
    assertThat(Link.nextWait(base, 2)).isEqualTo(Duration.ofSeconds(6));
    assertThat(Link.nextWait(base, 4)).isEqualTo(Duration.ofSeconds(24));
    assertThat(Link.nextWait(base, 5)).isEqualTo(Duration.ofSeconds(30));
    assertThat(Link.nextWait(base, 500)).isEqualTo(Duration.ofSeconds(30));
    assertThat(Link.nextWait(Duration.ZERO, 1)).isEqualTo(Duration.ofMillis(100));
    assertThat(Link.nextWait(Duration.ofMinutes(2), 3)).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void consumerTagsAreUniqueAndFitAmqp() {
    String longQueue = "q".repeat(300);

    assertThat(Subscription.consumerTag("a")).isNotEqualTo(Subscription.consumerTag("a"));
    assertThat(Subscription.consumerTag(longQueue)).hasSize(255);
  }
}
