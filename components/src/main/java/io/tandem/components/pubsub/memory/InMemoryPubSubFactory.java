package io.tandem.components.pubsub.memory;

import io.tandem.components.Component;
import io.tandem.components.ComponentFactory;

/** Registers {@code pubsub.in-memory}. */
public final class InMemoryPubSubFactory implements ComponentFactory {
  @Override
  public String type() {
    return "pubsub.in-memory";
  }

  @Override
  public Component create() {
    return new InMemoryPubSub();
  }
}
