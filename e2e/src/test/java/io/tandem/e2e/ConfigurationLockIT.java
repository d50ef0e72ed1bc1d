package io.tandem.e2e;

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
import io.dapr.client.domain.ComponentMetadata;
import io.dapr.client.domain.ConfigurationItem;
import io.dapr.client.domain.SubscribeConfigurationResponse;
import io.dapr.client.domain.UnlockResponseStatus;
import io.dapr.client.domain.UnsubscribeConfigurationResponse;
import io.dapr.config.Properties;
import io.dapr.exceptions.DaprException;
import io.tandem.components.testing.TestServers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * The configuration and distributed lock APIs end to end: a real sidecar process with {@code
 * configuration.redis} and {@code lock.redis} on the shared test Redis, driven by the official Java
 * SDK (gRPC) and by plain HTTP; its app is a JDK HTTP server in this test that receives the
 * configuration updates the sidecar pushes. Items are written straight into Redis, as an operator
 * would ({@code value||version}). Keys are unique per run.
 */
class ConfigurationLockIT {
  static final Duration WAIT = Duration.ofSeconds(20);
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient http = HttpClient.newHttpClient();
  static final String APP_ID = "cfglockit";
  static final String RUN = UUID.randomUUID().toString().substring(0, 8);

  @TempDir static Path dir;
  static SidecarProcess sidecar;
  static HttpServer app;
  static DaprClient client;
  static DaprPreviewClient preview;
  static RawRedis redis;

  /** A configuration update the app received: the path it was posted to, and the body. */
  record Push(String path, String contentType, JsonNode body) {}

  static final List<Push> pushes = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    int appPort = SidecarProcess.freePort();
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", appPort), 0);
    app.createContext("/", ConfigurationLockIT::handle);
    app.start();
    String redisHost = TestServers.redisAddress();
    redis = new RawRedis(redisHost);
    ResourceFiles.write(
        dir,
        "components.yaml",
        ResourceFiles.component("configstore", "configuration.redis", "redisHost", redisHost)
            + "---\n"
            + ResourceFiles.component("lockstore", "lock.redis", "redisHost", redisHost)
            + "---\n"
            + ResourceFiles.component(
                "sharedlocks", "lock.redis", "redisHost", redisHost, "keyPrefix", "name"));
    sidecar =
        SidecarProcess.launch(APP_ID, dir, Map.of(), "--app-port", Integer.toString(appPort))
            .awaitHealthy(Duration.ofSeconds(60));
    DaprClientBuilder b =
        new DaprClientBuilder()
            .withPropertyOverride(Properties.HTTP_PORT, Integer.toString(sidecar.httpPort))
            .withPropertyOverride(Properties.GRPC_PORT, Integer.toString(sidecar.grpcPort));
    client = b.build();
    preview = b.buildPreviewClient();
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
    if (redis != null) {
      redis.close();
    }
  }

  static void handle(HttpExchange ex) throws IOException {
    byte[] in = ex.getRequestBody().readAllBytes();
    String path = ex.getRequestURI().getRawPath();
    if (path.startsWith("/configuration/")) {
      pushes.add(
          new Push(
              path,
              ex.getRequestHeaders().getFirst("content-type"),
              in.length == 0 ? JSON.nullNode() : JSON.readTree(in)));
      ex.sendResponseHeaders(200, -1);
    } else {
      ex.sendResponseHeaders(404, -1);
    }
    ex.close();
  }

  static String key(String name) {
    return "cfglockit-" + RUN + "-" + name;
  }

  static HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(sidecar.httpBase() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(sidecar.httpBase() + path))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> r) throws IOException {
    return JSON.readTree(r.body());
  }

  // ---- lock

  @Test
  void javaSdkTakesAndReleasesALockStoredUnderDaprsKey() throws Exception {
    String resource = key("order");
    assertThat(preview.tryLock("lockstore", resource, "owner-a", 60).block()).isTrue();
    assertThat(preview.tryLock("lockstore", resource, "owner-b", 60).block()).isFalse();
    assertThat(preview.tryLock("lockstore", resource, "owner-a", 60).block())
        .as("not re-entrant")
        .isFalse();
    // Dapr's key for the default keyPrefix (appid), so Tandem and Dapr sidecars share locks
    assertThat(redis.call("GET", "lock||" + APP_ID + "||" + resource)).isEqualTo("owner-a");
    assertThat(preview.unlock("lockstore", resource, "owner-b").block())
        .isEqualTo(UnlockResponseStatus.LOCK_BELONG_TO_OTHERS);
    assertThat(preview.unlock("lockstore", resource, "owner-a").block())
        .isEqualTo(UnlockResponseStatus.SUCCESS);
    assertThat(preview.unlock("lockstore", resource, "owner-a").block())
        .isEqualTo(UnlockResponseStatus.LOCK_UNEXIST);
    assertThat(preview.tryLock("lockstore", resource, "owner-b", 60).block()).isTrue();
    preview.unlock("lockstore", resource, "owner-b").block();
  }

  @Test
  void aLockExpires() throws Exception {
    String resource = key("expiring");
    assertThat(preview.tryLock("lockstore", resource, "owner-a", 1).block()).isTrue();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> preview.tryLock("lockstore", resource, "owner-b", 60).block());
    preview.unlock("lockstore", resource, "owner-b").block();
  }

  @Test
  void theNameKeyPrefixSharesLocksAcrossApps() throws Exception {
    String resource = key("shared");
    assertThat(preview.tryLock("sharedlocks", resource, "owner-a", 60).block()).isTrue();
    assertThat(redis.call("GET", "lock||sharedlocks||" + resource)).isEqualTo("owner-a");
    // another app's sidecar with the same component takes the same Redis key
    redis.call("DEL", "lock||sharedlocks||" + resource);
    assertThat(preview.unlock("sharedlocks", resource, "owner-a").block())
        .isEqualTo(UnlockResponseStatus.LOCK_UNEXIST);
  }

  @Test
  void javaSdkSeesDaprsLockErrors() {
    assertThatThrownBy(() -> preview.tryLock("nope", key("x"), "o", 10).block())
        .isInstanceOfSatisfying(
            DaprException.class,
            e -> {
              assertThat(e.getErrorCode()).isEqualTo("INVALID_ARGUMENT");
              assertThat(e.getMessage()).contains("lock store nope not found");
            });
    assertThatThrownBy(() -> preview.unlock("configstore", key("x"), "o").block())
        .isInstanceOfSatisfying(
            DaprException.class,
            e -> assertThat(e.getMessage()).contains("lock store configstore not found"));
  }

  @Test
  void lockOverHttpWithDaprsBodiesAndErrors() throws Exception {
    String resource = key("http");
    HttpResponse<String> r =
        post(
            "/v1.0-alpha1/lock/lockstore",
            "{\"resourceId\":\"" + resource + "\",\"lockOwner\":\"a\",\"expiryInSeconds\":60}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r)).isEqualTo(JSON.readTree("{\"success\":true}"));
    r =
        post(
            "/v1.0-alpha1/lock/lockstore",
            "{\"resourceId\":\"" + resource + "\",\"lockOwner\":\"b\",\"expiryInSeconds\":60}");
    assertThat(json(r)).isEqualTo(JSON.readTree("{\"success\":false}"));
    r =
        post(
            "/v1.0-alpha1/unlock/lockstore",
            "{\"resourceId\":\"" + resource + "\",\"lockOwner\":\"b\"}");
    assertThat(json(r)).isEqualTo(JSON.readTree("{\"status\":2}"));
    r =
        post(
            "/v1.0-alpha1/unlock/lockstore",
            "{\"resourceId\":\"" + resource + "\",\"lockOwner\":\"a\"}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r)).isEqualTo(JSON.readTree("{\"status\":0}"));
    r =
        post(
            "/v1.0-alpha1/unlock/lockstore",
            "{\"resourceId\":\"" + resource + "\",\"lockOwner\":\"a\"}");
    assertThat(json(r)).isEqualTo(JSON.readTree("{\"status\":1}"));

    r = post("/v1.0-alpha1/lock/lockstore", "{\"resourceId\":\"r\",\"lockOwner\":\"a\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).path("errorCode").asText()).isEqualTo("ERR_MALFORMED_REQUEST");
    assertThat(json(r).path("message").asText())
        .isEqualTo("ExpiryInSeconds is not positive in lock store lockstore");
    r = post("/v1.0-alpha1/unlock/lockstore", "{\"resourceId\":\"r\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).path("message").asText())
        .isEqualTo("LockOwner is empty in lock store lockstore");
    r =
        post(
            "/v1.0-alpha1/lock/nope",
            "{\"resourceId\":\"r\",\"lockOwner\":\"a\",\"expiryInSeconds\":5}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).path("errorCode").asText()).isEqualTo("ERR_LOCK_STORE_NOT_FOUND");
    r =
        post(
            "/v1.0-alpha1/lock/lockstore",
            "{\"resourceId\":\"a||b\",\"lockOwner\":\"a\",\"expiryInSeconds\":5}");
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(json(r).path("errorCode").asText()).isEqualTo("ERR_TRY_LOCK");
  }

  // ---- configuration

  @Test
  void javaSdkReadsConfigurationWrittenInRedis() throws Exception {
    redis.call("SET", key("limit"), "100||3");
    redis.call("SET", key("currency"), "EUR");
    Map<String, ConfigurationItem> items =
        client
            .getConfiguration("configstore", key("limit"), key("currency"), key("absent"))
            .block();
    assertThat(items).containsOnlyKeys(key("limit"), key("currency"));
    assertThat(items.get(key("limit")).getValue()).isEqualTo("100");
    assertThat(items.get(key("limit")).getVersion()).isEqualTo("3");
    assertThat(items.get(key("currency")).getValue()).isEqualTo("EUR");
    assertThat(client.getConfiguration("configstore", key("limit")).block().getValue())
        .isEqualTo("100");

    HttpResponse<String> r =
        get(
            "/v1.0/configuration/configstore?key="
                + key("limit")
                + "&key="
                + key("currency")
                + "&key="
                + key("absent"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).path(key("limit")).path("value").asText()).isEqualTo("100");
    assertThat(json(r).path(key("limit")).path("version").asText()).isEqualTo("3");
    assertThat(json(r).path(key("currency")).path("value").asText()).isEqualTo("EUR");
    assertThat(json(r).has(key("absent"))).isFalse();
    assertThat(get("/v1.0-alpha1/configuration/configstore?key=" + key("absent")).statusCode())
        .isEqualTo(204);

    assertThatThrownBy(() -> client.getConfiguration("lockstore", key("limit")).block())
        .isInstanceOfSatisfying(
            DaprException.class,
            e -> {
              assertThat(e.getErrorCode()).isEqualTo("INVALID_ARGUMENT");
              assertThat(e.getMessage()).contains("configuration store lockstore not found");
            });
    r = get("/v1.0/configuration/nope?key=a");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).path("errorCode").asText()).isEqualTo("ERR_CONFIGURATION_STORE_NOT_FOUND");
  }

  @Test
  void javaSdkSubscriptionStreamsChangesUntilUnsubscribed() throws Exception {
    String watched = key("watched");
    List<SubscribeConfigurationResponse> seen = new CopyOnWriteArrayList<>();
    Disposable d =
        client.subscribeConfiguration("configstore", watched).subscribe(seen::add, err -> {});
    try {
      await().atMost(WAIT).until(() -> !seen.isEmpty());
      String id = seen.get(0).getSubscriptionId();
      assertThat(id).isNotEmpty();
      redis.call("SET", key("unwatched"), "x||1");
      redis.call("SET", watched, "v1||1");
      await().atMost(WAIT).until(() -> valueSeen(seen, watched, "v1"));
      redis.call("SET", watched, "v2||2");
      await().atMost(WAIT).until(() -> valueSeen(seen, watched, "v2"));
      ConfigurationItem v2 =
          seen.stream()
              .map(s -> s.getItems().get(watched))
              .filter(i -> i != null && "v2".equals(i.getValue()))
              .findFirst()
              .orElseThrow();
      assertThat(v2.getVersion()).isEqualTo("2");
      assertThat(seen).allMatch(s -> s.getSubscriptionId().equals(id));
      assertThat(seen).noneMatch(s -> s.getItems().containsKey(key("unwatched")));

      UnsubscribeConfigurationResponse res =
          client.unsubscribeConfiguration(id, "configstore").block();
      assertThat(res.getIsUnsubscribed()).isTrue();
      await().atMost(WAIT).until(d::isDisposed);
      UnsubscribeConfigurationResponse again =
          client.unsubscribeConfiguration(id, "configstore").block();
      assertThat(again.getIsUnsubscribed()).isFalse();
      assertThat(again.getMessage()).contains("subscription does not exist");
    } finally {
      d.dispose();
    }
  }

  static boolean valueSeen(List<SubscribeConfigurationResponse> seen, String key, String value) {
    return seen.stream()
        .map(s -> s.getItems().get(key))
        .anyMatch(i -> i != null && value.equals(i.getValue()));
  }

  @Test
  void anHttpSubscriptionPushesChangesToTheApp() throws Exception {
    String a = key("push-a");
    String b = key("push-b");
    HttpResponse<String> r =
        get("/v1.0/configuration/configstore/subscribe?key=" + a + "&key=" + b);
    assertThat(r.statusCode()).isEqualTo(200);
    String id = json(r).path("id").asText();
    assertThat(id).isNotEmpty();

    redis.call("SET", a, "first||1");
    await()
        .atMost(WAIT)
        .until(
            () ->
                pushes.stream().anyMatch(p -> p.path().equals("/configuration/configstore/" + a)));
    Push p =
        pushes.stream()
            .filter(x -> x.path().equals("/configuration/configstore/" + a))
            .findFirst()
            .orElseThrow();
    assertThat(p.contentType()).startsWith("application/json");
    assertThat(p.body().path("id").asText()).isEqualTo(id);
    assertThat(p.body().path("items").path(a).path("value").asText()).isEqualTo("first");
    assertThat(p.body().path("items").path(a).path("version").asText()).isEqualTo("1");

    redis.call("DEL", a);
    await()
        .atMost(WAIT)
        .until(
            () ->
                pushes.stream()
                    .anyMatch(
                        x ->
                            x.path().endsWith("/" + a)
                                && x.body().path("items").path(a).path("value").asText().isEmpty()
                                && !x.body().path("items").path(a).has("version")));

    r = get("/v1.0-alpha1/configuration/configstore/" + id + "/unsubscribe");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r)).isEqualTo(JSON.readTree("{\"ok\":true}"));
    r = get("/v1.0/configuration/configstore/" + id + "/unsubscribe");
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(json(r).path("errorCode").asText()).isEqualTo("ERR_CONFIGURATION_UNSUBSCRIBE");

    // after the unsubscribe nothing more comes: a sentinel subscription proves the write went out
    int before = (int) pushes.stream().filter(x -> x.path().endsWith("/" + b)).count();
    redis.call("SET", b, "late||1");
    String sentinel = key("sentinel");
    String sid =
        json(get("/v1.0/configuration/configstore/subscribe?key=" + sentinel)).path("id").asText();
    redis.call("SET", b, "later||2");
    redis.call("SET", sentinel, "go||1");
    await()
        .atMost(WAIT)
        .until(() -> pushes.stream().anyMatch(x -> x.path().endsWith("/" + sentinel)));
    assertThat(pushes.stream().filter(x -> x.path().endsWith("/" + b)).count()).isEqualTo(before);
    get("/v1.0/configuration/configstore/" + sid + "/unsubscribe");
  }

  // ---- metadata

  @Test
  void metadataListsTheStoresWithDaprsCapabilities() {
    List<ComponentMetadata> components = client.getMetadata().block().getComponents();
    assertThat(components)
        .extracting(ComponentMetadata::getName, ComponentMetadata::getType)
        .contains(
            org.assertj.core.groups.Tuple.tuple("configstore", "configuration.redis"),
            org.assertj.core.groups.Tuple.tuple("lockstore", "lock.redis"),
            org.assertj.core.groups.Tuple.tuple("sharedlocks", "lock.redis"));
    for (ComponentMetadata c : components) {
      assertThat(c.getCapabilities()).as(c.getName()).isEmpty();
    }
  }
}
