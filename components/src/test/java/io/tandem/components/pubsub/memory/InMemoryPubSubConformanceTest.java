package io.tandem.components.pubsub.memory;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.PubSub;
import io.tandem.components.pubsub.PubSubConformance;
import java.util.Map;

/** The pub/sub conformance suite against {@code pubsub.in-memory}. */
class InMemoryPubSubConformanceTest extends PubSubConformance {
  @Override
  protected PubSub newPubSub(ComponentContext context) {
    InMemoryPubSub pubsub = new InMemoryPubSub();
    pubsub.init(
        new ComponentMetadata(
            "memory", Map.of("backOffInitialInterval", "5ms", "backOffMaxInterval", "50ms")),
        context);
    return pubsub;
  }
}
