package io.tandem.components.redis.configuration;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.configuration.ConfigurationStore;
import io.tandem.components.configuration.ConfigurationStoreConformance;
import io.tandem.components.redis.RawRedis;
import io.tandem.components.testing.TestServers;
import io.vertx.redis.client.Command;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The configuration conformance suite against the shared Redis test server; items are written the
 * way an operator would, with redis commands in Dapr's {@code value||version} format.
 */
class RedisConfigurationStoreConformanceIT extends ConfigurationStoreConformance {
  private static RawRedis admin;

  @BeforeAll
  static void connect() throws Exception {
    admin = new RawRedis(TestServers.redisAddress());
  }

  @AfterAll
  static void disconnect() {
    admin.close();
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
    admin.call(Command.SET, key, value + "||" + version);
  }

  @Override
  protected void remove(String key) throws Exception {
    admin.call(Command.DEL, key);
  }
}
