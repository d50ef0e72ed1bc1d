package io.tandem.components.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.configuration.ConfigurationItem;
import io.tandem.components.configuration.ConfigurationWatch;
import io.tandem.components.lock.LockStore.UnlockStatus;
import io.tandem.components.redis.configuration.RedisConfigurationStore;
import io.tandem.components.redis.lock.RedisLockStore;
import io.tandem.components.testing.PrivateRedis;
import io.vertx.redis.client.Command;
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
 * Kills a private redis-server under lock.redis and configuration.redis and starts it again on the
 * same port: while it is gone the stores report trouble and their operations fail promptly with a
 * ComponentException; once it is back the trouble clears, operations work, and a configuration
 * subscription made before the outage hears changes made after it.
 */
class RedisOutageIT {
  private PrivateRedis redis;
  private ExecutorService workers;
  private RedisLockStore lock;
  private RedisConfigurationStore config;

  @BeforeEach
  void start() throws Exception {
    redis = PrivateRedis.start(false);
    workers = Executors.newCachedThreadPool();
    ComponentContext ctx = ComponentContext.of("outage", "", workers, Map.of());
    ComponentMetadata md =
        new ComponentMetadata("outage", Map.of("redisHost", redis.address(), "readTimeout", "2s"));
    lock = new RedisLockStore();
    lock.init(md, ctx);
    config = new RedisConfigurationStore();
    config.init(md, ctx);
  }

  @AfterEach
  void stop() throws Exception {
    if (lock != null) {
      lock.close();
    }
    if (config != null) {
      config.close();
    }
    workers.shutdownNow();
    redis.close();
  }

  private static <T> T within(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private void set(String key, String raw) throws Exception {
    RawRedis.once(redis.address(), Command.SET, key, raw);
  }

  @Test
  void storesReportTheOutageFailPromptlyAndRecoverWithTheirSubscriptions() throws Exception {
    Map<String, ConfigurationItem> seen = new ConcurrentHashMap<>();
    set("feature", "on||1");
    ConfigurationWatch watch = within(config.subscribe(List.of("feature"), Map.of(), seen::putAll));
    set("feature", "off||2");
    await().atMost(Duration.ofSeconds(10)).until(() -> "off".equals(value(seen, "feature")));
    assertThat(lock.trouble()).isEmpty();
    assertThat(config.trouble()).isEmpty();

    redis.kill();

    await().atMost(Duration.ofSeconds(10)).until(() -> lock.trouble().isPresent());
    await().atMost(Duration.ofSeconds(10)).until(() -> config.trouble().isPresent());
    assertThat(lock.trouble().orElseThrow()).contains(redis.address());

    long started = System.nanoTime();
    assertFailsWithComponentException(lock.tryLock("outage-lock", "a", 30));
    assertFailsWithComponentException(lock.unlock("outage-lock", "a"));
    assertFailsWithComponentException(config.get(List.of("feature"), Map.of()));
    assertFailsWithComponentException(config.subscribe(List.of("other"), Map.of(), items -> {}));
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));

    redis.start(); // same port, empty data set, notifications off again

    await().atMost(Duration.ofSeconds(15)).until(() -> lock.trouble().isEmpty());
    await().atMost(Duration.ofSeconds(15)).until(() -> config.trouble().isEmpty());
    assertThat(within(lock.tryLock("outage-lock", "a", 30))).isTrue();
    assertThat(within(lock.unlock("outage-lock", "a"))).isEqualTo(UnlockStatus.SUCCESS);

    set("feature", "back||3");
    await().atMost(Duration.ofSeconds(10)).until(() -> "back".equals(value(seen, "feature")));
    assertThat(seen.get("feature").version()).isEqualTo("3");
    assertThat(within(config.get(List.of("feature"), Map.of())).get("feature").value())
        .isEqualTo("back");
    watch.close();
  }

  private static String value(Map<String, ConfigurationItem> seen, String key) {
    ConfigurationItem i = seen.get(key);
    return i == null ? null : i.value();
  }

  private static void assertFailsWithComponentException(CompletionStage<?> stage) {
    assertThatThrownBy(() -> stage.toCompletableFuture().get(15, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(ComponentException.class);
  }
}
