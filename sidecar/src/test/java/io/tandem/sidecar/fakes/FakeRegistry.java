package io.tandem.sidecar.fakes;

import io.tandem.components.ComponentFactory;
import io.tandem.sidecar.TestResources;
import io.tandem.sidecar.registry.ComponentRegistry;
import java.util.Map;

/** A registry that knows the fake lock and configuration stores, loaded from YAML. */
public final class FakeRegistry {
  public final FakeLockStore.Factory locks = new FakeLockStore.Factory();
  public final FakeConfigurationStore.Factory configurations = new FakeConfigurationStore.Factory();
  public final ComponentRegistry registry;

  public FakeRegistry(String appId, String yaml) throws Exception {
    registry =
        new ComponentRegistry(
            TestResources.context(appId, Map.of()),
            Map.<String, ComponentFactory>of(
                FakeLockStore.TYPE, locks, FakeConfigurationStore.TYPE, configurations));
    if (!yaml.isBlank()) {
      registry.loadAll(TestResources.components(yaml));
    }
  }

  /** A Component document of {@code type} named {@code name}, with metadata as name/value pairs. */
  public static String component(String name, String type, String... metadata) {
    StringBuilder sb =
        new StringBuilder("apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: {name: ")
            .append(name)
            .append("}\nspec:\n  type: ")
            .append(type)
            .append("\n");
    if (metadata.length > 0) {
      sb.append("  metadata:\n");
      for (int i = 0; i < metadata.length; i += 2) {
        sb.append("  - {name: ")
            .append(metadata[i])
            .append(", value: \"")
            .append(metadata[i + 1])
            .append("\"}\n");
      }
    }
    return sb.append("---\n").toString();
  }

  public FakeLockStore lock(int i) {
    return locks.created.get(i);
  }

  public FakeConfigurationStore configuration(int i) {
    return configurations.created.get(i);
  }
}
