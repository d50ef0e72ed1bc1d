package io.tandem.sidecar.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.Component;
import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentFactory;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.secrets.SecretStore;
import io.tandem.components.state.memory.InMemoryStateStoreFactory;
import io.tandem.sidecar.TestResources;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ComponentRegistryTest {
  /** A secret store holding fixed secrets, to test secret references without files. */
  static final class FixedSecrets implements SecretStore {
    @Override
    public void init(ComponentMetadata metadata, ComponentContext context) {}

    @Override
    public CompletionStage<Map<String, String>> getSecret(String name, Map<String, String> md) {
      return name.equals("db")
          ? CompletableFuture.completedFuture(Map.of("password", "hunter2"))
          : CompletableFuture.failedFuture(
              new IllegalStateException("secret " + name + " not found"));
    }

    @Override
    public CompletionStage<Map<String, Map<String, String>>> bulkGetSecret(Map<String, String> md) {
      return CompletableFuture.completedFuture(Map.of());
    }
  }

  /** Records the metadata it was initialised with; fails when asked to. */
  static final class Probe implements Component {
    static final AtomicReference<ComponentMetadata> seen = new AtomicReference<>();

    @Override
    public void init(ComponentMetadata metadata, ComponentContext context) {
      seen.set(metadata);
      if (metadata.getBoolean("fail", false)) {
        throw new IllegalArgumentException("probe refused its metadata");
      }
      if (metadata.getBoolean("hang", false)) {
        try {
          Thread.sleep(10_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  static ComponentFactory factory(String type, java.util.function.Supplier<Component> s) {
    return new ComponentFactory() {
      @Override
      public String type() {
        return type;
      }

      @Override
      public Component create() {
        return s.get();
      }
    };
  }

  static ComponentRegistry registry(String appId) {
    return new ComponentRegistry(
        ComponentContext.of(appId, "", r -> new Thread(r).start(), Map.of()),
        Map.of(
            "state.in-memory", new InMemoryStateStoreFactory(),
            "secretstores.fixed", factory("secretstores.fixed", FixedSecrets::new),
            "test.probe", factory("test.probe", Probe::new)));
  }

  static final String HEADER = "apiVersion: dapr.io/v1alpha1\nkind: Component\n";

  @Test
  void loadsOnlyComponentsScopedToTheApp() throws Exception {
    try (ComponentRegistry r = registry("app-a")) {
      r.loadAll(
          TestResources.components(
              HEADER
                  + "metadata: {name: mine}\nspec: {type: state.in-memory}\nscopes: [app-a]\n---\n"
                  + HEADER
                  + "metadata: {name: theirs}\nspec: {type: state.in-memory}\nscopes: [app-b]\n---\n"
                  + HEADER
                  + "metadata: {name: everyone}\nspec: {type: state.in-memory}\n"));
      assertThat(r.all()).extracting(LoadedComponent::name).containsExactly("mine", "everyone");
    }
  }

  @Test
  void resolvesSecretReferencesThroughAuthSecretStoreWhateverTheFileOrder() throws Exception {
    try (ComponentRegistry r = registry("app")) {
      r.loadAll(
          TestResources.components(
              HEADER
                  + "metadata: {name: probe}\nspec:\n  type: test.probe\n  metadata:\n"
                  + "  - name: password\n    secretKeyRef: {name: db, key: password}\n"
                  + "  - name: plain\n    value: 42\nauth: {secretStore: vault}\n---\n"
                  + HEADER
                  + "metadata: {name: vault}\nspec: {type: secretstores.fixed}\n"));
      assertThat(Probe.seen.get().get("password")).isEqualTo("hunter2");
      assertThat(Probe.seen.get().get("plain")).isEqualTo("42");
    }
  }

  @Test
  void unknownTypeFailsNamingComponentFileAndType() {
    try (ComponentRegistry r = registry("app")) {
      assertThatThrownBy(
              () ->
                  r.loadAll(
                      TestResources.components(
                          HEADER + "metadata: {name: c}\nspec: {type: state.nope}\n")))
          .isInstanceOf(ComponentLoadException.class)
          .hasMessageContaining("component c (state.nope/v1) in ")
          .hasMessageContaining(".yaml")
          .hasMessageContaining("unknown component type state.nope");
    }
  }

  @Test
  void unknownVersionFails() {
    try (ComponentRegistry r = registry("app")) {
      assertThatThrownBy(
              () ->
                  r.loadAll(
                      TestResources.components(
                          HEADER
                              + "metadata: {name: c}\nspec: {type: state.in-memory, version: v9}\n")))
          .hasMessageContaining("has no version v9");
    }
  }

  @Test
  void missingSecretAndMissingStoreFailClearly() {
    try (ComponentRegistry r = registry("app")) {
      assertThatThrownBy(
              () ->
                  r.loadAll(
                      TestResources.components(
                          HEADER
                              + "metadata: {name: p}\nspec:\n  type: test.probe\n  metadata:\n"
                              + "  - name: x\n    secretKeyRef: {name: db}\n")))
          .hasMessageContaining("auth.secretStore is not set");
    }
    try (ComponentRegistry r = registry("app")) {
      assertThatThrownBy(
              () ->
                  r.loadAll(
                      TestResources.components(
                          HEADER
                              + "metadata: {name: vault}\nspec: {type: secretstores.fixed}\n---\n"
                              + HEADER
                              + "metadata: {name: p}\nspec:\n  type: test.probe\n  metadata:\n"
                              + "  - name: x\n    secretKeyRef: {name: other, key: k}\nauth: {secretStore: vault}\n")))
          .hasMessageContaining("cannot read secret other from vault");
    }
  }

  @Test
  void ignoreErrorsSkipsTheFailingComponentOnly() throws Exception {
    try (ComponentRegistry r = registry("app")) {
      r.loadAll(
          TestResources.components(
              HEADER
                  + "metadata: {name: bad}\nspec:\n  type: test.probe\n  ignoreErrors: true\n"
                  + "  metadata: [{name: fail, value: true}]\n---\n"
                  + HEADER
                  + "metadata: {name: good}\nspec: {type: state.in-memory}\n"));
      assertThat(r.all()).extracting(LoadedComponent::name).containsExactly("good");
    }
  }

  @Test
  void initFailureWithoutIgnoreErrorsFails() {
    try (ComponentRegistry r = registry("app")) {
      assertThatThrownBy(
              () ->
                  r.loadAll(
                      TestResources.components(
                          HEADER
                              + "metadata: {name: bad}\nspec:\n  type: test.probe\n"
                              + "  metadata: [{name: fail, value: true}]\n")))
          .hasMessageContaining("probe refused its metadata");
    }
  }

  @Test
  void initTimeoutBoundsASlowInit() {
    try (ComponentRegistry r = registry("app")) {
      assertThatThrownBy(
              () ->
                  r.loadAll(
                      TestResources.components(
                          HEADER
                              + "metadata: {name: slow}\nspec:\n  type: test.probe\n  initTimeout: 200ms\n"
                              + "  metadata: [{name: hang, value: true}]\n")))
          .hasMessageContaining("initTimeout");
    }
  }

  @Test
  void duplicateNamesAreRefused() {
    try (ComponentRegistry r = registry("app")) {
      assertThatThrownBy(
              () ->
                  r.loadAll(
                      TestResources.components(
                          HEADER
                              + "metadata: {name: same}\nspec: {type: state.in-memory}\n---\n"
                              + HEADER
                              + "metadata: {name: same}\nspec: {type: state.in-memory}\n")))
          .hasMessageContaining("already defined");
    }
  }
}
