package io.tandem.components.state.memory;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.state.StateStore;
import io.tandem.components.state.StateStoreConformance;
import java.util.Map;

/** The state conformance suite against {@code state.in-memory}. */
class InMemoryStateStoreConformanceTest extends StateStoreConformance {
  @Override
  protected StateStore newStore(ComponentContext context) {
    InMemoryStateStore store = new InMemoryStateStore();
    store.init(new ComponentMetadata("memory", Map.of()), context);
    return store;
  }
}
