package io.tandem.components.postgresql.configuration;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.configuration.ConfigurationStore;
import io.tandem.components.configuration.ConfigurationStoreConformance;
import io.tandem.components.postgresql.TestSql;
import io.tandem.components.testing.TestServers;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The shared configuration store suite against {@code configuration.postgresql}. As an operator
 * would, the setup creates the table with Dapr's layout and a trigger that sends each changed row
 * with {@code pg_notify}, in the payload Dapr's documentation gives; the component names the
 * channel with its {@code notifyChannel} metadata.
 */
class PostgresConfigurationStoreConformanceIT extends ConfigurationStoreConformance {
  private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
  static final String TABLE = "conformance_config_" + SUFFIX;
  static final String CHANNEL = "conformance_config_" + SUFFIX;

  private static TestSql sql;

  @BeforeAll
  static void createTableAndTrigger() throws Exception {
    sql = TestSql.connect(TestServers.postgresUrl());
    ConfigTables.create(sql, TABLE, CHANNEL);
  }

  @AfterAll
  static void dropTable() throws Exception {
    try {
      ConfigTables.drop(sql, TABLE, CHANNEL);
    } finally {
      sql.close();
    }
  }

  @Override
  protected ConfigurationStore newStore(ComponentContext context) throws Exception {
    PostgresConfigurationStore s = new PostgresConfigurationStore();
    s.init(
        new ComponentMetadata(
            "conformance",
            Map.of(
                "connectionString", TestServers.postgresUrl(),
                "table", TABLE,
                "notifyChannel", CHANNEL)),
        context);
    return s;
  }

  @Override
  protected void write(String key, String value, String version) throws Exception {
    ConfigTables.write(sql, TABLE, key, value, version);
  }

  @Override
  protected void remove(String key) throws Exception {
    sql.exec("DELETE FROM " + TABLE + " WHERE key = $1", key);
  }
}
