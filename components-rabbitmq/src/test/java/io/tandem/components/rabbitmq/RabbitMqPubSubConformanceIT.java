package io.tandem.components.rabbitmq;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.BulkMessageHandler;
import io.tandem.components.pubsub.BulkPublishRequest;
import io.tandem.components.pubsub.BulkPublishResponse;
import io.tandem.components.pubsub.BulkSubscribeOptions;
import io.tandem.components.pubsub.MessageHandler;
import io.tandem.components.pubsub.PubSub;
import io.tandem.components.pubsub.PubSubConformance;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.components.pubsub.TopicSubscription;
import io.tandem.components.testing.TestServers;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;

/**
 * The pub/sub conformance suite against {@code pubsub.rabbitmq} on the test server, configured as
 * the issue asks (a durable queue per app id that outlives its subscribers: {@code
 * deletedWhenUnused: false}). As those queues stay, the topics each test used are recorded and
 * their queues and exchanges deleted afterwards.
 */
class RabbitMqPubSubConformanceIT extends PubSubConformance {
  private final Set<String> topics = ConcurrentHashMap.newKeySet();
  private RabbitMqPubSub real;

  @Override
  protected PubSub newPubSub(ComponentContext context) throws Exception {
    real = new RabbitMqPubSub();
    real.init(
        new ComponentMetadata(
            "rabbitmq",
            Map.of(
                "connectionString", TestServers.rabbitmqUrl(),
                "durable", "true",
                "deletedWhenUnused", "false",
                "backOffPolicy", "exponential",
                "backOffInitialInterval", "10ms",
                "backOffMaxInterval", "100ms")),
        context);
    return new Recording(real);
  }

  @AfterEach
  void deleteWhatTheTestLeft() throws Exception {
    real.close();
    try (Rabbit rabbit = new Rabbit()) {
      for (String t : topics) {
        rabbit.cleanUpQueue(context().appId() + "-" + t);
        rabbit.cleanUpExchange(t);
      }
    }
  }

  private ComponentContext context() {
    return ComponentContext.of("conformance", "", Runnable::run, Map.of());
  }

  /** The component, noting the topics it is used with. */
  private final class Recording implements PubSub {
    private final RabbitMqPubSub p;

    Recording(RabbitMqPubSub p) {
      this.p = p;
    }

    @Override
    public void init(ComponentMetadata metadata, ComponentContext context) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Set<String> features() {
      return p.features();
    }

    @Override
    public Optional<String> trouble() {
      return p.trouble();
    }

    @Override
    public boolean ordered() {
      return p.ordered();
    }

    @Override
    public CompletionStage<Void> publish(PublishRequest request) {
      topics.add(request.topic());
      return p.publish(request);
    }

    @Override
    public CompletionStage<BulkPublishResponse> bulkPublish(BulkPublishRequest request) {
      topics.add(request.topic());
      return p.bulkPublish(request);
    }

    @Override
    public TopicSubscription subscribe(SubscribeRequest request, MessageHandler handler) {
      topics.add(request.topic());
      return p.subscribe(request, handler);
    }

    @Override
    public TopicSubscription bulkSubscribe(
        SubscribeRequest request, BulkSubscribeOptions options, BulkMessageHandler handler) {
      topics.add(request.topic());
      return p.bulkSubscribe(request, options, handler);
    }

    @Override
    public void close() {
      p.close();
    }
  }
}
