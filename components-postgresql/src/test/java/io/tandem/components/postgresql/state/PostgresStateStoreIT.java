package io.tandem.components.postgresql.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.postgresql.TestSql;
import io.tandem.components.state.GetRequest;
import io.tandem.components.state.GetResponse;
import io.tandem.components.state.SetRequest;
import io.tandem.components.state.StateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What {@code state.postgresql} does beyond the shared suite, against the test server. */
class PostgresStateStoreIT {
  private final List<StateStore> stores = new ArrayList<>();
  private ExecutorService workers;
  private TestSql sql;
  private String suffix;
  private String table;
  private String metadataTable;

  @BeforeEach
  void setUp() throws Exception {
    workers = Executors.newCachedThreadPool();
    sql = TestSql.connect(io.tandem.components.testing.TestServers.postgresUrl());
    suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    table = "state_it_" + suffix;
    metadataTable = "state_it_md_" + suffix;
  }

  @AfterEach
  void tearDown() throws Exception {
    for (StateStore s : stores) {
      s.close();
    }
    sql.exec("DROP TABLE IF EXISTS " + table + ", " + metadataTable);
    sql.exec("DROP SCHEMA IF EXISTS sch_" + suffix + " CASCADE");
    sql.close();
    workers.shutdownNow();
  }

  private PostgresStateStore open(String... extra) throws Exception {
    Map<String, String> md = new HashMap<>();
    md.put("connectionString", io.tandem.components.testing.TestServers.postgresUrl());
    md.put("tableName", table);
    md.put("metadataTableName", metadataTable);
    for (int i = 0; i < extra.length; i += 2) {
      md.put(extra[i], extra[i + 1]);
    }
    PostgresStateStore s = new PostgresStateStore();
    s.init(new ComponentMetadata("it", md), ComponentContext.of("app", "", workers, Map.of()));
    stores.add(s);
    return s;
  }

  private static <T> T join(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void createsTablesWithDaprsV1Layout() throws Exception {
    open();

    List<List<Object>> columns =
        sql.rows(
            "SELECT column_name::text, data_type::text, is_nullable::text FROM"
                + " information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
            table);
    assertThat(columns)
        .extracting(r -> r.get(0) + " " + r.get(1) + " " + r.get(2))
        .containsExactly(
            "key text NO",
            "value jsonb NO",
            "isbinary boolean NO",
            "insertdate timestamp with time zone NO",
            "updatedate timestamp with time zone YES",
            "expiredate timestamp with time zone YES",
            "row_id bigint NO");
    assertThat(sql.value("SELECT value FROM " + metadataTable + " WHERE key = 'migrations'"))
        .isEqualTo("3");
  }

  @Test
  void etagsAreXminAndValuesAreBase64InJsonb() throws Exception {
    PostgresStateStore s = open();
    join(s.set(SetRequest.of("k", "{\"a\": 1}".getBytes(UTF_8))));

    List<Object> row =
        sql.rows(
                "SELECT xmin::text, value #>> '{}', isbinary, value::text FROM "
                    + table
                    + " WHERE key = 'k'")
            .get(0);
    GetResponse got = join(s.get(GetRequest.of("k")));

    assertThat(got.etag()).isEqualTo(row.get(0));
    assertThat(row.get(1)).isEqualTo("eyJhIjogMX0="); // base64 of {"a": 1}
    assertThat(row.get(2)).isEqualTo(true);
    assertThat(new String(got.data(), UTF_8)).isEqualTo("{\"a\": 1}");
  }

  @Test
  void readsRowsDaprWroteAsJson() throws Exception {
    PostgresStateStore s = open();
    sql.exec(
        "INSERT INTO "
            + table
            + " (key, value, isbinary) VALUES ('json', '{\"b\":2,\"a\":1}', false),"
            + " ('bin', to_jsonb('aGk='::text), true)");

    assertThat(new String(join(s.get(GetRequest.of("json"))).data(), UTF_8))
        .isEqualTo("{\"a\": 1, \"b\": 2}");
    assertThat(new String(join(s.get(GetRequest.of("bin"))).data(), UTF_8)).isEqualTo("hi");
  }

  @Test
  void aSchemaQualifiedTableName() throws Exception {
    sql.exec("CREATE SCHEMA sch_" + suffix);
    PostgresStateStore s = open("tableName", "sch_" + suffix + ".State");
    join(s.set(SetRequest.of("k", "v".getBytes(UTF_8))));

    assertThat(sql.value("SELECT count(*) FROM sch_" + suffix + ".state")).isEqualTo(1L);
  }

  @Test
  void aTableOfAnotherLayoutIsRefused() throws Exception {
    // the v2 store's layout
    sql.exec(
        "CREATE TABLE "
            + table
            + " (key text PRIMARY KEY, value bytea NOT NULL, etag uuid NOT NULL,"
            + " expires_at timestamptz)");

    assertThatThrownBy(this::open)
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining(table)
        .hasMessageContaining("not a state.postgresql v1 table");
  }

  @Test
  void expiredRowsAreInvisibleBeforeTheCleanupAndDeletedByIt() throws Exception {
    PostgresStateStore s = open("cleanupInterval", "0");
    join(
        s.set(
            new SetRequest("short", "v".getBytes(UTF_8), null, Map.of("ttlInSeconds", "1"), null)));
    join(s.set(SetRequest.of("long", "v".getBytes(UTF_8))));

    await().atMost(Duration.ofSeconds(5)).until(() -> join(s.get(GetRequest.of("short"))) == null);
    assertThat(sql.value("SELECT count(*) FROM " + table)).isEqualTo(2L);

    assertThat(join(s.cleanupExpired())).isEqualTo(1L);
    assertThat(sql.value("SELECT count(*) FROM " + table)).isEqualTo(1L);
  }

  @Test
  void firstWriteMayTakeAnExpiredKey() throws Exception {
    PostgresStateStore s = open("cleanupInterval", "0");
    join(
        s.set(new SetRequest("k", "old".getBytes(UTF_8), null, Map.of("ttlInSeconds", "1"), null)));
    await().atMost(Duration.ofSeconds(5)).until(() -> join(s.get(GetRequest.of("k"))) == null);

    join(
        s.set(
            new SetRequest(
                "k",
                "new".getBytes(UTF_8),
                null,
                Map.of(),
                new io.tandem.components.state.StateOptions(
                    io.tandem.components.state.Concurrency.FIRST_WRITE, null))));

    assertThat(new String(join(s.get(GetRequest.of("k"))).data(), UTF_8)).isEqualTo("new");
  }

  @Test
  void theCleanupRunsOnceAnIntervalAcrossSidecars() throws Exception {
    PostgresStateStore a = open("cleanupInterval", "1h");
    PostgresStateStore b = open("cleanupInterval", "1h");
    join(a.set(new SetRequest("x", "v".getBytes(UTF_8), null, Map.of("ttlInSeconds", "1"), null)));
    await().atMost(Duration.ofSeconds(5)).until(() -> join(a.get(GetRequest.of("x"))) == null);

    // the first store to come claims the interval; the other finds it taken
    long first = join(a.cleanupExpired());
    long second = join(b.cleanupExpired());

    assertThat(first).isEqualTo(1L);
    assertThat(second).isEqualTo(-1L);
    assertThat(sql.value("SELECT value FROM " + metadataTable + " WHERE key = 'last-cleanup'"))
        .isNotNull();
  }

  @Test
  void thePeriodicCleanupDeletesExpiredRows() throws Exception {
    PostgresStateStore s = open("cleanupInterval", "1s");
    join(s.set(new SetRequest("x", "v".getBytes(UTF_8), null, Map.of("ttlInSeconds", "1"), null)));

    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> (Long) sql.value("SELECT count(*) FROM " + table) == 0L);
  }

  @Test
  void aWrongPasswordFailsInitWithoutShowingIt() throws Exception {
    String url = io.tandem.components.testing.TestServers.postgresUrl();
    PostgresStateStore s = new PostgresStateStore();
    Map<String, String> md = new HashMap<>();
    md.put("connectionString", url);
    md.put("password", "Wrong-Secret-123");
    md.put("tableName", table);

    assertThatThrownBy(
            () ->
                s.init(
                    new ComponentMetadata("it", md),
                    ComponentContext.of("app", "", workers, Map.of())))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("state.postgresql it")
        .hasMessageNotContaining("Wrong-Secret-123");
  }

  @Test
  void anUnreachableServerFailsInitPromptly() throws Exception {
    PostgresStateStore s = new PostgresStateStore();
    long start = System.nanoTime();

    assertThatThrownBy(
            () ->
                s.init(
                    new ComponentMetadata(
                        "it",
                        Map.of(
                            "connectionString",
                            "host=127.0.0.1 port=1 user=u password=Hidden-Pw-987 sslmode=disable",
                            "timeout",
                            "5s")),
                    ComponentContext.of("app", "", workers, Map.of())))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("unavailable")
        .hasMessageNotContaining("Hidden-Pw-987");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void bulkGetReadsInOneQueryAndKeepsTheOrder() throws Exception {
    PostgresStateStore s = open();
    for (int i = 0; i < 50; i++) {
      join(s.set(SetRequest.of("k" + i, ("v" + i).getBytes(UTF_8))));
    }
    List<GetRequest> asks = new ArrayList<>();
    for (int i = 59; i >= 0; i -= 3) {
      asks.add(GetRequest.of("k" + i));
    }
    asks.add(GetRequest.of("k1"));
    asks.add(GetRequest.of("k1"));

    var items = join(s.bulkGet(asks));

    assertThat(items).hasSize(asks.size());
    for (int i = 0; i < asks.size(); i++) {
      String key = asks.get(i).key();
      assertThat(items.get(i).key()).isEqualTo(key);
      int n = Integer.parseInt(key.substring(1));
      if (n < 50) {
        assertThat(new String(items.get(i).response().data(), UTF_8)).isEqualTo("v" + n);
      } else {
        assertThat(items.get(i).response()).isNull();
      }
    }
  }
}
