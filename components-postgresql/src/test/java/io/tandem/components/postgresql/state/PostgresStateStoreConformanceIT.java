package io.tandem.components.postgresql.state;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.postgresql.TestSql;
import io.tandem.components.state.StateStore;
import io.tandem.components.state.StateStoreConformance;
import io.tandem.components.testing.TestServers;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;

/** The shared state store suite against {@code state.postgresql} on the test server. */
class PostgresStateStoreConformanceIT extends StateStoreConformance {
  private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
  private static final String TABLE = "conformance_state_" + SUFFIX;
  private static final String METADATA_TABLE = "conformance_metadata_" + SUFFIX;

  @Override
  protected StateStore newStore(ComponentContext context) throws Exception {
    PostgresStateStore s = new PostgresStateStore();
    s.init(
        new ComponentMetadata(
            "conformance",
            Map.of(
                "connectionString", TestServers.postgresUrl(),
                "tableName", TABLE,
                "metadataTableName", METADATA_TABLE)),
        context);
    return s;
  }

  @AfterAll
  static void dropTables() throws Exception {
    try (TestSql sql = TestSql.connect(TestServers.postgresUrl())) {
      sql.exec("DROP TABLE IF EXISTS " + TABLE + ", " + METADATA_TABLE);
    }
  }
}
