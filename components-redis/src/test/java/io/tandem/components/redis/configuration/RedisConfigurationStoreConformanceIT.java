package io.tandem.components.redis.configuration;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.configuration.ConfigurationStore;
import io.tandem.components.configuration.ConfigurationStoreConformance;
import io.tandem.components.testing.TestServers;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The configuration conformance suite against the shared Redis test server; items are written the
 * way an operator would, with redis commands in Dapr's {@code value||version} format.
 */
class RedisConfigurationStoreConformanceIT extends ConfigurationStoreConformance {
  private static Vertx vertx;
  private static Redis admin;

  @BeforeAll
  static void connect() {
    vertx = Vertx.vertx();
    admin = Redis.createClient(vertx, "redis://" + TestServers.redisAddress());
  }

  @AfterAll
  static void disconnect() {
    admin.close();
    vertx.close();
  }

  @Override
  protected ConfigurationStore newStore(ComponentContext context) {
    RedisConfigurationStore s = new RedisConfigurationStore();
    s.init(
        new ComponentMetadata("configstore", Map.of("redisHost", TestServers.redisAddress())),
        context);
    return s;
  }

  @Override
  protected void write(String key, String value, String version) throws Exception {
    admin
        .send(Request.cmd(Command.SET).arg(key).arg(value + "||" + version))
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Override
  protected void remove(String key) throws Exception {
    admin
        .send(Request.cmd(Command.DEL).arg(key))
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }
}
