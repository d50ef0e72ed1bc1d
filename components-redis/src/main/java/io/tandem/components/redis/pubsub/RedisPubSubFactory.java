package io.tandem.components.redis.pubsub;

import io.tandem.components.Component;
import io.tandem.components.ComponentFactory;

/** Registers {@code pubsub.redis}. */
public final class RedisPubSubFactory implements ComponentFactory {
  @Override
  public String type() {
    return "pubsub.redis";
  }

  @Override
  public Component create() {
    return new RedisPubSub();
  }
}
