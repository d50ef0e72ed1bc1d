package io.tandem.components.secrets.localenv;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentException.Reason;
import io.tandem.components.ComponentMetadata;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** {@code secretstores.local.env} over an injected environment. */
class LocalEnvSecretStoreTest {
  private static final Map<String, String> ENV =
      Map.of(
          "TANDEM_TEST_ONLY_PASSWORD", "s3cr3t",
          "MYAPP_DB_PASSWORD", "db-pw",
          "MYAPP_API_KEY", "key-1",
          "MYAPP_", "only the prefix",
          "myapp_lower", "other case",
          "DAPR_API_TOKEN", "sidecar-token",
          "dapr_http_port", "3500",
          "APP_API_TOKEN", "app-token");

  @Test
  void aVariableIsASecretNamedAfterIt() throws Exception {
    LocalEnvSecretStore store = store(Map.of());

    assertThat(store.getSecret("TANDEM_TEST_ONLY_PASSWORD", Map.of()).toCompletableFuture().get())
        .isEqualTo(Map.of("TANDEM_TEST_ONLY_PASSWORD", "s3cr3t"));
  }

  @Test
  void aMissingVariableIsNotFound() {
    LocalEnvSecretStore store = store(Map.of());

    ComponentException e = failure(store.getSecret("NOT_THERE", Map.of()));

    assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
    assertThat(e.getMessage()).isEqualTo("secret NOT_THERE not found");
  }

  @Test
  void theRuntimesOwnVariablesAreNeverServed() {
    LocalEnvSecretStore store = store(Map.of());

    assertThat(failure(store.getSecret("DAPR_API_TOKEN", Map.of())).reason())
        .isEqualTo(Reason.NOT_FOUND);
    assertThat(failure(store.getSecret("dapr_http_port", Map.of())).reason())
        .isEqualTo(Reason.NOT_FOUND);
    assertThat(failure(store.getSecret("APP_API_TOKEN", Map.of())).reason())
        .isEqualTo(Reason.NOT_FOUND);
  }

  @Test
  void bulkReturnsEveryVisibleVariable() throws Exception {
    LocalEnvSecretStore store = store(Map.of());

    Map<String, Map<String, String>> all =
        store.bulkGetSecret(Map.of()).toCompletableFuture().get();

    assertThat(all)
        .containsOnlyKeys(
            "TANDEM_TEST_ONLY_PASSWORD",
            "MYAPP_DB_PASSWORD",
            "MYAPP_API_KEY",
            "MYAPP_",
            "myapp_lower")
        .containsEntry("MYAPP_API_KEY", Map.of("MYAPP_API_KEY", "key-1"));
  }

  @Test
  void withAPrefixTheNameIsLookedUpUnderThePrefix() throws Exception {
    LocalEnvSecretStore store = store(Map.of("prefix", "MYAPP_"));

    assertThat(store.getSecret("DB_PASSWORD", Map.of()).toCompletableFuture().get())
        .isEqualTo(Map.of("DB_PASSWORD", "db-pw"));
  }

  @Test
  void withAPrefixOtherVariablesAreHidden() {
    LocalEnvSecretStore store = store(Map.of("prefix", "MYAPP_"));

    assertThat(failure(store.getSecret("TANDEM_TEST_ONLY_PASSWORD", Map.of())).reason())
        .isEqualTo(Reason.NOT_FOUND);
    // The prefix is prepended, not matched: the full name reads MYAPP_MYAPP_DB_PASSWORD.
    assertThat(failure(store.getSecret("MYAPP_DB_PASSWORD", Map.of())).reason())
        .isEqualTo(Reason.NOT_FOUND);
    // Matching is case-sensitive: myapp_lower does not start with MYAPP_.
    assertThat(failure(store.getSecret("lower", Map.of())).reason()).isEqualTo(Reason.NOT_FOUND);
    assertThat(failure(store.getSecret("", Map.of())).reason()).isEqualTo(Reason.NOT_FOUND);
  }

  @Test
  void withAPrefixBulkStripsIt() throws Exception {
    LocalEnvSecretStore store = store(Map.of("prefix", "MYAPP_"));

    Map<String, Map<String, String>> all =
        store.bulkGetSecret(Map.of()).toCompletableFuture().get();

    assertThat(all)
        .isEqualTo(
            Map.of(
                "DB_PASSWORD", Map.of("DB_PASSWORD", "db-pw"),
                "API_KEY", Map.of("API_KEY", "key-1")));
  }

  @Test
  void aPrefixCannotReachTheRuntimesVariables() {
    LocalEnvSecretStore store = store(Map.of("prefix", "DAPR_"));

    assertThat(failure(store.getSecret("API_TOKEN", Map.of())).reason())
        .isEqualTo(Reason.NOT_FOUND);
  }

  @Test
  void advertisesNoFeatures() {
    assertThat(store(Map.of()).features()).isEmpty();
  }

  private static LocalEnvSecretStore store(Map<String, String> metadata) {
    LocalEnvSecretStore store = new LocalEnvSecretStore();
    store.init(
        new ComponentMetadata("envstore", metadata),
        ComponentContext.of("app", "", Runnable::run, ENV));
    return store;
  }

  private static ComponentException failure(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().get();
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ComponentException.class);
      return (ComponentException) e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    throw new AssertionError("expected the lookup to fail, but it succeeded");
  }
}
