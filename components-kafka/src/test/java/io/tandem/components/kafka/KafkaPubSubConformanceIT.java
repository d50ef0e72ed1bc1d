package io.tandem.components.kafka;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.PubSub;
import io.tandem.components.pubsub.PubSubConformance;

/** The shared pub/sub suite against the test broker's PLAINTEXT listener. */
class KafkaPubSubConformanceIT extends PubSubConformance {
  @Override
  protected PubSub newPubSub(ComponentContext context) {
    KafkaPubSub p = new KafkaPubSub();
    // a group of its own per test, so that no test's rebalance touches another's
    p.init(
        new ComponentMetadata(
            "conformance-kafka",
            KafkaTestKit.plaintext(
                "consumerGroup", KafkaTestKit.unique("conformance"), "backOffDuration", "50ms")),
        context);
    return p;
  }
}
