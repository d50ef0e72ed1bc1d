package io.tandem.e2e.faults;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.tandem.e2e.Backends;
import io.tandem.e2e.ResourceFiles;
import io.tandem.e2e.SidecarProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * At-least-once across a crash: while a publisher streams messages, the subscriber's sidecar is
 * killed with SIGKILL and started again. Every message the broker accepted must reach the app
 * (losses counted, required to be zero); duplicates are allowed and reported in {@code
 * target/faults-report.txt}.
 */
class SubscriberCrashIT {
  private static final int MESSAGES = 300;
  private static final int KILL_AFTER = 100;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** Settings that make the broker notice a dead consumer in seconds rather than minutes. */
  private static String[] quickRecovery(String kind) {
    return switch (kind) {
      case "redis" -> new String[] {"processingTimeout", "3s", "redeliverInterval", "1s"};
      case "kafka" -> new String[] {"sessionTimeout", "6s", "heartbeatInterval", "1s"};
      default -> new String[0];
    };
  }

  @ParameterizedTest(name = "pubsub.{0}")
  @ValueSource(strings = {"redis", "kafka", "rabbitmq"})
  void everyMessageArrivesAtLeastOnceWhenTheSubscribersSidecarIsKilled(
      String kind, @TempDir Path dir) throws Exception {
    String topic = "crash-" + kind + "-" + UUID.randomUUID().toString().substring(0, 8);
    Path resources = dir.resolve("resources");
    ResourceFiles.write(
        resources, "pubsub.yaml", Backends.pubsub("pubsub", kind, quickRecovery(kind)));

    Map<Integer, AtomicInteger> received = new ConcurrentHashMap<>();
    int appPort = SidecarProcess.freePort();
    HttpServer app = subscriberApp(appPort, topic, received);
    List<String> publishErrors = new ArrayList<>();
    SidecarProcess subscriber = null;
    try (SidecarProcess publisher =
        SidecarProcess.launch("crash-publisher-" + kind, resources, Map.of())) {
      subscriber = launchSubscriber(kind, resources, appPort);
      publisher.awaitHealthy(Duration.ofSeconds(60));
      subscriber.awaitHealthy(Duration.ofSeconds(60));

      for (int i = 0; i < MESSAGES; i++) {
        if (i == KILL_AFTER) {
          subscriber.kill();
          assertThat(subscriber.isAlive()).isFalse();
        }
        if (i == KILL_AFTER + 50) {
          // the app itself stays up; only its sidecar crashed and comes back
          subscriber = launchSubscriber(kind, resources, appPort);
        }
        publish(publisher, topic, i, publishErrors);
        Thread.sleep(5);
      }
      subscriber.awaitHealthy(Duration.ofSeconds(60));

      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (received.size() < MESSAGES && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      List<Integer> lost = new ArrayList<>();
      int duplicates = 0;
      for (int i = 0; i < MESSAGES; i++) {
        AtomicInteger n = received.get(i);
        if (n == null) {
          lost.add(i);
        } else {
          duplicates += n.get() - 1;
        }
      }
      report(kind, lost.size(), duplicates, publishErrors.size());
      assertThat(lost)
          .as(
              "messages lost on pubsub.%s (%d duplicates); subscriber log:\n%s",
              kind, duplicates, subscriber.output())
          .isEmpty();
    } finally {
      if (subscriber != null) {
        subscriber.close();
      }
      app.stop(0);
    }
  }

  private static SidecarProcess launchSubscriber(String kind, Path resources, int appPort)
      throws IOException {
    return SidecarProcess.launch(
        "crash-subscriber-" + kind,
        resources,
        Map.of(),
        "--app-port",
        Integer.toString(appPort),
        "--app-protocol",
        "http");
  }

  /** Publishes message {@code i}; a refused publish is retried, as a careful producer does. */
  private static void publish(SidecarProcess publisher, String topic, int i, List<String> errors)
      throws Exception {
    for (int attempt = 0; attempt < 20; attempt++) {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(
                      URI.create(publisher.httpBase() + "/v1.0/publish/pubsub/" + topic))
                  .timeout(Duration.ofSeconds(15))
                  .header("content-type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"seq\":" + i + "}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 204 || r.statusCode() == 200) {
        return;
      }
      errors.add(r.statusCode() + " " + r.body());
      Thread.sleep(250);
    }
    throw new AssertionError("message " + i + " could not be published: " + errors);
  }

  /** An app that subscribes to {@code topic} and counts each delivery of each sequence number. */
  private static HttpServer subscriberApp(
      int port, String topic, Map<Integer, AtomicInteger> received) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext(
        "/dapr/subscribe",
        ex -> {
          byte[] body =
              ("[{\"pubsubname\":\"pubsub\",\"topic\":\"" + topic + "\",\"route\":\"/events\"}]")
                  .getBytes(UTF_8);
          ex.getResponseHeaders().add("content-type", "application/json");
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.createContext(
        "/events",
        ex -> {
          try (InputStream in = ex.getRequestBody()) {
            JsonNode event = JSON.readTree(in);
            int seq = event.path("data").path("seq").asInt(-1);
            received.computeIfAbsent(seq, k -> new AtomicInteger()).incrementAndGet();
          }
          byte[] body = "{\"status\":\"SUCCESS\"}".getBytes(UTF_8);
          ex.getResponseHeaders().add("content-type", "application/json");
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.createContext(
        "/",
        ex -> {
          ex.sendResponseHeaders(404, -1);
          ex.close();
        });
    server.start();
    return server;
  }

  private static void report(String kind, int lost, int duplicates, int publishRetries)
      throws IOException {
    String line =
        String.format(
            "subscriber sidecar killed with SIGKILL: pubsub.%s, %d messages, %d lost, %d"
                + " duplicates, %d publish retries%n",
            kind, MESSAGES, lost, duplicates, publishRetries);
    System.out.print(line);
    Files.writeString(
        Path.of("target", "faults-report.txt"),
        line,
        UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }
}
