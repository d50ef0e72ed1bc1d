package io.tandem.components.redis.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentFactory;
import io.tandem.components.ComponentMetadata;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class RedisPubSubFactoryTest {
  @Test
  void pubsubRedisIsRegistered() {
    assertThat(ServiceLoader.load(ComponentFactory.class).stream().map(p -> p.get().type()))
        .contains("pubsub.redis");
    assertThat(new RedisPubSubFactory().create()).isInstanceOf(RedisPubSub.class);
  }

  @Test
  void badMetadataFailsInitNamingTheKey() {
    ComponentContext ctx = ComponentContext.of("app", "", Runnable::run, Map.of());
    assertThatThrownBy(
            () ->
                new RedisPubSub()
                    .init(new ComponentMetadata("p", Map.of("redisHost", "nohostport")), ctx))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("redisHost");
    assertThatThrownBy(
            () ->
                new RedisPubSub()
                    .init(
                        new ComponentMetadata(
                            "p", Map.of("redisHost", "localhost:6379", "concurrency", "0")),
                        ctx))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("concurrency");
  }

  @Test
  void declaresNoFeatures() {
    assertThat(new RedisPubSub().features()).isEmpty();
    assertThat(new RedisPubSub().ordered()).isFalse();
  }
}
