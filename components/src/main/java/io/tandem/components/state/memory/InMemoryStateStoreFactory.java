package io.tandem.components.state.memory;

import io.tandem.components.Component;
import io.tandem.components.ComponentFactory;

/** Registers {@code state.in-memory}. */
public final class InMemoryStateStoreFactory implements ComponentFactory {
  @Override
  public String type() {
    return "state.in-memory";
  }

  @Override
  public Component create() {
    return new InMemoryStateStore();
  }
}
