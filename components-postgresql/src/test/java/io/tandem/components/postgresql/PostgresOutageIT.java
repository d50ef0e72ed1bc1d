package io.tandem.components.postgresql;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.components.Component;
import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.bindings.InvokeRequest;
import io.tandem.components.bindings.InvokeResponse;
import io.tandem.components.configuration.ConfigurationItem;
import io.tandem.components.configuration.ConfigurationWatch;
import io.tandem.components.postgresql.bindings.PostgresOutputBinding;
import io.tandem.components.postgresql.configuration.ConfigTables;
import io.tandem.components.postgresql.configuration.PostgresConfigurationStore;
import io.tandem.components.postgresql.state.PostgresStateStore;
import io.tandem.components.state.GetRequest;
import io.tandem.components.state.SetRequest;
import io.tandem.components.testing.PrivatePostgres;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The three components against a PostgreSQL server of the test's own, killed with SIGKILL and
 * started again on the same port: each reports the outage through {@code trouble()}, fails its
 * operations with a {@link ComponentException} within its time limit, reconnects on its own, and a
 * configuration subscription made before the outage hears the changes made after it.
 */
class PostgresOutageIT {
  private static final Duration OPERATION_LIMIT = Duration.ofSeconds(5);

  private ExecutorService workers;
  private PrivatePostgres pg;
  private PostgresStateStore state;
  private PostgresConfigurationStore config;
  private PostgresOutputBinding binding;

  @BeforeEach
  void start() throws Exception {
    workers = Executors.newCachedThreadPool();
    pg = PrivatePostgres.create();
    try (TestSql sql = TestSql.connect(pg.url())) {
      ConfigTables.create(sql, "config", "config");
    }
    ComponentContext context = ComponentContext.of("app", "", workers, Map.of());
    String timeout = OPERATION_LIMIT.toSeconds() + "s";
    state = new PostgresStateStore();
    state.init(
        new ComponentMetadata("store", Map.of("connectionString", pg.url(), "timeout", timeout)),
        context);
    config = new PostgresConfigurationStore();
    config.init(
        new ComponentMetadata(
            "cfg",
            Map.of(
                "connectionString",
                pg.url(),
                "table",
                "config",
                "notifyChannel",
                "config",
                "timeout",
                timeout)),
        context);
    binding = new PostgresOutputBinding();
    binding.init(
        new ComponentMetadata("db", Map.of("connectionString", pg.url(), "timeout", timeout)),
        context);
  }

  @AfterEach
  void stop() throws Exception {
    for (Component c : new Component[] {state, config, binding}) {
      if (c != null) {
        c.close();
      }
    }
    if (pg != null) {
      pg.close();
    }
    workers.shutdownNow();
  }

  @Test
  void theComponentsReportTheOutageFailPromptlyAndRecoverOnTheirOwn() throws Exception {
    Map<String, ConfigurationItem> seen = new ConcurrentHashMap<>();
    ConfigurationWatch watch = join(config.subscribe(List.of("feature"), Map.of(), seen::putAll));
    writeConfig("feature", "before", "1");
    await().atMost(Duration.ofSeconds(10)).until(() -> value(seen).equals("before"));
    join(state.set(SetRequest.of("k", "v1".getBytes(UTF_8))));
    assertThat(state.trouble()).isEmpty();
    assertThat(config.trouble()).isEmpty();
    assertThat(binding.trouble()).isEmpty();

    pg.kill();
    assertThat(pg.listening()).as("the killed server's port").isFalse();

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(state.trouble()).isPresent();
              assertThat(config.trouble()).isPresent();
              assertThat(binding.trouble()).isPresent();
            });
    for (Component c : new Component[] {state, config, binding}) {
      assertThat(c.trouble().orElseThrow()).doesNotContain(pg.password()).contains("reconnecting");
    }

    // every operation fails, with a ComponentException, within the time limit (plus slack)
    assertFailsPromptly(state.get(GetRequest.of("k")));
    assertFailsPromptly(state.set(SetRequest.of("k", "v2".getBytes(UTF_8))));
    assertFailsPromptly(config.get(List.of("feature"), Map.of()));
    assertFailsPromptly(binding.invoke(query("SELECT 1")));
    assertFailsPromptly(config.subscribe(List.of("other"), Map.of(), items -> {}));

    pg.restart();

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(state.trouble()).isEmpty();
              assertThat(config.trouble()).isEmpty();
              assertThat(binding.trouble()).isEmpty();
            });
    assertThat(new String(join(state.get(GetRequest.of("k"))).data(), UTF_8)).isEqualTo("v1");
    join(state.set(SetRequest.of("k", "v3".getBytes(UTF_8))));
    assertThat(new String(join(state.get(GetRequest.of("k"))).data(), UTF_8)).isEqualTo("v3");
    InvokeResponse one = join(binding.invoke(query("SELECT 1")));
    assertThat(new String(one.data(), UTF_8)).isEqualTo("[[1]]");
    assertThat(join(config.get(List.of("feature"), Map.of())).get("feature").value())
        .isEqualTo("before");

    // the subscription made before the outage hears a change made after it
    writeConfig("feature", "after", "2");
    await().atMost(Duration.ofSeconds(15)).until(() -> value(seen).equals("after"));
    watch.close();
  }

  @Test
  void aChangeMadeWhileTheListenConnectionIsDownIsSentOnceItIsBack() throws Exception {
    // the store connects as a role of its own, which the test can lock out
    try (TestSql sql = TestSql.connect(pg.url())) {
      sql.exec("CREATE ROLE app LOGIN PASSWORD 'app-pw'");
      sql.exec("GRANT SELECT ON config TO app");
    }
    String appUrl = pg.url("app", "app-pw");
    PostgresConfigurationStore appConfig = new PostgresConfigurationStore();
    appConfig.init(
        new ComponentMetadata(
            "app-cfg",
            Map.of("connectionString", appUrl, "table", "config", "notifyChannel", "config")),
        ComponentContext.of("app", "", workers, Map.of()));
    try {
      Map<String, ConfigurationItem> seen = new ConcurrentHashMap<>();
      ConfigurationWatch watch =
          join(appConfig.subscribe(List.of("feature"), Map.of(), seen::putAll));
      writeConfig("feature", "v1", "1");
      await().atMost(Duration.ofSeconds(10)).until(() -> value(seen).equals("v1"));

      try (TestSql sql = TestSql.connect(pg.url())) {
        sql.exec("ALTER ROLE app NOLOGIN");
        sql.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'app'");
      }
      await().atMost(Duration.ofSeconds(15)).until(() -> appConfig.trouble().isPresent());
      // nobody listens now: this change's notification is lost
      writeConfig("feature", "v2", "2");
      try (TestSql sql = TestSql.connect(pg.url())) {
        sql.exec("ALTER ROLE app LOGIN");
      }

      // once back, the store reads the watched keys again and sends what changed
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                assertThat(value(seen)).isEqualTo("v2");
                assertThat(appConfig.trouble()).isEmpty();
              });
      assertThat(seen.get("feature").version()).isEqualTo("2");
      watch.close();
    } finally {
      appConfig.close();
    }
  }

  private void writeConfig(String key, String value, String version) throws Exception {
    try (TestSql sql = TestSql.connect(pg.url())) {
      ConfigTables.write(sql, "config", key, value, version);
    }
  }

  private static String value(Map<String, ConfigurationItem> seen) {
    ConfigurationItem item = seen.get("feature");
    return item == null ? "" : item.value();
  }

  private static InvokeRequest query(String sql) {
    return new InvokeRequest("query", new byte[0], Map.of("sql", sql));
  }

  private static void assertFailsPromptly(CompletionStage<?> stage) throws Exception {
    long start = System.nanoTime();
    try {
      stage.toCompletableFuture().get(OPERATION_LIMIT.toSeconds() + 10, TimeUnit.SECONDS);
      throw new AssertionError("expected the operation to fail while the server is down");
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ComponentException.class);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isLessThan(OPERATION_LIMIT.plusSeconds(2));
  }

  private static <T> T join(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
