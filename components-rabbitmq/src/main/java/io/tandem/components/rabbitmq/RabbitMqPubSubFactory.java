package io.tandem.components.rabbitmq;

import io.tandem.components.Component;
import io.tandem.components.ComponentFactory;

/** Registers {@code pubsub.rabbitmq}. */
public final class RabbitMqPubSubFactory implements ComponentFactory {
  @Override
  public String type() {
    return "pubsub.rabbitmq";
  }

  @Override
  public Component create() {
    return new RabbitMqPubSub();
  }
}
