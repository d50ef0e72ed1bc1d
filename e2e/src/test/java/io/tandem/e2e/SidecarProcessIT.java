package io.tandem.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.dapr.client.DaprClient;
import io.dapr.client.DaprClientBuilder;
import io.dapr.config.Properties;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up, shutdown and persistence of a real sidecar process. */
class SidecarProcessIT {
  static final HttpClient http = HttpClient.newHttpClient();

  @Test
  void malformedResourceFileStopsStartupNamingTheFile(@TempDir Path dir) throws Exception {
    Path bad =
        ResourceFiles.write(
            dir, "broken.yaml", "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: [oops\n");
    try (SidecarProcess p = SidecarProcess.launch("broken", dir, Map.of())) {
      assertThat(p.awaitExit(Duration.ofSeconds(60))).isNotZero();
      assertThat(p.output()).contains(bad.toString()).contains("malformed YAML");
    }
  }

  @Test
  void unknownComponentTypeStopsStartupNamingFileAndType(@TempDir Path dir) throws Exception {
    Path f =
        ResourceFiles.write(
            dir, "unknown.yaml", ResourceFiles.component("cache", "state.nosuchthing"));
    try (SidecarProcess p = SidecarProcess.launch("unknown", dir, Map.of())) {
      assertThat(p.awaitExit(Duration.ofSeconds(60))).isNotZero();
      assertThat(p.output())
          .contains(f.toString())
          .contains("unknown component type state.nosuchthing");
    }
  }

  @Test
  void ignoreErrorsLetsTheSidecarStartWithoutTheBrokenComponent(@TempDir Path dir)
      throws Exception {
    ResourceFiles.write(
        dir,
        "mixed.yaml",
        ResourceFiles.component("good", "state.in-memory")
            + "---\n"
            + ResourceFiles.component("bad", "state.nosuchthing")
                .replace("spec:\n", "spec:\n  ignoreErrors: true\n"));
    try (SidecarProcess p =
        SidecarProcess.launch("tolerant", dir, Map.of()).awaitHealthy(Duration.ofSeconds(60))) {
      String md = get(p.httpBase() + "/v1.0/metadata").body();
      assertThat(md).contains("\"name\":\"good\"").doesNotContain("\"name\":\"bad\"");
      assertThat(p.output()).contains("ignoreErrors");
    }
  }

  @Test
  void secretKeyRefIsResolvedThroughTheComponentsSecretStore(@TempDir Path dir) throws Exception {
    Path secrets = ResourceFiles.write(dir, "secrets.json", "{\"prefix\":\"custom\"}");
    String db = dir.resolve("shared.db").toString();
    ResourceFiles.write(
        dir,
        "components.yaml",
        ResourceFiles.component(
                "local", "secretstores.local.file", "secretsFile", secrets.toString())
            + "---\n"
            + ResourceFiles.component(
                "raw", "state.sqlite", "connectionString", db, "keyPrefix", "none")
            + "---\n"
            + "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: store\nspec:\n"
            + "  type: state.sqlite\n  version: v1\n  metadata:\n  - name: connectionString\n"
            + "    value: \""
            + db
            + "\"\n  - name: keyPrefix\n"
            + "    secretKeyRef:\n      name: prefix\n      key: prefix\nauth:\n  secretStore: local\n");
    try (SidecarProcess p =
        SidecarProcess.launch("refs", dir, Map.of()).awaitHealthy(Duration.ofSeconds(60))) {
      HttpResponse<String> save =
          post(p.httpBase() + "/v1.0/state/store", "[{\"key\":\"k\",\"value\":1}]");
      assertThat(save.statusCode()).isEqualTo(204);
      // The prefix came from the secret: the store without a prefix sees the key as custom||k.
      assertThat(get(p.httpBase() + "/v1.0/state/raw/custom%7C%7Ck").body()).isEqualTo("1");
      assertThat(get(p.httpBase() + "/v1.0/state/store/k").body()).isEqualTo("1");
      assertThat(p.output()).doesNotContain("custom");
    }
  }

  @Test
  void stateInSqliteSurvivesASidecarRestart(@TempDir Path dir) throws Exception {
    ResourceFiles.write(
        dir,
        "store.yaml",
        ResourceFiles.component(
            "statestore",
            "state.sqlite",
            "connectionString",
            dir.resolve("data/state.db").toString()));
    try (SidecarProcess p =
        SidecarProcess.launch("durable", dir, Map.of()).awaitHealthy(Duration.ofSeconds(60))) {
      assertThat(
              post(
                      p.httpBase() + "/v1.0/state/statestore",
                      "[{\"key\":\"kept\",\"value\":{\"n\":42}}]")
                  .statusCode())
          .isEqualTo(204);
    }
    try (SidecarProcess p =
        SidecarProcess.launch("durable", dir, Map.of()).awaitHealthy(Duration.ofSeconds(60))) {
      HttpResponse<String> r = get(p.httpBase() + "/v1.0/state/statestore/kept");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("{\"n\":42}");
    }
  }

  @Test
  void shutdownThroughTheSdkStopsTheProcessCleanly(@TempDir Path dir) throws Exception {
    try (SidecarProcess p =
            SidecarProcess.launch("stoppable", ResourceFiles.standard(dir), Map.of())
                .awaitHealthy(Duration.ofSeconds(60));
        DaprClient client =
            new DaprClientBuilder()
                .withPropertyOverride(Properties.HTTP_PORT, Integer.toString(p.httpPort))
                .withPropertyOverride(Properties.GRPC_PORT, Integer.toString(p.grpcPort))
                .build()) {
      client.shutdown().block();
      assertThat(p.awaitExit(Duration.ofSeconds(30))).isZero();
      assertThat(p.output()).contains("stopped");
    }
  }

  @Test
  void httpShutdownApiStopsTheProcess(@TempDir Path dir) throws Exception {
    try (SidecarProcess p =
        SidecarProcess.launch("stoppable-http", dir, Map.of())
            .awaitHealthy(Duration.ofSeconds(60))) {
      assertThat(post(p.httpBase() + "/v1.0/shutdown", "").statusCode()).isEqualTo(204);
      assertThat(p.awaitExit(Duration.ofSeconds(30))).isZero();
    }
  }

  @Test
  void metricsUseDaprsNames(@TempDir Path dir) throws Exception {
    try (SidecarProcess p =
        SidecarProcess.launch("measured", ResourceFiles.standard(dir), Map.of())
            .awaitHealthy(Duration.ofSeconds(60))) {
      post(p.httpBase() + "/v1.0/state/statestore", "[{\"key\":\"m\",\"value\":1}]");
      try (DaprClient client =
          new DaprClientBuilder()
              .withPropertyOverride(Properties.HTTP_PORT, Integer.toString(p.httpPort))
              .withPropertyOverride(Properties.GRPC_PORT, Integer.toString(p.grpcPort))
              .build()) {
        client.getState("statestore", "m", String.class).block();
      }
      String metrics = get("http://127.0.0.1:" + p.metricsPort + "/metrics").body();
      assertThat(metrics)
          .contains(
              "dapr_http_server_request_count{app_id=\"measured\",method=\"POST\",path=\"/v1.0/state\",status=\"204\"} 1.0")
          .contains("dapr_http_server_latency_bucket{")
          .contains(
              "dapr_grpc_io_server_completed_rpcs{app_id=\"measured\",grpc_server_method=\"dapr.proto.runtime.v1.Dapr/GetState\",grpc_server_status=\"OK\"} 1.0")
          .contains("dapr_component_state_count{app_id=\"measured\",component=\"statestore\"")
          .contains("dapr_runtime_component_loaded{app_id=\"measured\",namespace=\"\"} 4.0");
    }
  }

  static HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String url, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
