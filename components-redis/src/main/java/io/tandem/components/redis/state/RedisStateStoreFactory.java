package io.tandem.components.redis.state;

import io.tandem.components.Component;
import io.tandem.components.ComponentFactory;

/** Registers {@code state.redis}. */
public final class RedisStateStoreFactory implements ComponentFactory {
  @Override
  public String type() {
    return "state.redis";
  }

  @Override
  public Component create() {
    return new RedisStateStore();
  }
}
