package io.tandem.components.redis.pubsub;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.PubSub;
import io.tandem.components.pubsub.PubSubConformance;
import io.tandem.components.testing.TestServers;
import java.util.Map;

/** The pub/sub conformance suite against {@code pubsub.redis} on the test Redis server. */
class RedisPubSubConformanceIT extends PubSubConformance {
  @Override
  protected PubSub newPubSub(ComponentContext context) throws Exception {
    RedisPubSub pubsub = new RedisPubSub();
    pubsub.init(
        new ComponentMetadata(
            "redis-conformance",
            Map.of(
                "redisHost", TestServers.redisAddress(),
                "backOffInitialInterval", "10ms",
                "backOffMaxInterval", "100ms")),
        context);
    return pubsub;
  }
}
