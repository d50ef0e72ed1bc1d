package io.tandem.components.redis.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.components.ComponentFactory;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class RedisStateStoreFactoryTest {
  @Test
  void stateRedisIsFoundThroughTheServiceLoader() {
    assertThat(ServiceLoader.load(ComponentFactory.class))
        .filteredOn(f -> f.type().equals("state.redis"))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.versions()).containsExactly("v1");
              assertThat(f.create()).isInstanceOf(RedisStateStore.class);
            });
  }
}
