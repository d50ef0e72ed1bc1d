package io.tandem.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker's message metadata reaches the app, as Dapr hands it over: a real sidecar process with
 * {@code pubsub.kafka} on the test broker, its app a JDK HTTP server. A message published with
 * {@code partitionKey} and other metadata arrives with the record key as the {@code __key} header,
 * the other metadata (Kafka record headers) as headers, and Kafka's {@code __topic}, {@code
 * __partition}, {@code __offset}; a bulk subscription gets each entry's metadata in the body.
 */
class KafkaMessageMetadataIT {
  static final Duration WAIT = Duration.ofSeconds(60);
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient http = HttpClient.newHttpClient();
  static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  static final String TOPIC = "md-single-" + RUN;
  static final String BULK_TOPIC = "md-bulk-" + RUN;

  @TempDir static Path dir;
  static SidecarProcess sidecar;
  static HttpServer app;

  /** What the app received: route, request headers and body. */
  record Delivery(String path, Headers headers, JsonNode body) {}

  static final List<Delivery> deliveries = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    int appPort = SidecarProcess.freePort();
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", appPort), 0);
    app.setExecutor(Executors.newFixedThreadPool(4));
    app.createContext("/", KafkaMessageMetadataIT::handle);
    app.start();
    ResourceFiles.write(dir, "pubsub.yaml", Backends.pubsub("pubsub", "kafka"));
    sidecar =
        SidecarProcess.launch(
                "kafka-metadata-" + RUN, dir, Map.of(), "--app-port", Integer.toString(appPort))
            .awaitHealthy(Duration.ofSeconds(60));
    await().atMost(WAIT).until(() -> subscriptionCount() == 2);
  }

  @AfterAll
  static void stop() throws Exception {
    if (sidecar != null) {
      sidecar.close();
    }
    if (app != null) {
      app.stop(0);
    }
  }

  static void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    byte[] in = ex.getRequestBody().readAllBytes();
    if (path.equals("/dapr/subscribe")) {
      reply(
          ex,
          """
          [{"pubsubname": "pubsub", "topic": "%s", "route": "/single"},
           {"pubsubname": "pubsub", "topic": "%s", "route": "/bulk",
            "bulkSubscribe": {"enabled": true, "maxMessagesCount": 10, "maxAwaitDurationMs": 200}}]
          """
              .formatted(TOPIC, BULK_TOPIC));
      return;
    }
    JsonNode body = in.length == 0 ? JSON.nullNode() : JSON.readTree(in);
    deliveries.add(new Delivery(path, ex.getRequestHeaders(), body));
    if (path.equals("/bulk")) {
      List<String> statuses = new ArrayList<>();
      for (JsonNode e : body.path("entries")) {
        statuses.add("{\"entryId\":\"" + e.path("entryId").asText() + "\",\"status\":\"SUCCESS\"}");
      }
      reply(ex, "{\"statuses\":[" + String.join(",", statuses) + "]}");
    } else {
      reply(ex, "{\"status\":\"SUCCESS\"}");
    }
  }

  static void reply(HttpExchange ex, String body) throws IOException {
    byte[] b = body.getBytes(UTF_8);
    ex.getResponseHeaders().add("content-type", "application/json");
    ex.sendResponseHeaders(200, b.length);
    ex.getResponseBody().write(b);
    ex.close();
  }

  static int publish(String topic, String body, Map<String, String> metadata) throws Exception {
    StringBuilder q = new StringBuilder();
    metadata.forEach(
        (k, v) ->
            q.append(q.isEmpty() ? "?" : "&")
                .append("metadata.")
                .append(k)
                .append('=')
                .append(URLEncoder.encode(v, UTF_8)));
    return http.send(
            HttpRequest.newBuilder(
                    URI.create(sidecar.httpBase() + "/v1.0/publish/pubsub/" + topic + q))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  static int subscriptionCount() throws Exception {
    JsonNode md =
        JSON.readTree(
            http.send(
                    HttpRequest.newBuilder(URI.create(sidecar.httpBase() + "/v1.0/metadata"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body());
    return md.path("subscriptions").size();
  }

  @Test
  void theRecordKeyAndHeadersArriveAsRequestHeaders() throws Exception {
    assertThat(
            publish(
                TOPIC,
                "{\"order\":1}",
                Map.of(
                    "partitionKey", "k1",
                    "correlationId", "c-42",
                    // a publisher cannot add headers of its own nor reframe the delivery
                    "x-split", "a\r\nx-injected: 1",
                    "content-length", "1")))
        .isEqualTo(204);

    await().atMost(WAIT).until(() -> at("/single").size() >= 1);
    Delivery d = at("/single").get(0);
    Headers h = d.headers();
    assertThat(h.getFirst("__key")).isEqualTo("k1");
    assertThat(h.getFirst("correlationId")).isEqualTo("c-42");
    assertThat(h.getFirst("__topic")).isEqualTo(TOPIC);
    assertThat(h.getFirst("__partition")).matches("[0-9]+");
    assertThat(h.getFirst("__offset")).matches("[0-9]+");
    assertThat(h.getFirst("__timestamp")).matches("[0-9]+");
    assertThat(h.getFirst("pubsubName")).isEqualTo("pubsub");
    // partitionKey became the record key, not a header
    assertThat(h.containsKey("partitionKey")).isFalse();
    assertThat(h.containsKey("x-split")).isFalse();
    assertThat(h.containsKey("x-injected")).isFalse();
    assertThat(h.getFirst("content-type")).startsWith("application/cloudevents+json");
    assertThat(d.body().path("data").path("order").asInt()).isEqualTo(1);
    assertThat(d.body().path("topic").asText()).isEqualTo(TOPIC);
  }

  @Test
  void aBulkSubscriptionGetsEachEntrysMetadataInTheBody() throws Exception {
    assertThat(publish(BULK_TOPIC, "{\"n\":1}", Map.of("partitionKey", "b1", "tag", "first")))
        .isEqualTo(204);
    assertThat(publish(BULK_TOPIC, "{\"n\":2}", Map.of("partitionKey", "b2", "tag", "second")))
        .isEqualTo(204);

    await().atMost(WAIT).until(() -> bulkEntries().size() >= 2);
    Map<String, JsonNode> byKey = new HashMap<>();
    bulkEntries().forEach(e -> byKey.put(e.path("metadata").path("__key").asText(), e));
    assertThat(byKey).containsKeys("b1", "b2");
    JsonNode first = byKey.get("b1").path("metadata");
    assertThat(first.path("tag").asText()).isEqualTo("first");
    assertThat(first.path("__topic").asText()).isEqualTo(BULK_TOPIC);
    assertThat(first.path("__offset").asText()).matches("[0-9]+");
    assertThat(byKey.get("b2").path("metadata").path("tag").asText()).isEqualTo("second");
    assertThat(byKey.get("b1").path("event").path("data").path("n").asInt()).isEqualTo(1);
    // the batch's own metadata comes as headers
    assertThat(at("/bulk").get(0).headers().getFirst("pubsubName")).isEqualTo("pubsub");
  }

  static List<Delivery> at(String path) {
    return deliveries.stream().filter(d -> d.path().equals(path)).toList();
  }

  static List<JsonNode> bulkEntries() {
    List<JsonNode> out = new ArrayList<>();
    at("/bulk").forEach(d -> d.body().path("entries").forEach(out::add));
    return out;
  }
}
