package io.tandem.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dapr.client.DaprClient;
import io.dapr.client.DaprClientBuilder;
import io.dapr.client.DaprPreviewClient;
import io.dapr.client.domain.BulkPublishResponse;
import io.dapr.config.Properties;
import io.dapr.exceptions.DaprException;
import io.dapr.utils.TypeRef;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * Pub/sub end to end: a real sidecar process with {@code pubsub.in-memory}, its app a JDK HTTP
 * server in this test that declares subscriptions on {@code /dapr/subscribe} and answers
 * deliveries; publishing over HTTP and through the official Java SDK (gRPC).
 */
class PubSubIT {
  static final Duration WAIT = Duration.ofSeconds(30);
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient http = HttpClient.newHttpClient();

  @TempDir static Path dir;
  static SidecarProcess sidecar;
  static HttpServer app;
  static DaprClient client;
  static DaprPreviewClient preview;

  /** What the app received: the route, the content type and the body. */
  record Delivery(String path, String contentType, JsonNode body) {
    JsonNode data() {
      return body.path("data");
    }
  }

  static final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
  static final AtomicInteger retryCalls = new AtomicInteger();

  static final String SUBSCRIPTIONS =
      """
      [
        {"pubsubname": "pubsub", "topic": "orders",
         "routes": {"rules": [{"match": "event.type == \\"widget\\"", "path": "/widgets"},
                              {"match": "event.data.priority > 5", "path": "/urgent"}],
                    "default": "/orders"}},
        {"pubsubname": "pubsub", "topic": "retry", "route": "/retry"},
        {"pubsubname": "pubsub", "topic": "drops", "route": "/drops", "deadLetterTopic": "poison"},
        {"pubsubname": "pubsub", "topic": "poison", "route": "/poison"},
        {"pubsubname": "pubsub", "topic": "raw", "route": "/raw", "metadata": {"rawPayload": "true"}},
        {"pubsubname": "pubsub", "topic": "bulk", "route": "/bulk",
         "bulkSubscribe": {"enabled": true, "maxMessagesCount": 10, "maxAwaitDurationMs": 100}}
      ]
      """;

  static final String RESOURCES =
      ResourceFiles.component("pubsub", "pubsub.in-memory", "backOffInitialInterval", "20ms")
          + "---\n"
          + ResourceFiles.component(
              "restricted", "pubsub.in-memory", "publishingScopes", "pubsubit=allowed")
          + "---\n"
          + """
          apiVersion: dapr.io/v2alpha1
          kind: Subscription
          metadata:
            name: declared
          spec:
            pubsubname: pubsub
            topic: declared
            routes:
              rules:
              - match: event.data.kind == "special"
                path: /special
              default: /declared
          scopes:
          - pubsubit
          ---
          apiVersion: dapr.io/v1alpha1
          kind: Subscription
          metadata:
            name: someone-elses
          spec:
            pubsubname: pubsub
            topic: declared-elsewhere
            route: /elsewhere
          scopes:
          - another-app
          """;

  @BeforeAll
  static void start() throws Exception {
    int appPort = SidecarProcess.freePort();
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", appPort), 0);
    app.createContext("/", PubSubIT::handle);
    app.start();
    ResourceFiles.write(dir, "pubsub.yaml", RESOURCES);
    sidecar =
        SidecarProcess.launch("pubsubit", dir, Map.of(), "--app-port", Integer.toString(appPort))
            .awaitHealthy(Duration.ofSeconds(60));
    client =
        new DaprClientBuilder()
            .withPropertyOverride(Properties.HTTP_PORT, Integer.toString(sidecar.httpPort))
            .withPropertyOverride(Properties.GRPC_PORT, Integer.toString(sidecar.grpcPort))
            .build();
    preview =
        new DaprClientBuilder()
            .withPropertyOverride(Properties.HTTP_PORT, Integer.toString(sidecar.httpPort))
            .withPropertyOverride(Properties.GRPC_PORT, Integer.toString(sidecar.grpcPort))
            .buildPreviewClient();
    // the app's subscriptions are running once the metadata API lists them
    await().atMost(WAIT).until(() -> subscriptionTypes().contains("PROGRAMMATIC"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (preview != null) {
      preview.close();
    }
    if (sidecar != null) {
      sidecar.close();
    }
    if (app != null) {
      app.stop(0);
    }
  }

  /** The app: records each delivery and answers per route. */
  static void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    byte[] in = ex.getRequestBody().readAllBytes();
    if (path.equals("/dapr/subscribe")) {
      reply(ex, 200, SUBSCRIPTIONS);
      return;
    }
    JsonNode body = in.length == 0 ? JSON.nullNode() : JSON.readTree(in);
    deliveries.add(new Delivery(path, ex.getRequestHeaders().getFirst("content-type"), body));
    switch (path) {
      case "/retry" ->
          reply(
              ex,
              200,
              retryCalls.incrementAndGet() == 1
                  ? "{\"status\":\"RETRY\"}"
                  : "{\"status\":\"SUCCESS\"}");
      case "/drops" -> {
        String what = body.path("data").asText();
        if (what.equals("please-drop")) {
          reply(ex, 200, "{\"status\":\"DROP\"}");
        } else if (what.equals("please-404")) {
          reply(ex, 404, "");
        } else {
          reply(ex, 200, "");
        }
      }
      case "/bulk" -> {
        List<String> statuses = new ArrayList<>();
        for (JsonNode e : body.path("entries")) {
          statuses.add(
              "{\"entryId\":\"" + e.path("entryId").asText() + "\",\"status\":\"SUCCESS\"}");
        }
        reply(ex, 200, "{\"statuses\":[" + String.join(",", statuses) + "]}");
      }
      default -> reply(ex, 200, "{\"status\":\"SUCCESS\"}");
    }
  }

  static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(UTF_8);
    ex.getResponseHeaders().add("content-type", "application/json");
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      ex.getResponseBody().write(b);
    }
    ex.close();
  }

  static HttpResponse<String> post(String path, String contentType, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(sidecar.httpBase() + path))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("content-type", contentType);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static List<Delivery> at(String path) {
    return deliveries.stream().filter(d -> d.path().equals(path)).toList();
  }

  static Delivery awaitOne(String path, java.util.function.Predicate<Delivery> which) {
    await().atMost(WAIT).until(() -> at(path).stream().anyMatch(which));
    return at(path).stream().filter(which).findFirst().orElseThrow();
  }

  static List<String> subscriptionTypes() throws Exception {
    JsonNode md =
        JSON.readTree(
            http.send(
                    HttpRequest.newBuilder(URI.create(sidecar.httpBase() + "/v1.0/metadata"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body());
    List<String> out = new ArrayList<>();
    md.path("subscriptions").forEach(s -> out.add(s.path("type").asText()));
    return out;
  }

  // ---- publishing and routing -------------------------------------------------------------

  @Test
  void anHttpPublishReachesTheRouteItsCelRulePicksAsACloudEvent() throws Exception {
    assertThat(
            post("/v1.0/publish/pubsub/orders", "application/json", "{\"priority\":9,\"n\":\"u1\"}")
                .statusCode())
        .isEqualTo(204);
    assertThat(
            post(
                    "/v1.0/publish/pubsub/orders?metadata.cloudevent.type=widget",
                    "application/json",
                    "{\"priority\":9,\"n\":\"w1\"}")
                .statusCode())
        .isEqualTo(204);
    assertThat(
            post("/v1.0/publish/pubsub/orders", "application/json", "{\"priority\":1,\"n\":\"o1\"}")
                .statusCode())
        .isEqualTo(204);

    Delivery urgent = awaitOne("/urgent", d -> d.data().path("n").asText().equals("u1"));
    awaitOne("/widgets", d -> d.data().path("n").asText().equals("w1"));
    awaitOne("/orders", d -> d.data().path("n").asText().equals("o1"));

    assertThat(urgent.contentType()).startsWith("application/cloudevents+json");
    JsonNode ce = urgent.body();
    assertThat(ce.path("specversion").asText()).isEqualTo("1.0");
    assertThat(ce.path("source").asText()).isEqualTo("pubsubit");
    assertThat(ce.path("type").asText()).isEqualTo("com.dapr.event.sent");
    assertThat(ce.path("topic").asText()).isEqualTo("orders");
    assertThat(ce.path("pubsubname").asText()).isEqualTo("pubsub");
    assertThat(ce.path("datacontenttype").asText()).isEqualTo("application/json");
    assertThat(ce.path("id").asText()).isNotEmpty();
    assertThat(ce.path("time").asText()).isNotEmpty();
  }

  @Test
  void theJavaSdkPublishesOverGrpc() {
    client.publishEvent("pubsub", "orders", Map.of("priority", 7, "n", "sdk-1")).block();

    Delivery d = awaitOne("/urgent", x -> x.data().path("n").asText().equals("sdk-1"));
    assertThat(d.body().path("source").asText()).isEqualTo("pubsubit");
  }

  @Test
  void aDeclarativeSubscriptionRoutesWithItsRules() throws Exception {
    post(
        "/v1.0/publish/pubsub/declared", "application/json", "{\"kind\":\"special\",\"n\":\"d1\"}");
    post("/v1.0/publish/pubsub/declared", "application/json", "{\"kind\":\"plain\",\"n\":\"d2\"}");

    awaitOne("/special", d -> d.data().path("n").asText().equals("d1"));
    awaitOne("/declared", d -> d.data().path("n").asText().equals("d2"));
  }

  // ---- delivery outcomes ------------------------------------------------------------------

  @Test
  void aRetriedEventIsRedelivered() throws Exception {
    post("/v1.0/publish/pubsub/retry", "text/plain", "again");

    await().atMost(WAIT).until(() -> at("/retry").size() >= 2);
    List<Delivery> tries = at("/retry");
    assertThat(tries.get(0).body().path("id").asText())
        .isEqualTo(tries.get(1).body().path("id").asText());
  }

  @Test
  void droppedAnd404EventsAreNotRedeliveredAndGoToTheDeadLetterTopic() throws Exception {
    post("/v1.0/publish/pubsub/drops", "text/plain", "please-drop");
    post("/v1.0/publish/pubsub/drops", "text/plain", "please-404");
    post("/v1.0/publish/pubsub/drops", "text/plain", "marker");

    // the broker delivers in order and holds a redelivered message before the next one, so once
    // the marker arrived, a redelivery of the others would already have happened
    awaitOne("/drops", d -> d.data().asText().equals("marker"));
    assertThat(at("/drops"))
        .extracting(d -> d.data().asText())
        .containsExactly("please-drop", "please-404", "marker");

    await().atMost(WAIT).until(() -> at("/poison").size() >= 2);
    assertThat(at("/poison"))
        .extracting(d -> d.data().asText())
        .containsExactly("please-drop", "please-404");
    assertThat(at("/poison").get(0).body().path("topic").asText())
        .as("the dead letter is the original event")
        .isEqualTo("drops");
  }

  @Test
  void aRawPayloadIsPublishedUnwrappedAndDeliveredInDaprsRawEnvelope() throws Exception {
    assertThat(
            post("/v1.0/publish/pubsub/raw?metadata.rawPayload=true", "text/plain", "raw-bytes")
                .statusCode())
        .isEqualTo(204);

    Delivery d = awaitOne("/raw", x -> true);
    assertThat(d.body().path("datacontenttype").asText()).isEqualTo("application/octet-stream");
    assertThat(new String(Base64.getDecoder().decode(d.body().path("data_base64").asText()), UTF_8))
        .isEqualTo("raw-bytes");
    assertThat(d.body().path("source").asText()).isEqualTo("Dapr");
  }

  // ---- bulk -------------------------------------------------------------------------------

  @Test
  void bulkPublishOverHttpReachesABulkSubscriber() throws Exception {
    String entries =
        """
        [{"entryId":"1","event":"first","contentType":"text/plain"},
         {"entryId":"2","event":{"n":2},"contentType":"application/json"},
         {"entryId":"3","event":"third","contentType":"text/plain"}]
        """;

    assertThat(
            post("/v1.0-alpha1/publish/bulk/pubsub/bulk", "application/json", entries).statusCode())
        .isEqualTo(204);

    await()
        .atMost(WAIT)
        .until(
            () -> at("/bulk").stream().mapToInt(d -> d.body().path("entries").size()).sum() >= 3);
    Delivery batch = at("/bulk").get(0);
    assertThat(batch.body().path("topic").asText()).isEqualTo("bulk");
    assertThat(batch.body().path("pubsubname").asText()).isEqualTo("pubsub");
    assertThat(batch.body().path("entries").get(0).path("event").path("data").asText())
        .isEqualTo("first");
  }

  @Test
  void theJavaSdkBulkPublishesOverGrpc() {
    BulkPublishResponse<Map<String, Object>> res =
        client
            .publishEvents(
                "pubsub",
                "orders",
                "application/json",
                List.of(
                    Map.<String, Object>of("priority", 8, "n", "b1"),
                    Map.<String, Object>of("priority", 0, "n", "b2")))
            .block();

    assertThat(res.getFailedEntries()).isEmpty();
    awaitOne("/urgent", d -> d.data().path("n").asText().equals("b1"));
    awaitOne("/orders", d -> d.data().path("n").asText().equals("b2"));
  }

  // ---- streaming --------------------------------------------------------------------------

  @Test
  void theJavaSdkSubscribesOverAStream() throws Exception {
    List<String> got = new CopyOnWriteArrayList<>();
    Disposable sub =
        preview.subscribeToTopic("pubsub", "stream", TypeRef.STRING).subscribe(got::add);
    try {
      await().atMost(WAIT).until(() -> subscriptionTypes().contains("STREAMING"));

      client.publishEvent("pubsub", "stream", "over the stream").block();

      await().atMost(WAIT).until(() -> got.contains("over the stream"));
    } finally {
      sub.dispose();
    }
  }

  // ---- errors, metadata, metrics ----------------------------------------------------------

  @Test
  void errorsAreDaprs() throws Exception {
    HttpResponse<String> unknown = post("/v1.0/publish/nosuch/orders", "text/plain", "x");
    assertThat(unknown.statusCode()).isEqualTo(404);
    JsonNode body = JSON.readTree(unknown.body());
    assertThat(body.path("errorCode").asText()).isEqualTo("ERR_PUBSUB_NOT_FOUND");
    assertThat(body.path("message").asText()).isEqualTo("pubsub nosuch is not found");
    assertThat(body.path("details").get(0).path("reason").asText())
        .isEqualTo("DAPR_PUBSUB_NOT_FOUND");

    HttpResponse<String> forbidden = post("/v1.0/publish/restricted/secret", "text/plain", "x");
    assertThat(forbidden.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(forbidden.body()).path("errorCode").asText())
        .isEqualTo("ERR_PUBSUB_FORBIDDEN");
    assertThat(post("/v1.0/publish/restricted/allowed", "text/plain", "x").statusCode())
        .isEqualTo(204);

    // Dapr answers a malformed CloudEvent with 500 (and INVALID_ARGUMENT over gRPC)
    HttpResponse<String> malformed =
        post("/v1.0/publish/pubsub/orders", "application/cloudevents+json", "{\"id\":");
    assertThat(malformed.statusCode()).isEqualTo(500);
    JsonNode m = JSON.readTree(malformed.body());
    assertThat(m.path("errorCode").asText()).isEqualTo("ERR_PUBSUB_CLOUD_EVENTS_SER");
    assertThat(m.path("details").get(0).path("reason").asText())
        .isEqualTo("DAPR_PUBSUB_CLOUD_EVENT_CREATION");

    HttpResponse<String> badBulk =
        post("/v1.0-alpha1/publish/bulk/pubsub/orders", "application/json", "{\"entryID\": \"}");
    assertThat(badBulk.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(badBulk.body()).path("errorCode").asText())
        .isEqualTo("ERR_PUBSUB_EVENTS_SER");

    assertThatThrownBy(() -> client.publishEvent("nosuch", "orders", "x").block())
        .isInstanceOf(DaprException.class)
        .hasMessageContaining("INVALID_ARGUMENT")
        .hasMessageContaining("pubsub nosuch is not found");
  }

  @Test
  void theMetadataApiListsTheSubscriptions() throws Exception {
    JsonNode md =
        JSON.readTree(
            http.send(
                    HttpRequest.newBuilder(URI.create(sidecar.httpBase() + "/v1.0/metadata"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body());
    Map<String, JsonNode> byTopic = new java.util.HashMap<>();
    md.path("subscriptions").forEach(s -> byTopic.put(s.path("topic").asText(), s));

    assertThat(byTopic).containsKeys("orders", "retry", "drops", "raw", "bulk", "declared");
    assertThat(byTopic).doesNotContainKey("declared-elsewhere");
    assertThat(byTopic.get("orders").path("type").asText()).isEqualTo("PROGRAMMATIC");
    assertThat(byTopic.get("orders").path("rules").get(1).path("match").asText())
        .isEqualTo("event.data.priority > 5");
    assertThat(byTopic.get("orders").path("rules").get(2).path("path").asText())
        .isEqualTo("/orders");
    assertThat(byTopic.get("drops").path("deadLetterTopic").asText()).isEqualTo("poison");
    assertThat(byTopic.get("declared").path("type").asText()).isEqualTo("DECLARATIVE");
    assertThat(byTopic.get("raw").path("metadata").path("rawPayload").asText()).isEqualTo("true");
  }

  @Test
  void pubsubMetricsUseDaprsNames() throws Exception {
    post("/v1.0/publish/pubsub/orders", "application/json", "{\"priority\":0,\"n\":\"metrics\"}");
    awaitOne("/orders", d -> d.data().path("n").asText().equals("metrics"));

    String metrics =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + sidecar.metricsPort + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(metrics)
        .contains("dapr_component_pubsub_egress_count{")
        .contains("dapr_component_pubsub_ingress_count{")
        .contains("process_status=\"success\"")
        .contains("topic=\"orders\"");
  }
}
