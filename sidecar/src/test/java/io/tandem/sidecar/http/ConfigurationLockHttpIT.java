package io.tandem.sidecar.http;

import static io.tandem.sidecar.fakes.FakeRegistry.component;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.dapr.v1.DaprMetadataProtos.AppConnectionProperties;
import io.tandem.sidecar.AppChannelConfig;
import io.tandem.sidecar.api.ApiToken;
import io.tandem.sidecar.appchannel.HttpAppChannel;
import io.tandem.sidecar.configuration.ConfigurationService;
import io.tandem.sidecar.fakes.FakeConfigurationStore;
import io.tandem.sidecar.fakes.FakeLockStore;
import io.tandem.sidecar.fakes.FakeRegistry;
import io.tandem.sidecar.lock.LockService;
import io.tandem.sidecar.metadata.MetadataService;
import io.tandem.sidecar.metrics.SidecarMetrics;
import io.tandem.sidecar.secrets.SecretsService;
import io.tandem.sidecar.state.StateService;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The configuration and lock APIs and the health endpoints over HTTP: the real router on a Vert.x
 * port, fake stores, and a JDK HTTP server as the app that receives configuration updates through
 * the real HTTP app channel.
 */
class ConfigurationLockHttpIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient http = HttpClient.newHttpClient();
  static final SidecarMetrics metrics = SidecarMetrics.inMemory("app");
  static final List<String> appSaw = new CopyOnWriteArrayList<>();
  static final AtomicInteger appStatus = new AtomicInteger(200);

  static HttpServer app;
  static Vertx vertx;
  static FakeRegistry fakes;
  static ConfigurationService configuration;
  static HttpAppChannel channel;
  static io.vertx.core.http.HttpServer api;
  static String base;

  @BeforeAll
  static void start() throws Exception {
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext(
        "/",
        ex -> {
          String body = new String(ex.getRequestBody().readAllBytes(), UTF_8);
          appSaw.add(
              ex.getRequestMethod()
                  + " "
                  + ex.getRequestURI().getRawPath()
                  + " "
                  + ex.getRequestHeaders().getFirst("content-type")
                  + " "
                  + body);
          ex.sendResponseHeaders(appStatus.get(), -1);
          ex.close();
        });
    app.start();

    fakes =
        new FakeRegistry(
            "app",
            component("config", FakeConfigurationStore.TYPE)
                + component("locks", FakeLockStore.TYPE));
    vertx = Vertx.vertx();
    channel =
        new HttpAppChannel(
            vertx,
            new AppChannelConfig(
                app.getAddress().getPort(),
                "http",
                "127.0.0.1",
                -1,
                false,
                null,
                null,
                null,
                3,
                null));
    configuration = new ConfigurationService(fakes.registry, metrics, channel, vertx);
    for (var c : fakes.registry.all()) {
      metrics.componentHealth(c.name(), c.type(), () -> c.trouble().isEmpty());
    }
    HttpApi httpApi =
        new HttpApi(
                new StateService(fakes.registry, "app", "", metrics),
                new SecretsService(fakes.registry),
                new MetadataService(
                    "app",
                    "test",
                    fakes.registry,
                    AppConnectionProperties.getDefaultInstance(),
                    List.of()),
                metrics,
                new ApiToken(null),
                4 * 1024 * 1024,
                () -> true,
                () -> true,
                () -> {})
            .withConfiguration(configuration)
            .withLock(new LockService(fakes.registry, "app"))
            .withComponentTroubles(fakes.registry::troubles);
    api =
        vertx
            .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
            .requestHandler(httpApi.router(vertx))
            .listen()
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    base = "http://127.0.0.1:" + api.actualPort();
  }

  @AfterAll
  static void stop() throws Exception {
    configuration.close();
    channel.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    app.stop(0);
    fakes.registry.close();
  }

  static HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  static FakeConfigurationStore store() {
    return fakes.configuration(0);
  }

  @Test
  void getOnBothApiVersions() throws Exception {
    store().write("http-a", "alpha", "1");
    store().write("http-b", "beta", "2");
    for (String v : List.of("/v1.0", "/v1.0-alpha1")) {
      HttpResponse<String> r = get(v + "/configuration/config?key=http-a&key=http-b&metadata.m=n");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
      assertThat(json(r))
          .isEqualTo(
              JSON.readTree(
                  "{\"http-a\":{\"value\":\"alpha\",\"version\":\"1\"},"
                      + "\"http-b\":{\"value\":\"beta\",\"version\":\"2\"}}"));
      assertThat(store().lastMetadata).containsEntry("m", "n");
    }
    assertThat(get("/v1.0/configuration/config?key=nothing-here").statusCode()).isEqualTo(204);
  }

  @Test
  void configurationErrors() throws Exception {
    HttpResponse<String> r = get("/v1.0/configuration/nope?key=a");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).path("errorCode").asText()).isEqualTo("ERR_CONFIGURATION_STORE_NOT_FOUND");
    r = get("/v1.0/configuration/locks/subscribe");
    assertThat(r.statusCode()).isEqualTo(400);
    r = get("/v1.0/configuration/config/no-such-id/unsubscribe");
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(json(r).path("errorCode").asText()).isEqualTo("ERR_CONFIGURATION_UNSUBSCRIBE");
    assertThat(json(r).path("ok").asBoolean(true)).isFalse();
    assertThat(json(r).path("message").asText())
        .isEqualTo(
            "failed to unsubscribe to configuration request no-such-id: subscription does not"
                + " exist");
  }

  @Test
  void anHttpSubscriptionPushesEachChangeToTheAppUntilUnsubscribed() throws Exception {
    HttpResponse<String> r =
        get("/v1.0-alpha1/configuration/config/subscribe?key=push-a&key=push%20b");
    assertThat(r.statusCode()).isEqualTo(200);
    String id = json(r).path("id").asText();
    assertThat(id).isNotEmpty();

    store().write("push-a", "v1", "1");
    store().write("push b", "v2", "7");
    store().write("push-other", "x", "1");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                appSaw.stream().filter(s -> s.contains("/configuration/config/push")).count() == 2);
    List<String> pushes =
        appSaw.stream().filter(s -> s.contains("/configuration/config/push")).toList();
    assertThat(pushes.get(0))
        .isEqualTo(
            "POST /configuration/config/push-a application/json {\"id\":\""
                + id
                + "\",\"items\":{\"push-a\":{\"value\":\"v1\",\"version\":\"1\"}}}");
    assertThat(pushes.get(1)).startsWith("POST /configuration/config/push%20b application/json");
    assertThat(JSON.readTree(pushes.get(1).substring(pushes.get(1).indexOf('{'))))
        .isEqualTo(
            JSON.readTree(
                "{\"id\":\""
                    + id
                    + "\",\"items\":{\"push b\":{\"value\":\"v2\",\"version\":\"7\"}}}"));

    // an app that fails an update still gets the next one
    appStatus.set(500);
    store().write("push-a", "v3", "3");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> appSaw.stream().anyMatch(s -> s.contains("v3")));
    appStatus.set(200);
    store().write("push-a", "v4", "4");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> appSaw.stream().anyMatch(s -> s.contains("v4")));

    r = get("/v1.0/configuration/config/" + id + "/unsubscribe");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"ok\":true}");
    int seen = appSaw.size();
    store().write("push-a", "after", "5");
    // a second subscription shows the write went out before we look
    String other =
        json(get("/v1.0/configuration/config/subscribe?key=sentinel")).path("id").asText();
    store().write("sentinel", "go", "1");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> appSaw.stream().anyMatch(s -> s.contains("sentinel")));
    assertThat(appSaw.subList(seen, appSaw.size())).noneMatch(s -> s.contains("after"));
    assertThat(get("/v1.0/configuration/config/" + other + "/unsubscribe").statusCode())
        .isEqualTo(200);
  }

  @Test
  void lockAndUnlock() throws Exception {
    HttpResponse<String> r =
        post(
            "/v1.0-alpha1/lock/locks",
            "{\"resourceId\":\"http-r\",\"lockOwner\":\"a\",\"expiryInSeconds\":60}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"success\":true}");
    r =
        post(
            "/v1.0-alpha1/lock/locks",
            "{\"resourceId\":\"http-r\",\"lockOwner\":\"b\",\"expiryInSeconds\":60}");
    assertThat(r.body()).isEqualTo("{\"success\":false}");
    r = post("/v1.0-alpha1/unlock/locks", "{\"resourceId\":\"http-r\",\"lockOwner\":\"b\"}");
    assertThat(r.body()).isEqualTo("{\"status\":2}");
    r = post("/v1.0-alpha1/unlock/locks", "{\"resourceId\":\"http-r\",\"lockOwner\":\"a\"}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"status\":0}");
    r = post("/v1.0-alpha1/unlock/locks", "{\"resourceId\":\"http-r\",\"lockOwner\":\"a\"}");
    assertThat(r.body()).isEqualTo("{\"status\":1}");
    assertThat(fakes.lock(0).resourceIds).contains("lock||app||http-r");
  }

  @Test
  void lockErrors() throws Exception {
    HttpResponse<String> r =
        post("/v1.0-alpha1/lock/locks", "{\"resourceId\":\"r\",\"lockOwner\":\"a\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).path("errorCode").asText()).isEqualTo("ERR_MALFORMED_REQUEST");
    assertThat(json(r).path("message").asText())
        .isEqualTo("ExpiryInSeconds is not positive in lock store locks");
    r = post("/v1.0-alpha1/lock/locks", "{\"lockOwner\":\"a\",\"expiryInSeconds\":5}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).path("message").asText())
        .isEqualTo("ResourceId is empty in lock store locks");
    r = post("/v1.0-alpha1/unlock/locks", "{not json");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).path("errorCode").asText()).isEqualTo("ERR_MALFORMED_REQUEST");
    r =
        post(
            "/v1.0-alpha1/lock/config",
            "{\"resourceId\":\"r\",\"lockOwner\":\"a\",\"expiryInSeconds\":5}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).path("errorCode").asText()).isEqualTo("ERR_LOCK_STORE_NOT_FOUND");
  }

  @Test
  void healthReportsComponentTroubleWhileItLasts() throws Exception {
    assertThat(get("/v1.0/healthz").statusCode()).isEqualTo(204);
    fakes.lock(0).trouble = "connection refused by 127.0.0.1:1, reconnecting";
    try {
      HttpResponse<String> r = get("/v1.0/healthz");
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(json(r).path("errorCode").asText()).isEqualTo("ERR_HEALTH_NOT_READY");
      assertThat(json(r).path("message").asText())
          .isEqualTo(
              "dapr is not ready: component locks (lock.fake): connection refused by 127.0.0.1:1,"
                  + " reconnecting");
      r = get("/v1.0/healthz/outbound");
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(json(r).path("errorCode").asText()).isEqualTo("ERR_OUTBOUND_HEALTH_NOT_READY");
      assertThat(json(r).path("message").asText()).contains("component locks (lock.fake)");
      r = get("/v1.0/metadata");
      assertThat(json(r).path("extended").path("tandem.component.locks.trouble").asText())
          .isEqualTo("connection refused by 127.0.0.1:1, reconnecting");
      assertThat(
              metrics
                  .registry()
                  .get("tandem_component_healthy")
                  .tag("component", "locks")
                  .gauge()
                  .value())
          .isZero();
    } finally {
      fakes.lock(0).trouble = null;
    }
    assertThat(get("/v1.0/healthz").statusCode()).isEqualTo(204);
    assertThat(get("/v1.0/healthz/outbound").statusCode()).isEqualTo(204);
    assertThat(json(get("/v1.0/metadata")).path("extended").has("tandem.component.locks.trouble"))
        .isFalse();
    assertThat(
            metrics
                .registry()
                .get("tandem_component_healthy")
                .tag("component", "locks")
                .gauge()
                .value())
        .isEqualTo(1);
  }
}
