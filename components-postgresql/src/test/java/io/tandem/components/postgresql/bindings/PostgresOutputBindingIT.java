package io.tandem.components.postgresql.bindings;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentException.Reason;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.bindings.InvokeRequest;
import io.tandem.components.bindings.InvokeResponse;
import io.tandem.components.postgresql.TestSql;
import io.tandem.components.testing.TestServers;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code bindings.postgresql} against the test server. */
class PostgresOutputBindingIT {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private ExecutorService workers;
  private PostgresOutputBinding binding;
  private TestSql sql;
  private String table;

  @BeforeEach
  void open() throws Exception {
    workers = Executors.newCachedThreadPool();
    binding = new PostgresOutputBinding();
    binding.init(
        new ComponentMetadata(
            "db", Map.of("connectionString", TestServers.postgresUrl(), "timeout", "10s")),
        ComponentContext.of("app", "", workers, Map.of()));
    sql = TestSql.connect(TestServers.postgresUrl());
    table = "binding_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    sql.exec("CREATE TABLE " + table + " (id integer PRIMARY KEY, name text)");
  }

  @AfterEach
  void close() throws Exception {
    try {
      sql.exec("DROP TABLE IF EXISTS " + table);
      sql.close();
    } finally {
      binding.close();
      workers.shutdownNow();
    }
  }

  private InvokeResponse invoke(String operation, String statement, String params)
      throws Exception {
    return join(binding.invoke(request(operation, statement, params)));
  }

  private static InvokeRequest request(String operation, String statement, String params) {
    Map<String, String> md = new HashMap<>();
    if (statement != null) {
      md.put("sql", statement);
    }
    if (params != null) {
      md.put("params", params);
    }
    return new InvokeRequest(operation, new byte[0], md);
  }

  private static <T> T join(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static ComponentException failure(CompletionStage<?> stage) throws Exception {
    try {
      stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ComponentException.class);
      return (ComponentException) e.getCause();
    }
    throw new AssertionError("expected a failure");
  }

  private static JsonNode json(InvokeResponse r) throws Exception {
    return JSON.readTree(new String(r.data(), UTF_8));
  }

  @Test
  void execReportsRowsAffectedAndQueryReturnsRowsAsArrays() throws Exception {
    InvokeResponse inserted =
        invoke(
            "exec",
            "INSERT INTO " + table + " (id, name) VALUES ($1, $2), ($3, $4)",
            "[1, \"one\", 2, \"two\"]");

    assertThat(inserted.metadata())
        .containsEntry("operation", "exec")
        .containsEntry("rows-affected", "2")
        .containsKeys("sql", "start-time", "end-time", "duration");
    Instant start = Instant.parse(inserted.metadata().get("start-time"));
    Instant end = Instant.parse(inserted.metadata().get("end-time"));
    assertThat(end).isAfterOrEqualTo(start);
    assertThat(inserted.metadata().get("duration")).matches("[0-9.]+(ns|µs|ms|s)");

    InvokeResponse rows =
        invoke("query", "SELECT id, name FROM " + table + " WHERE id >= $1 ORDER BY id", "[1]");

    assertThat(rows.metadata())
        .containsEntry("operation", "query")
        .containsEntry("sql", "SELECT id, name FROM " + table + " WHERE id >= $1 ORDER BY id")
        .doesNotContainKey("rows-affected");
    assertThat(json(rows)).isEqualTo(JSON.readTree("[[1, \"one\"], [2, \"two\"]]"));
  }

  @Test
  void requestDataNeverBecomesSqlText() throws Exception {
    String[] hostile = {
      "'; DROP TABLE " + table + "; --",
      "x'); DROP TABLE " + table + "; --",
      "' OR '1'='1",
      "$1; DELETE FROM " + table,
      "\\'; DROP TABLE " + table + "; --",
      "\"; DROP TABLE " + table + "; --"
    };
    invoke("exec", "INSERT INTO " + table + " (id, name) VALUES (0, 'bystander')", null);
    for (int i = 0; i < hostile.length; i++) {
      String params = JSON.writeValueAsString(new Object[] {i + 1, hostile[i]});
      invoke("exec", "INSERT INTO " + table + " (id, name) VALUES ($1, $2)", params);
    }

    // the table survives, and every value is stored and read back literally
    assertThat(sql.value("SELECT to_regclass($1)::text", table)).isEqualTo(table);
    for (int i = 0; i < hostile.length; i++) {
      InvokeResponse r =
          invoke("query", "SELECT name FROM " + table + " WHERE id = $1", "[" + (i + 1) + "]");
      assertThat(json(r).get(0).get(0).asText()).isEqualTo(hostile[i]);
      assertThat(sql.value("SELECT name FROM " + table + " WHERE id = $1", i + 1))
          .isEqualTo(hostile[i]);
    }
    // a comparison with an injection attempt matches nothing rather than everything
    InvokeResponse none =
        invoke(
            "query",
            "SELECT count(*) FROM " + table + " WHERE name = $1",
            JSON.writeValueAsString(new Object[] {"bystander' OR '1'='1"}));
    assertThat(json(none).get(0).get(0).asLong()).isZero();
    assertThat(sql.value("SELECT count(*) FROM " + table)).isEqualTo((long) hostile.length + 1);
  }

  @Test
  void theSqlHoldsOneStatement() throws Exception {
    ComponentException e =
        failure(binding.invoke(request("exec", "SELECT 1; DROP TABLE " + table, null)));

    assertThat(e.getMessage()).contains("multiple commands");
    assertThat(sql.value("SELECT to_regclass($1)::text", table)).isEqualTo(table);
  }

  @Test
  void badSqlFailsWithTheDatabasesMessage() throws Exception {
    ComponentException e = failure(binding.invoke(request("query", "SELEC 1", null)));

    assertThat(e.reason()).isEqualTo(Reason.FAILURE);
    assertThat(e.getMessage())
        .contains("bindings.postgresql db")
        .contains("syntax error")
        .contains("42601")
        .doesNotContain("postgres://")
        .doesNotContain("\tat ");

    ComponentException missing =
        failure(binding.invoke(request("query", "SELECT * FROM no_such_table_here", null)));
    assertThat(missing.getMessage()).contains("does not exist").contains("42P01");

    ComponentException wrongType =
        failure(
            binding.invoke(
                request("exec", "INSERT INTO " + table + " (id) VALUES ($1)", "[\"abc\"]")));
    assertThat(wrongType.getMessage()).contains("position[0]").contains("abc");
  }

  @Test
  void requestsWithoutSqlOrWithMalformedParamsAreRefused() throws Exception {
    assertThat(failure(binding.invoke(request("query", null, null))))
        .hasMessageContaining("sql")
        .extracting(ComponentException::reason)
        .isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(failure(binding.invoke(request("query", "SELECT $1::text", "{\"a\":1}"))))
        .hasMessageContaining("params")
        .extracting(ComponentException::reason)
        .isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(failure(binding.invoke(request("delete", "SELECT 1", null))).reason())
        .isEqualTo(Reason.NOT_SUPPORTED);
  }

  @Test
  void parametersAndResultsOfManyTypes() throws Exception {
    String t = table + "_types";
    try {
      invoke(
          "exec",
          "CREATE TABLE "
              + t
              + " (ts timestamptz, d date, doc jsonb, ids integer[], amount numeric,"
              + " flag boolean, raw bytea, id uuid, ratio double precision, nothing text)",
          null);
      invoke(
          "exec",
          "INSERT INTO " + t + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
          "[\"2024-05-06T07:08:09Z\", \"2024-05-06\", {\"a\": [1, true]}, [3, 1, 2],"
              + " 12345678901234567890.125, true, \"\\\\x00ff\","
              + " \"6b1f0a0e-5d6b-4c4e-9f7e-1a2b3c4d5e6f\", 0.5, null]");

      JsonNode row = json(invoke("query", "SELECT * FROM " + t, null)).get(0);

      assertThat(row.get(0).asText()).isEqualTo("2024-05-06T07:08:09Z");
      assertThat(row.get(1).asText()).isEqualTo("2024-05-06");
      assertThat(row.get(2)).isEqualTo(JSON.readTree("{\"a\": [1, true]}"));
      assertThat(row.get(3)).isEqualTo(JSON.readTree("[3, 1, 2]"));
      assertThat(row.get(4).decimalValue()).isEqualByComparingTo("12345678901234567890.125");
      assertThat(row.get(5).asBoolean()).isTrue();
      assertThat(row.get(6).asText()).isEqualTo("AP8="); // base64 of 00 ff
      assertThat(row.get(7).asText()).isEqualTo("6b1f0a0e-5d6b-4c4e-9f7e-1a2b3c4d5e6f");
      assertThat(row.get(8).doubleValue()).isEqualTo(0.5);
      assertThat(row.get(9).isNull()).isTrue();

      JsonNode filtered =
          json(
              invoke(
                  "query",
                  "SELECT count(*) FROM " + t + " WHERE 2 = ANY(ids) AND ts < $1",
                  "[\"2030-01-01 00:00:00+00\"]"));
      assertThat(filtered.get(0).get(0).asLong()).isEqualTo(1);
    } finally {
      sql.exec("DROP TABLE IF EXISTS " + t);
    }
  }

  @Test
  void aStatementSlowerThanTheTimeoutFailsWithoutTrouble() throws Exception {
    PostgresOutputBinding quick = new PostgresOutputBinding();
    quick.init(
        new ComponentMetadata(
            "quick", Map.of("connectionString", TestServers.postgresUrl(), "timeout", "1s")),
        ComponentContext.of("app", "", workers, Map.of()));
    try {
      long start = System.nanoTime();
      ComponentException e = failure(quick.invoke(request("query", "SELECT pg_sleep(3)", null)));

      assertThat(e.getMessage()).contains("timed out");
      assertThat(java.time.Duration.ofNanos(System.nanoTime() - start))
          .isLessThan(java.time.Duration.ofSeconds(3));
      // the server is fine: a slow statement is no outage
      assertThat(quick.trouble()).isEmpty();
      assertThat(new String(join(quick.invoke(request("query", "SELECT 2", null))).data(), UTF_8))
          .isEqualTo("[[2]]");
    } finally {
      quick.close();
    }
  }

  @Test
  void closeClosesTheComponent() throws Exception {
    assertThat(join(binding.invoke(request("close", null, null)))).isNull();

    assertThat(failure(binding.invoke(request("query", "SELECT 1", null))))
        .hasMessageContaining("closed");
    assertThat(binding.trouble()).isEmpty();
  }
}
