package io.tandem.components;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.components.secrets.localenv.LocalEnvSecretStore;
import io.tandem.components.secrets.localfile.LocalFileSecretStore;
import io.tandem.components.state.memory.InMemoryStateStore;
import io.tandem.components.state.sqlite.SqliteStateStore;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Every built-in component is found through {@link ServiceLoader} under Dapr's type name. */
class ComponentFactoriesTest {

  @Test
  void builtInFactoriesAreRegisteredUnderDaprTypeNames() {
    Map<String, ComponentFactory> byType = new HashMap<>();
    for (ComponentFactory f : ServiceLoader.load(ComponentFactory.class)) {
      assertThat(byType.put(f.type(), f)).as("one factory per type: %s", f.type()).isNull();
    }

    assertThat(byType.get("state.in-memory").create()).isInstanceOf(InMemoryStateStore.class);
    assertThat(byType.get("state.sqlite").create()).isInstanceOf(SqliteStateStore.class);
    assertThat(byType.get("secretstores.local.file").create())
        .isInstanceOf(LocalFileSecretStore.class);
    assertThat(byType.get("secretstores.local.env").create())
        .isInstanceOf(LocalEnvSecretStore.class);
    assertThat(byType.get("state.sqlite").versions()).containsExactly("v1");
    assertThat(byType.get("pubsub.in-memory").create())
        .isInstanceOf(io.tandem.components.pubsub.memory.InMemoryPubSub.class);
  }
}
