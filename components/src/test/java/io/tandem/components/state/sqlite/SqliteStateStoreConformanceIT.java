package io.tandem.components.state.sqlite;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.state.StateStore;
import io.tandem.components.state.StateStoreConformance;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/** The state conformance suite against {@code state.sqlite} on a file in a temporary directory. */
class SqliteStateStoreConformanceIT extends StateStoreConformance {
  @TempDir Path dir;

  @Override
  protected StateStore newStore(ComponentContext context) throws Exception {
    SqliteStateStore store = new SqliteStateStore();
    store.init(
        new ComponentMetadata(
            "sqlite", Map.of("connectionString", dir.resolve("state.db").toString())),
        context);
    return store;
  }
}
