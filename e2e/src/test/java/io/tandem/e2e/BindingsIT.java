package io.tandem.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dapr.client.DaprClient;
import io.dapr.client.DaprClientBuilder;
import io.dapr.client.domain.InvokeBindingRequest;
import io.dapr.config.Properties;
import io.dapr.exceptions.DaprException;
import io.dapr.utils.TypeRef;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bindings through a real sidecar process: cron input bindings firing into an HTTP app (asked first
 * with OPTIONS), and the HTTP output binding called over the HTTP API and the Java SDK.
 */
class BindingsIT {
  record Call(String method, String path, Map<String, List<String>> headers, String body) {}

  @TempDir static Path dir;
  static final HttpClient http = HttpClient.newHttpClient();
  static final List<Call> appCalls = new CopyOnWriteArrayList<>();
  static final List<Call> targetCalls = new CopyOnWriteArrayList<>();
  static HttpServer app;
  static HttpServer target;
  static SidecarProcess sidecar;

  @BeforeAll
  static void start() throws Exception {
    app = server(BindingsIT::app);
    target = server(BindingsIT::target);
    String targetUrl = "http://127.0.0.1:" + target.getAddress().getPort() + "/api";
    ResourceFiles.write(
        dir,
        "bindings.yaml",
        ResourceFiles.component("tick", "bindings.cron", "schedule", "@every 1s")
            + "---\n"
            + ResourceFiles.component(
                "routed", "bindings.cron", "schedule", "* * * * * *", "route", "/custom-path")
            + "---\n"
            + ResourceFiles.component("ignored", "bindings.cron", "schedule", "@every 1s")
            + "---\n"
            + ResourceFiles.component(
                "web", "bindings.http", "url", targetUrl, "direction", "output"));
    sidecar =
        SidecarProcess.launch(
                "bindings-app",
                dir,
                Map.of(),
                "--app-port",
                Integer.toString(app.getAddress().getPort()))
            .awaitHealthy(Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() throws Exception {
    if (sidecar != null) {
      sidecar.close();
    }
    app.stop(0);
    target.stop(0);
  }

  static HttpServer server(com.sun.net.httpserver.HttpHandler handler) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    s.createContext("/", handler);
    s.start();
    return s;
  }

  static Call record(HttpExchange ex, List<Call> into) throws IOException {
    Call c =
        new Call(
            ex.getRequestMethod(),
            ex.getRequestURI().toString(),
            Map.copyOf(ex.getRequestHeaders()),
            new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    into.add(c);
    return c;
  }

  static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      try (OutputStream os = ex.getResponseBody()) {
        os.write(b);
      }
    }
    ex.close();
  }

  /** Listens on /tick and /custom-path, not on /ignored. */
  static void app(HttpExchange ex) throws IOException {
    Call c = record(ex, appCalls);
    boolean listens = c.path().equals("/tick") || c.path().equals("/custom-path");
    reply(ex, listens ? 200 : 404, "");
  }

  /** The HTTP output binding's target: echoes the request; /api/missing is a 404. */
  static void target(HttpExchange ex) throws IOException {
    Call c = record(ex, targetCalls);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.getResponseHeaders().add("X-Target", "tandem-e2e");
    if (c.path().endsWith("/missing")) {
      reply(ex, 404, "{\"error\":\"no such thing\"}");
    } else {
      reply(ex, 201, "{\"method\":\"" + c.method() + "\",\"body\":" + c.body() + "}");
    }
  }

  static List<Call> appCalls(String method, String path) {
    return appCalls.stream()
        .filter(c -> c.method().equals(method) && c.path().equals(path))
        .toList();
  }

  static HttpResponse<String> invoke(String binding, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(sidecar.httpBase() + "/v1.0/bindings/" + binding))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .header("content-type", "application/json")
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static DaprClient client() {
    return new DaprClientBuilder()
        .withPropertyOverride(Properties.HTTP_PORT, Integer.toString(sidecar.httpPort))
        .withPropertyOverride(Properties.GRPC_PORT, Integer.toString(sidecar.grpcPort))
        .build();
  }

  @Test
  void cronFiresIntoTheAppAfterItSaidItListens() {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> appCalls("POST", "/tick").size() >= 2);

    int options = appCalls.indexOf(appCalls("OPTIONS", "/tick").get(0));
    int firstPost = appCalls.indexOf(appCalls("POST", "/tick").get(0));
    assertThat(options).isLessThan(firstPost);
    Call event = appCalls("POST", "/tick").get(0);
    assertThat(event.headers().get("Readtimeutc"))
        .singleElement()
        .asString()
        .endsWith(" +0000 UTC");
    assertThat(event.headers().get("Timezone")).containsExactly("Local");
  }

  @Test
  void routeMetadataChangesThePathTheAppReceives() {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !appCalls("POST", "/custom-path").isEmpty());
    assertThat(appCalls("OPTIONS", "/custom-path")).isNotEmpty();
    assertThat(appCalls("POST", "/routed")).isEmpty();
    assertThat(appCalls("OPTIONS", "/routed")).isEmpty();
  }

  @Test
  void bindingTheAppDoesNotListenOnIsNeverDelivered() {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> appCalls("POST", "/tick").size() >= 2);
    assertThat(appCalls("OPTIONS", "/ignored")).hasSize(1);
    assertThat(appCalls("POST", "/ignored")).isEmpty();
  }

  @Test
  void httpOutputBindingOverTheHttpApi() throws Exception {
    HttpResponse<String> r =
        invoke(
            "web",
            "{\"operation\":\"post\",\"data\":{\"item\":\"book\"},"
                + "\"metadata\":{\"path\":\"/orders\",\"X-Order\":\"7\"}}");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"method\":\"POST\",\"body\":{\"item\":\"book\"}}");
    assertThat(r.headers().firstValue("metadata.statusCode")).hasValue("201");
    assertThat(r.headers().firstValue("metadata.status")).hasValue("201 Created");
    assertThat(r.headers().firstValue("metadata.X-Target")).hasValue("tandem-e2e");
    assertThat(targetCalls)
        .anySatisfy(
            c -> {
              assertThat(c.path()).isEqualTo("/api/orders");
              assertThat(c.headers().get("X-order")).containsExactly("7");
            });
  }

  @Test
  void httpOutputBindingFailureCarriesTheTargetsStatus() throws Exception {
    HttpResponse<String> r =
        invoke("web", "{\"operation\":\"get\",\"metadata\":{\"path\":\"/missing\"}}");
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body())
        .contains("\"errorCode\":\"ERR_INVOKE_OUTPUT_BINDING\"")
        .contains("error invoking output binding web: received status code 404");
    assertThat(r.headers().firstValue("metadata.statusCode")).hasValue("404");
  }

  @Test
  void unknownBindingIsAnError() throws Exception {
    HttpResponse<String> r = invoke("nope", "{\"operation\":\"create\"}");
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body())
        .contains("\"errorCode\":\"ERR_INVOKE_OUTPUT_BINDING\"")
        .contains("couldn't find output binding nope");

    HttpResponse<String> inputOnly = invoke("tick", "{\"operation\":\"create\"}");
    assertThat(inputOnly.body()).contains("couldn't find output binding tick");
  }

  @Test
  void javaSdkInvokesTheHttpBinding() throws Exception {
    try (DaprClient client = client()) {
      client.waitForSidecar(10_000).block();
      InvokeBindingRequest req =
          new InvokeBindingRequest("web", "post")
              .setData(Map.of("qty", 3))
              .setMetadata(Map.of("path", "/sdk"));
      Map<String, Object> answer =
          client.invokeBinding(req, new TypeRef<Map<String, Object>>() {}).block();

      assertThat(answer).containsEntry("method", "POST").containsEntry("body", Map.of("qty", 3));
      assertThat(targetCalls)
          .anySatisfy(
              c -> {
                assertThat(c.path()).isEqualTo("/api/sdk");
                assertThat(c.body()).isEqualTo("{\"qty\":3}");
              });

      byte[] raw = client.invokeBinding("web", "get", null, byte[].class).block();
      assertThat(new String(raw, StandardCharsets.UTF_8)).startsWith("{\"method\":\"GET\"");
    }
  }

  @Test
  void javaSdkSeesDaprsErrorForAnUnknownBinding() throws Exception {
    try (DaprClient client = client()) {
      assertThatThrownBy(() -> client.invokeBinding("nope", "create", Map.of("a", 1)).block())
          .isInstanceOfSatisfying(
              DaprException.class,
              e -> {
                assertThat(e.getErrorCode()).isEqualTo("INTERNAL");
                assertThat(e.getMessage())
                    .contains(
                        "error invoking output binding nope: couldn't find output binding nope");
              });
    }
  }

  @Test
  void metricsCountBindingTraffic() throws Exception {
    invoke("web", "{\"operation\":\"get\"}");
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> appCalls("POST", "/tick").size() >= 1);
    String metrics =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + sidecar.metricsPort + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(metrics)
        .containsPattern("dapr_component_output_binding_count\\{[^}]*component=\"web\"")
        .containsPattern("dapr_component_output_binding_latencies_bucket\\{")
        .containsPattern(
            "dapr_component_input_binding_count\\{[^}]*component=\"tick\"[^}]*success=\"true\"");
  }
}
