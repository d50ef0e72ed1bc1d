package io.tandem.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dapr.client.DaprClient;
import io.dapr.client.DaprClientBuilder;
import io.dapr.client.domain.ComponentMetadata;
import io.dapr.client.domain.DaprMetadata;
import io.dapr.config.Properties;
import io.dapr.exceptions.DaprException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The official Java SDK against a sidecar process: secrets, metadata, API token, shutdown. */
class JavaSdkSecretsMetadataIT {
  @TempDir static Path dir;
  static SidecarProcess sidecar;
  static final String TOKEN = UUID.randomUUID().toString();

  @BeforeAll
  static void start() throws Exception {
    sidecar =
        SidecarProcess.launch(
                "secured",
                ResourceFiles.standard(dir),
                Map.of("DAPR_API_TOKEN", TOKEN, "TANDEM_E2E_SECRET", "from-the-environment"))
            .awaitHealthy(Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() throws Exception {
    if (sidecar != null) {
      sidecar.close();
    }
  }

  static DaprClient client(String token) {
    DaprClientBuilder b =
        new DaprClientBuilder()
            .withPropertyOverride(Properties.HTTP_PORT, Integer.toString(sidecar.httpPort))
            .withPropertyOverride(Properties.GRPC_PORT, Integer.toString(sidecar.grpcPort));
    if (token != null) {
      b.withPropertyOverride(Properties.API_TOKEN, token);
    }
    return b.build();
  }

  @Test
  void readsSecretsFromTheLocalFileAndTheEnvironment() throws Exception {
    try (DaprClient client = client(TOKEN)) {
      assertThat(client.getSecret("localsecretstore", "dbPassword").block())
          .isEqualTo(Map.of("dbPassword", "s3cr3t"));
      assertThat(client.getSecret("localsecretstore", "nested:user").block())
          .isEqualTo(Map.of("nested:user", "alice"));
      assertThat(client.getBulkSecret("localsecretstore").block())
          .containsEntry("dbPassword", Map.of("dbPassword", "s3cr3t"))
          .containsEntry("nested:pass", Map.of("nested:pass", "wonder"));
      assertThat(client.getSecret("envsecretstore", "TANDEM_E2E_SECRET").block())
          .isEqualTo(Map.of("TANDEM_E2E_SECRET", "from-the-environment"));
      assertThatThrownBy(() -> client.getSecret("localsecretstore", "no-such-secret").block())
          .isInstanceOf(DaprException.class);
      assertThatThrownBy(() -> client.getSecret("no-such-store", "dbPassword").block())
          .isInstanceOfSatisfying(
              DaprException.class,
              e ->
                  assertThat(e.getMessage())
                      .contains("failed finding secret store with key no-such-store"));
    }
  }

  @Test
  void metadataListsTheAppAndItsComponents() throws Exception {
    try (DaprClient client = client(TOKEN)) {
      DaprMetadata md = client.getMetadata().block();
      assertThat(md.getId()).isEqualTo("secured");
      assertThat(md.getComponents())
          .extracting(ComponentMetadata::getName, ComponentMetadata::getType)
          .contains(
              org.assertj.core.groups.Tuple.tuple("statestore", "state.in-memory"),
              org.assertj.core.groups.Tuple.tuple("sqlitestore", "state.sqlite"),
              org.assertj.core.groups.Tuple.tuple("localsecretstore", "secretstores.local.file"),
              org.assertj.core.groups.Tuple.tuple("envsecretstore", "secretstores.local.env"));
      ComponentMetadata store =
          md.getComponents().stream()
              .filter(c -> c.getName().equals("statestore"))
              .findFirst()
              .orElseThrow();
      assertThat(store.getCapabilities()).contains("ETAG", "TRANSACTIONAL", "TTL");
    }
  }

  @Test
  void apiTokenIsRequiredAndChecked() throws Exception {
    try (DaprClient good = client(TOKEN);
        DaprClient wrong = client("not-" + TOKEN);
        DaprClient none = client(null)) {
      good.saveState("statestore", "k", "v").block();
      assertThat(good.getState("statestore", "k", String.class).block().getValue()).isEqualTo("v");
      assertThatThrownBy(() -> wrong.getState("statestore", "k", String.class).block())
          .isInstanceOfSatisfying(
              DaprException.class, e -> assertThat(e.getErrorCode()).isEqualTo("UNAUTHENTICATED"));
      assertThatThrownBy(() -> none.getMetadata().block())
          .isInstanceOfSatisfying(
              DaprException.class, e -> assertThat(e.getErrorCode()).isEqualTo("UNAUTHENTICATED"));
      // Health endpoints stay open, so the SDK's wait for the sidecar works without the token.
      none.waitForSidecar(5_000).block();
    }
  }
}
