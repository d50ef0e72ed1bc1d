package io.tandem.components.postgresql;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.components.ComponentFactory;
import io.tandem.components.bindings.OutputBinding;
import io.tandem.components.configuration.ConfigurationStore;
import io.tandem.components.state.StateStore;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class PostgresFactoriesTest {
  @Test
  void theThreeComponentsAreRegistered() {
    Map<String, ComponentFactory> byType = new HashMap<>();
    ServiceLoader.load(ComponentFactory.class).forEach(f -> byType.put(f.type(), f));

    assertThat(byType)
        .containsKeys("state.postgresql", "configuration.postgresql", "bindings.postgresql");
    assertThat(byType.get("state.postgresql").versions()).containsExactly("v1");
    assertThat(byType.get("state.postgresql").create()).isInstanceOf(StateStore.class);
    assertThat(byType.get("configuration.postgresql").create())
        .isInstanceOf(ConfigurationStore.class);
    assertThat(byType.get("bindings.postgresql").create()).isInstanceOf(OutputBinding.class);
    assertThat(((OutputBinding) byType.get("bindings.postgresql").create()).operations())
        .containsExactlyInAnyOrder("exec", "query", "close");
  }
}
