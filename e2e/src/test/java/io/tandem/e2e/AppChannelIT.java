package io.tandem.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sidecar and its app starting in either order, and what the sidecar sends the app. */
class AppChannelIT {
  static final HttpClient http = HttpClient.newHttpClient();

  static int status(String url) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(url)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  @Test
  void sidecarServesBeforeTheAppIsUpAndBecomesReadyWhenItIs(@TempDir Path dir) throws Exception {
    int appPort = SidecarProcess.freePort();
    List<String> probes = new CopyOnWriteArrayList<>();
    try (SidecarProcess p =
        SidecarProcess.launch(
            "late-app",
            ResourceFiles.standard(dir),
            Map.of("APP_API_TOKEN", "app-side-secret"),
            "--app-port",
            Integer.toString(appPort),
            "--enable-app-health-check",
            "--app-health-probe-interval",
            "1")) {
      // Outbound is ready at once, so an app can use its sidecar while it starts...
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> status(p.httpBase() + "/v1.0/healthz/outbound") == 204);
      HttpResponse<String> save =
          http.send(
              HttpRequest.newBuilder(URI.create(p.httpBase() + "/v1.0/state/statestore"))
                  .POST(HttpRequest.BodyPublishers.ofString("[{\"key\":\"boot\",\"value\":1}]"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(save.statusCode()).isEqualTo(204);
      // ...but the sidecar as a whole is not ready until the app listens.
      assertThat(status(p.httpBase() + "/v1.0/healthz")).isEqualTo(500);

      HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", appPort), 0);
      app.createContext(
          "/healthz",
          ex -> {
            probes.add(String.valueOf(ex.getRequestHeaders().getFirst("dapr-api-token")));
            ex.sendResponseHeaders(200, -1);
            ex.close();
          });
      app.start();
      try {
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> status(p.httpBase() + "/v1.0/healthz") == 204);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !probes.isEmpty());
        assertThat(probes).allMatch("app-side-secret"::equals);
        assertThat(p.output()).contains("app is listening on 127.0.0.1:" + appPort);
        assertThat(p.output()).doesNotContain("app-side-secret");
      } finally {
        app.stop(0);
      }
    }
  }

  @Test
  void whenTheSidecarIsReadyTheAppsSubscriptionsAreInPlace(@TempDir Path dir) throws Exception {
    ResourceFiles.write(dir, "pubsub.yaml", ResourceFiles.component("pubsub", "pubsub.in-memory"));
    List<String> delivered = new CopyOnWriteArrayList<>();
    HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext(
        "/dapr/subscribe",
        ex -> {
          try {
            Thread.sleep(1500); // a slow app: the sidecar must not claim readiness meanwhile
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] b =
              "[{\"pubsubname\":\"pubsub\",\"topic\":\"boot\",\"route\":\"/boot\"}]".getBytes();
          ex.getResponseHeaders().add("content-type", "application/json");
          ex.sendResponseHeaders(200, b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
    app.createContext(
        "/boot",
        ex -> {
          delivered.add(new String(ex.getRequestBody().readAllBytes()));
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
    app.start();
    try (SidecarProcess p =
        SidecarProcess.launch(
                "early-publisher",
                dir,
                Map.of(),
                "--app-port",
                Integer.toString(app.getAddress().getPort()))
            .awaitHealthy(Duration.ofSeconds(60))) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(p.httpBase() + "/v1.0/publish/pubsub/boot"))
                  .header("content-type", "text/plain")
                  .POST(HttpRequest.BodyPublishers.ofString("first"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(204);
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !delivered.isEmpty());
      assertThat(delivered.get(0)).contains("\"data\":\"first\"");
    } finally {
      app.stop(0);
    }
  }
}
