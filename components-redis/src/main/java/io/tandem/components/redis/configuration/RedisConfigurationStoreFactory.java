package io.tandem.components.redis.configuration;

import io.tandem.components.Component;
import io.tandem.components.ComponentFactory;

/** Registers {@code configuration.redis}. */
public final class RedisConfigurationStoreFactory implements ComponentFactory {
  @Override
  public String type() {
    return "configuration.redis";
  }

  @Override
  public Component create() {
    return new RedisConfigurationStore();
  }
}
