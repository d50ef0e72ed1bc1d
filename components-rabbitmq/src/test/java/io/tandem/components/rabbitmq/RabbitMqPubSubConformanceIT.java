package io.tandem.components.rabbitmq;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.PubSub;
import io.tandem.components.pubsub.PubSubConformance;
import io.tandem.components.testing.TestServers;
import java.util.Map;

/** The pub/sub conformance suite against {@code pubsub.rabbitmq} on the test server. */
class RabbitMqPubSubConformanceIT extends PubSubConformance {
  @Override
  protected PubSub newPubSub(ComponentContext context) throws Exception {
    RabbitMqPubSub pubsub = new RabbitMqPubSub();
    pubsub.init(
        new ComponentMetadata(
            "rabbitmq",
            Map.of(
                "connectionString", TestServers.rabbitmqUrl(),
                "backOffPolicy", "exponential",
                "backOffInitialInterval", "10ms",
                "backOffMaxInterval", "100ms")),
        context);
    return pubsub;
  }
}
