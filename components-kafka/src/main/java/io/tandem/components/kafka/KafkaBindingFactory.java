package io.tandem.components.kafka;

import io.tandem.components.Component;
import io.tandem.components.ComponentFactory;

/** Registers {@code bindings.kafka}. */
public final class KafkaBindingFactory implements ComponentFactory {
  @Override
  public String type() {
    return "bindings.kafka";
  }

  @Override
  public Component create() {
    return new KafkaBinding();
  }
}
