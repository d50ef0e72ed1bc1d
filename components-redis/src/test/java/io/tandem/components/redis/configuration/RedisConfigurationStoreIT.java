package io.tandem.components.redis.configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.configuration.ConfigurationItem;
import io.tandem.components.configuration.ConfigurationWatch;
import io.tandem.components.redis.RawRedis;
import io.tandem.components.testing.PrivateRedis;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * configuration.redis behaviour beyond the conformance suite, on a private server (these tests
 * change its notify-keyspace-events and ACL users).
 */
class RedisConfigurationStoreIT {
  private PrivateRedis redis;
  private RawRedis raw;
  private ExecutorService workers;
  private RedisConfigurationStore store;

  @BeforeEach
  void start() throws Exception {
    redis = PrivateRedis.start(false, "--notify-keyspace-events", "");
    raw = new RawRedis(redis.address());
    workers = Executors.newCachedThreadPool();
  }

  @AfterEach
  void stop() throws Exception {
    if (store != null) {
      store.close();
    }
    workers.shutdownNow();
    raw.close();
    redis.close();
  }

  private RedisConfigurationStore open(Map<String, String> md) {
    RedisConfigurationStore s = new RedisConfigurationStore();
    s.init(
        new ComponentMetadata("configstore", md),
        ComponentContext.of("app", "", workers, Map.of()));
    return s;
  }

  private String notifyFlags() throws Exception {
    Response r = raw.call(Command.CONFIG, "GET", "notify-keyspace-events");
    return (r.isMap() ? r.get("notify-keyspace-events") : r.get(1)).toString();
  }

  @Test
  void subscribingTurnsOnTheKeyspaceEventsItNeedsAndHearsExpiries() throws Exception {
    store = open(Map.of("redisHost", redis.address()));
    assertThat(notifyFlags()).isEmpty();
    raw.call(Command.SET, "session", "abc||1", "PX", 700);
    Map<String, ConfigurationItem> seen = new ConcurrentHashMap<>();
    try (ConfigurationWatch w =
        store
            .subscribe(List.of("session"), Map.of(), seen::putAll)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS)) {
      assertThat(notifyFlags()).contains("K", "g", "$", "x");
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.containsKey("session"));
      assertThat(seen.get("session").value()).as("an expired key is pushed empty").isEmpty();
    }
  }

  @Test
  void aServerThatRefusesToEnableNotificationsFailsTheSubscribeSayingWhatToSet() throws Exception {
    raw.call(
        Command.ACL, "SETUSER", "limited", "on", ">s3cret-pw", "~*", "&*", "+@all", "-config|set");
    store =
        open(
            Map.of(
                "redisHost", redis.address(),
                "redisUsername", "limited",
                "redisPassword", "s3cret-pw"));
    assertThat(
            store.get(List.of("nothing"), Map.of()).toCompletableFuture().get(10, TimeUnit.SECONDS))
        .isEmpty();
    assertThatThrownBy(
            () ->
                store
                    .subscribe(List.of("k"), Map.of(), items -> {})
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("notify-keyspace-events")
        .hasMessageNotContaining("s3cret-pw");
  }

  @Test
  void getOfEveryKeyScansAndLeavesOutOtherTypesAndEmptyValues() throws Exception {
    store = open(Map.of("redisHost", redis.address()));
    List<Object> mset = new ArrayList<>();
    for (int i = 0; i < 2500; i++) {
      mset.add("item-" + i);
      mset.add("v" + i + "||" + i);
    }
    raw.call(Command.MSET, mset.toArray());
    raw.call(Command.LPUSH, "a-list", "x");
    raw.call(Command.SET, "empty", "||4");
    raw.call(Command.SET, "no-version", "plain");
    Map<String, ConfigurationItem> all =
        store.get(List.of(), Map.of()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(all).hasSize(2501).doesNotContainKeys("a-list", "empty");
    assertThat(all.get("item-1234").value()).isEqualTo("v1234");
    assertThat(all.get("item-1234").version()).isEqualTo("1234");
    assertThat(all.get("no-version").value()).isEqualTo("plain");
    assertThat(all.get("no-version").version()).isEmpty();
  }

  @Test
  void clusterModeIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> open(Map.of("redisHost", redis.address(), "redisType", "cluster")))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("redisType");
  }
}
