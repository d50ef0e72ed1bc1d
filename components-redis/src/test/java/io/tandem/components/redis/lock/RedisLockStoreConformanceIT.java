package io.tandem.components.redis.lock;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.lock.LockStore;
import io.tandem.components.lock.LockStoreConformance;
import io.tandem.components.testing.TestServers;
import java.util.Map;

/** The lock conformance suite against the shared Redis test server. */
class RedisLockStoreConformanceIT extends LockStoreConformance {
  @Override
  protected LockStore newStore(ComponentContext context) {
    RedisLockStore s = new RedisLockStore();
    s.init(
        new ComponentMetadata("lockstore", Map.of("redisHost", TestServers.redisAddress())),
        context);
    return s;
  }
}
