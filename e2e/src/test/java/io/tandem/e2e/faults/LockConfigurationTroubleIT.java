package io.tandem.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.dapr.client.DaprClient;
import io.dapr.client.DaprClientBuilder;
import io.dapr.client.DaprPreviewClient;
import io.dapr.client.domain.SubscribeConfigurationResponse;
import io.dapr.config.Properties;
import io.dapr.exceptions.DaprException;
import io.tandem.components.testing.PrivateRedis;
import io.tandem.e2e.RawRedis;
import io.tandem.e2e.ResourceFiles;
import io.tandem.e2e.SidecarProcess;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * The Redis behind a lock store and a configuration store dies and comes back: while it is away
 * {@code /v1.0/healthz} (and {@code /healthz/outbound}) answer 500 naming each component, the
 * metadata API (HTTP and gRPC) and the {@code tandem_component_healthy} gauge show the trouble, a
 * lock call fails promptly with Dapr's error, and the sidecar stays up; once Redis is back, healthz
 * is 204 again, the lock works, and the configuration subscriptions made before the outage (a gRPC
 * stream and an HTTP one pushing to the app) hear the changes made after it. The server is private
 * to this test.
 */
class LockConfigurationTroubleIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  static final List<String> pushed = new CopyOnWriteArrayList<>();

  @Test
  void healthAndMetadataReportTheTroubleWhileRedisIsAway(@TempDir Path dir) throws Exception {
    try (PrivateRedis redis = PrivateRedis.start(false)) {
      ResourceFiles.write(
          dir,
          "stores.yaml",
          ResourceFiles.component("lockstore", "lock.redis", "redisHost", redis.address())
              + "---\n"
              + ResourceFiles.component(
                  "configstore", "configuration.redis", "redisHost", redis.address()));
      int appPort = SidecarProcess.freePort();
      HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", appPort), 0);
      app.createContext(
          "/",
          ex -> {
            pushed.add(
                ex.getRequestURI().getRawPath()
                    + " "
                    + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(200, -1);
            ex.close();
          });
      app.start();
      try (SidecarProcess sidecar =
              SidecarProcess.launch(
                  "trouble-app", dir, Map.of(), "--app-port", Integer.toString(appPort));
          DaprPreviewClient preview = client(sidecar).buildPreviewClient();
          DaprClient client = client(sidecar).build()) {
        sidecar.awaitHealthy(Duration.ofSeconds(60));
        assertThat(preview.tryLock("lockstore", "r1", "a", 60).block()).isTrue();
        assertThat(gauge(sidecar, "lockstore")).isEqualTo("1.0");
        // two configuration subscriptions that must outlive the outage: a gRPC stream (Java SDK)
        // and an HTTP one pushing to the app
        List<SubscribeConfigurationResponse> streamed = new CopyOnWriteArrayList<>();
        Disposable stream =
            client.subscribeConfiguration("configstore", "flag").subscribe(streamed::add, e -> {});
        await().atMost(Duration.ofSeconds(10)).until(() -> !streamed.isEmpty());
        assertThat(get(sidecar, "/v1.0/configuration/configstore/subscribe?key=flag").statusCode())
            .isEqualTo(200);
        try (RawRedis raw = new RawRedis(redis.address())) {
          raw.call("SET", "flag", "before||1");
        }
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> pushed.stream().anyMatch(p -> p.contains("before")));
        await().atMost(Duration.ofSeconds(10)).until(() -> seen(streamed, "before"));

        redis.kill();

        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> {
                  HttpResponse<String> h = get(sidecar, "/v1.0/healthz");
                  return h.statusCode() == 500
                      && h.body().contains("component lockstore (lock.redis): ")
                      && h.body().contains("component configstore (configuration.redis): ");
                });
        JsonNode health = JSON.readTree(get(sidecar, "/v1.0/healthz").body());
        assertThat(health.path("errorCode").asText()).isEqualTo("ERR_HEALTH_NOT_READY");
        assertThat(health.path("message").asText()).startsWith("dapr is not ready: component ");
        HttpResponse<String> outbound = get(sidecar, "/v1.0/healthz/outbound");
        assertThat(outbound.statusCode()).isEqualTo(500);
        assertThat(JSON.readTree(outbound.body()).path("errorCode").asText())
            .isEqualTo("ERR_OUTBOUND_HEALTH_NOT_READY");

        JsonNode extended = JSON.readTree(get(sidecar, "/v1.0/metadata").body()).path("extended");
        assertThat(extended.path("tandem.component.lockstore.trouble").asText()).isNotEmpty();
        assertThat(extended.path("tandem.component.configstore.trouble").asText()).isNotEmpty();
        assertThat(client.getMetadata().block().getAttributes())
            .containsKey("tandem.component.lockstore.trouble");
        assertThat(gauge(sidecar, "lockstore")).isEqualTo("0.0");

        long start = System.nanoTime();
        HttpResponse<String> lock =
            post(
                sidecar,
                "/v1.0-alpha1/lock/lockstore",
                "{\"resourceId\":\"r2\",\"lockOwner\":\"a\",\"expiryInSeconds\":5}");
        assertThat(Duration.ofNanos(System.nanoTime() - start))
            .as("a call to the cut-off store fails promptly")
            .isLessThan(Duration.ofSeconds(15));
        assertThat(lock.statusCode()).isEqualTo(500);
        assertThat(JSON.readTree(lock.body()).path("errorCode").asText()).isEqualTo("ERR_TRY_LOCK");
        try {
          preview.tryLock("lockstore", "r2", "a", 5).block(Duration.ofSeconds(15));
          throw new AssertionError("tryLock succeeded while Redis is down");
        } catch (DaprException e) {
          assertThat(e.getErrorCode()).isEqualTo("INTERNAL");
          assertThat(e.getMessage()).contains("failed to try acquiring lock");
        }
        assertThat(sidecar.isAlive()).isTrue();

        redis.start();

        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> get(sidecar, "/v1.0/healthz").statusCode() == 204);
        assertThat(get(sidecar, "/v1.0/healthz/outbound").statusCode()).isEqualTo(204);
        assertThat(get(sidecar, "/v1.0/metadata").body()).doesNotContain(".trouble");
        assertThat(gauge(sidecar, "lockstore")).isEqualTo("1.0");
        // a fresh server (no persistence): the lock taken before is gone, a new one works
        assertThat(preview.tryLock("lockstore", "r1", "b", 60).block()).isTrue();

        // both subscriptions hear a change made after the restart
        try (RawRedis raw = new RawRedis(redis.address())) {
          raw.call("SET", "flag", "after||2");
        }
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> pushed.stream().anyMatch(p -> p.contains("after")));
        await().atMost(Duration.ofSeconds(20)).until(() -> seen(streamed, "after"));
        assertThat(stream.isDisposed()).as("the gRPC stream stayed open").isFalse();
        stream.dispose();
        assertThat(sidecar.isAlive()).isTrue();
      } finally {
        app.stop(0);
      }
    }
  }

  static boolean seen(List<SubscribeConfigurationResponse> streamed, String value) {
    return streamed.stream()
        .map(r -> r.getItems().get("flag"))
        .anyMatch(i -> i != null && value.equals(i.getValue()));
  }

  static DaprClientBuilder client(SidecarProcess sidecar) {
    return new DaprClientBuilder()
        .withPropertyOverride(Properties.HTTP_PORT, Integer.toString(sidecar.httpPort))
        .withPropertyOverride(Properties.GRPC_PORT, Integer.toString(sidecar.grpcPort));
  }

  /** The value of {@code tandem_component_healthy} for {@code component}, as scraped. */
  static String gauge(SidecarProcess sidecar, String component) throws Exception {
    String metrics =
        HTTP.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + sidecar.metricsPort + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    for (String line : metrics.split("\n")) {
      if (line.startsWith("tandem_component_healthy{")
          && line.contains("component=\"" + component + "\"")) {
        return line.substring(line.lastIndexOf(' ') + 1);
      }
    }
    throw new AssertionError("no tandem_component_healthy for " + component + " in:\n" + metrics);
  }

  static HttpResponse<String> get(SidecarProcess sidecar, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(sidecar.httpBase() + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(SidecarProcess sidecar, String path, String body)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(sidecar.httpBase() + path))
            .timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
