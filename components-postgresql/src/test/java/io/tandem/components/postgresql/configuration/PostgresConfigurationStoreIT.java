package io.tandem.components.postgresql.configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentException.Reason;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.configuration.ConfigurationItem;
import io.tandem.components.configuration.ConfigurationWatch;
import io.tandem.components.postgresql.TestSql;
import io.tandem.components.testing.TestServers;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What {@code configuration.postgresql} does beyond the shared suite. */
class PostgresConfigurationStoreIT {
  private ExecutorService workers;
  private TestSql sql;
  private String table;
  private String channel;
  private PostgresConfigurationStore store;

  @BeforeEach
  void setUp() throws Exception {
    workers = Executors.newCachedThreadPool();
    sql = TestSql.connect(TestServers.postgresUrl());
    String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    table = "config_it_" + suffix;
    channel = "config_it_" + suffix;
    ConfigTables.create(sql, table, channel);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (store != null) {
      store.close();
    }
    ConfigTables.drop(sql, table, channel);
    ConfigTables.drop(sql, table + "_other", channel + "_other");
    sql.close();
    workers.shutdownNow();
  }

  private PostgresConfigurationStore open(String... extra) throws Exception {
    Map<String, String> md = new HashMap<>();
    md.put("connectionString", TestServers.postgresUrl());
    md.put("table", table);
    for (int i = 0; i < extra.length; i += 2) {
      md.put(extra[i], extra[i + 1]);
    }
    PostgresConfigurationStore s = new PostgresConfigurationStore();
    s.init(new ComponentMetadata("cfg", md), ComponentContext.of("app", "", workers, Map.of()));
    return s;
  }

  private static <T> T join(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void theChannelMayComeFromTheSubscription() throws Exception {
    store = open();
    Map<String, ConfigurationItem> seen = new ConcurrentHashMap<>();
    try (ConfigurationWatch w =
        join(store.subscribe(List.of("k"), Map.of("pgNotifyChannel", channel), seen::putAll))) {
      ConfigTables.write(sql, table, "k", "v1", "1");

      await().atMost(Duration.ofSeconds(10)).until(() -> seen.containsKey("k"));
      assertThat(seen.get("k").value()).isEqualTo("v1");
      assertThat(seen.get("k").version()).isEqualTo("1");
    }
  }

  @Test
  void withoutAChannelASubscriptionIsRefused() throws Exception {
    store = open();

    assertThatThrownBy(() -> join(store.subscribe(List.of("k"), Map.of(), items -> {})))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("notifyChannel")
        .hasMessageContaining("pgNotifyChannel");
  }

  @Test
  void aBadChannelNameIsRefused() throws Exception {
    store = open();

    assertThatThrownBy(
            () ->
                join(
                    store.subscribe(
                        List.of("k"), Map.of("pgNotifyChannel", "x\"; DROP TABLE y; --"), i -> {})))
        .cause()
        .isInstanceOfSatisfying(
            ComponentException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_ARGUMENT))
        .hasMessageContaining("pgNotifyChannel");
    assertThatThrownBy(() -> open("notifyChannel", "Upper"))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("notifyChannel");
  }

  @Test
  void theComponentsChannelWinsOverTheSubscriptions() throws Exception {
    store = open("notifyChannel", channel);
    Map<String, ConfigurationItem> seen = new ConcurrentHashMap<>();
    try (ConfigurationWatch w =
        join(
            store.subscribe(
                List.of("k"), Map.of("pgNotifyChannel", "some_other_channel"), seen::putAll))) {
      ConfigTables.write(sql, table, "k", "v1", "1");

      await().atMost(Duration.ofSeconds(10)).until(() -> seen.containsKey("k"));
    }
  }

  @Test
  void theHighestNumericVersionWins() throws Exception {
    store = open();
    sql.exec(
        "INSERT INTO "
            + table
            + " (key, value, version, metadata) VALUES"
            + " ('k', 'old', '2', NULL), ('k', 'new', '10', '{\"owner\":\"ops\",\"n\":3}'),"
            + " ('k', 'odd', 'abc', NULL)");

    Map<String, ConfigurationItem> items = join(store.get(List.of("k"), Map.of()));

    assertThat(items.get("k").value()).isEqualTo("new");
    assertThat(items.get("k").version()).isEqualTo("10");
    assertThat(items.get("k").metadata()).containsEntry("owner", "ops").containsEntry("n", "3");
  }

  @Test
  void aNotificationCarriesTheRowsMetadata() throws Exception {
    store = open("notifyChannel", channel);
    Map<String, ConfigurationItem> seen = new ConcurrentHashMap<>();
    try (ConfigurationWatch w = join(store.subscribe(List.of(), Map.of(), seen::putAll))) {
      sql.exec(
          "INSERT INTO "
              + table
              + " (key, value, version, metadata) VALUES ('m', 'x', '1', '{\"a\":\"b\"}')");

      await().atMost(Duration.ofSeconds(10)).until(() -> seen.containsKey("m"));
      assertThat(seen.get("m").metadata()).containsEntry("a", "b");
    }
  }

  @Test
  void anotherTablesChangesOnTheSameChannelAreIgnored() throws Exception {
    // a second table whose trigger notifies the same channel
    String other = table + "_other";
    ConfigTables.create(sql, other, channel + "_other");
    sql.exec(
        "CREATE OR REPLACE FUNCTION notify_"
            + channel
            + "_other() RETURNS TRIGGER AS $$ BEGIN PERFORM pg_notify('"
            + channel
            + "', json_build_object('table', TG_TABLE_NAME, 'action', TG_OP, 'data',"
            + " row_to_json(NEW))::text); RETURN NULL; END; $$ LANGUAGE plpgsql");
    store = open("notifyChannel", channel);
    List<String> seen = new CopyOnWriteArrayList<>();
    try (ConfigurationWatch w =
        join(store.subscribe(List.of(), Map.of(), items -> seen.addAll(items.keySet())))) {
      ConfigTables.write(sql, other, "theirs", "x", "1");
      ConfigTables.write(sql, table, "ours", "y", "1");

      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("ours"));
      assertThat(seen).doesNotContain("theirs");
    }
  }

  @Test
  void aMissingTableFailsInit() throws Exception {
    assertThatThrownBy(() -> open("table", "no_such_config_table"))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("no_such_config_table")
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> open("table", "bad name"))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("'table'");
  }

  @Test
  void aHealthyStoreHasNoTrouble() throws Exception {
    store = open("notifyChannel", channel);
    try (ConfigurationWatch w = join(store.subscribe(List.of("k"), Map.of(), items -> {}))) {
      assertThat(store.trouble()).isEmpty();
    }
  }
}
