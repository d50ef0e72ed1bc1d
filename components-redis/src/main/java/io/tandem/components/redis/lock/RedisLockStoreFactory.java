package io.tandem.components.redis.lock;

import io.tandem.components.Component;
import io.tandem.components.ComponentFactory;

/** Registers {@code lock.redis}. */
public final class RedisLockStoreFactory implements ComponentFactory {
  @Override
  public String type() {
    return "lock.redis";
  }

  @Override
  public Component create() {
    return new RedisLockStore();
  }
}
