package io.tandem.e2e.swap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.e2e.Backends;
import io.tandem.e2e.ResourceFiles;
import io.tandem.e2e.SidecarProcess;
import io.tandem.e2e.polyglot.AppProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The promise of the project: swapping a backend is a change of Component YAML only. One unchanged
 * app ({@code e2e/js/swap/orders-app.js}, the official JavaScript SDK) publishes orders on the
 * pub/sub named {@code pubsub} and, as their subscriber, saves each in the store named {@code
 * statestore}. Each run gives its sidecar a different resources directory and nothing else: first
 * the pub/sub backend changes with the store fixed on SQLite, then the store changes with the
 * pub/sub fixed in memory.
 */
class BackendSwapIT {
  private static final int ORDERS = 25;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  static Stream<Arguments> backends() {
    List<Arguments> runs = new ArrayList<>();
    for (String pubsub : Backends.PUBSUBS) {
      runs.add(Arguments.of(pubsub, "sqlite"));
    }
    for (String state : Backends.STATE_STORES) {
      if (!state.equals("sqlite")) {
        runs.add(Arguments.of("in-memory", state));
      }
    }
    return runs.stream();
  }

  @ParameterizedTest(name = "pubsub.{0} + state.{1}")
  @MethodSource("backends")
  void theSameAppRunsUnchangedOnEachBackend(String pubsub, String state, @TempDir Path dir)
      throws Exception {
    Path resources = dir.resolve("resources");
    ResourceFiles.write(resources, "pubsub.yaml", Backends.pubsub("pubsub", pubsub));
    ResourceFiles.write(resources, "statestore.yaml", Backends.state("statestore", state, dir));

    int appPort = SidecarProcess.freePort();
    try (SidecarProcess sidecar =
        SidecarProcess.launch(
            "orders-app",
            resources,
            Map.of(),
            "--app-port",
            Integer.toString(appPort),
            "--app-protocol",
            "http")) {
      Map<String, String> env = new LinkedHashMap<>();
      env.put("APP_PORT", Integer.toString(appPort));
      int control = SidecarProcess.freePort();
      env.put("CONTROL_PORT", Integer.toString(control));
      env.put("DAPR_HTTP_PORT", Integer.toString(sidecar.httpPort));
      env.put("DAPR_GRPC_PORT", Integer.toString(sidecar.grpcPort));
      try (AppProcess app =
          AppProcess.start(
              "orders-app-" + pubsub + "-" + state,
              List.of("node", "swap/orders-app.js"),
              Path.of("js").toAbsolutePath(),
              env,
              control)) {
        sidecar.awaitHealthy(Duration.ofSeconds(60));
        app.awaitReady(Duration.ofSeconds(60));

        // the sidecar really runs the swapped-in backends
        JsonNode metadata = getJson(sidecar.httpBase() + "/v1.0/metadata");
        Map<String, String> types = new LinkedHashMap<>();
        metadata
            .path("components")
            .forEach(c -> types.put(c.path("name").asText(), c.path("type").asText()));
        assertThat(types)
            .containsEntry("pubsub", "pubsub." + pubsub)
            .containsEntry("statestore", "state." + state);

        String runId = UUID.randomUUID().toString().substring(0, 8);
        JsonNode published =
            postJson(
                app.controlUrl() + "/run/publish",
                "{\"runId\":\"" + runId + "\",\"count\":" + ORDERS + "}");
        assertThat(published.path("ok").asBoolean()).as(published.toString()).isTrue();

        List<String> missing = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (int i = 0; i < ORDERS; i++) {
          String key = "order-" + runId + "-" + i;
          JsonNode order = null;
          while (order == null && System.nanoTime() < deadline) {
            order = stateOrNull(sidecar, key);
            if (order == null) {
              Thread.sleep(100);
            }
          }
          if (order == null) {
            missing.add(key);
            continue;
          }
          assertThat(order.path("orderId").asText()).isEqualTo(runId + "-" + i);
          assertThat(order.path("quantity").asInt()).isEqualTo(i + 1);
        }
        assertThat(missing)
            .as(
                "orders never saved; app log:\n%s\nsidecar log:\n%s",
                app.output(), sidecar.output())
            .isEmpty();

        // and the app reads its state back through the SDK
        JsonNode viaSdk =
            postJson(app.controlUrl() + "/run/get", "{\"key\":\"order-" + runId + "-0\"}");
        assertThat(viaSdk.path("result").path("item").asText()).isEqualTo("widget");
      }
    }
  }

  private static JsonNode stateOrNull(SidecarProcess sidecar, String key) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(sidecar.httpBase() + "/v1.0/state/statestore/" + key))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 && !r.body().isEmpty() ? JSON.readTree(r.body()) : null;
  }

  private static JsonNode getJson(String url) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static JsonNode postJson(String url, String body) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(60))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }
}
