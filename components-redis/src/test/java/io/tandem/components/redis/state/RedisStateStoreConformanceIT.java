package io.tandem.components.redis.state;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.state.StateStore;
import io.tandem.components.state.StateStoreConformance;
import io.tandem.components.testing.TestServers;
import java.util.Map;

/** The state conformance suite against {@code state.redis} on the shared test Redis server. */
class RedisStateStoreConformanceIT extends StateStoreConformance {
  @Override
  protected StateStore newStore(ComponentContext context) throws Exception {
    RedisStateStore store = new RedisStateStore();
    store.init(
        new ComponentMetadata("redis", Map.of("redisHost", TestServers.redisAddress())), context);
    return store;
  }
}
