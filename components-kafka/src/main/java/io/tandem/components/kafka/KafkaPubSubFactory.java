package io.tandem.components.kafka;

import io.tandem.components.Component;
import io.tandem.components.ComponentFactory;

/** Registers {@code pubsub.kafka}. */
public final class KafkaPubSubFactory implements ComponentFactory {
  @Override
  public String type() {
    return "pubsub.kafka";
  }

  @Override
  public Component create() {
    return new KafkaPubSub();
  }
}
