package io.tandem.components.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.components.ComponentFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class KafkaFactoriesTest {
  @Test
  void registeredUnderDaprTypeNames() {
    Map<String, ComponentFactory> byType = new HashMap<>();
    ServiceLoader.load(ComponentFactory.class).forEach(f -> byType.put(f.type(), f));

    assertThat(byType.get("pubsub.kafka").create()).isInstanceOf(KafkaPubSub.class);
    assertThat(byType.get("bindings.kafka").create()).isInstanceOf(KafkaBinding.class);
  }
}
