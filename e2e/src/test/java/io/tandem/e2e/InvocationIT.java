package io.tandem.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Service invocation over HTTP between two real sidecars sharing one name registry file: a caller
 * sidecar without an app, and a callee sidecar in front of a small JDK HTTP server.
 */
class InvocationIT {
  static final ObjectMapper json = new ObjectMapper();
  static final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  static final long MAX_BODY = 64L << 20;

  @TempDir static Path dir;
  static Path registry;
  static HttpServer app;
  static ExecutorService appThreads;
  static SidecarProcess callee;
  static SidecarProcess caller;
  static final List<Seen> seen = new CopyOnWriteArrayList<>();

  /** One request as the app received it. */
  record Seen(String method, String rawPath, String rawQuery, Map<String, String> headers) {
    String header(String name) {
      return headers.get(name);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    registry = dir.resolve("registry.db");
    appThreads = Executors.newCachedThreadPool();
    app = TestApps.startHttpApp(appThreads, seen);
    callee =
        SidecarProcess.launch(
            "callee",
            null,
            Map.of(),
            "--app-port",
            Integer.toString(app.getAddress().getPort()),
            "--name-resolution-file",
            registry.toString(),
            "--max-body-size",
            "64Mi");
    caller =
        SidecarProcess.launch(
            "caller",
            null,
            Map.of(),
            "--name-resolution-file",
            registry.toString(),
            "--max-body-size",
            "64Mi");
    callee.awaitHealthy(Duration.ofSeconds(60));
    caller.awaitHealthy(Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() throws Exception {
    if (caller != null) {
      caller.close();
    }
    if (callee != null) {
      callee.close();
    }
    if (app != null) {
      app.stop(0);
    }
    if (appThreads != null) {
      appThreads.shutdownNow();
    }
  }

  @BeforeEach
  void clear() {
    seen.clear();
  }

  static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpRequest.Builder to(SidecarProcess p, String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create(p.httpBase() + pathAndQuery))
        .timeout(Duration.ofSeconds(60));
  }

  static Seen last() {
    assertThat(seen).isNotEmpty();
    return seen.get(seen.size() - 1);
  }

  static JsonNode error(HttpResponse<String> r) throws IOException {
    return json.readTree(r.body());
  }

  @Test
  void queryHeadersAndCallerIdentityReachTheApp() throws Exception {
    HttpResponse<String> r =
        send(
            to(caller, "/v1.0/invoke/callee/method/echo/orders/42?x=1&y=a%20b&y=2")
                .header("X-Custom", "custom value")
                .header("dapr-caller-app-id", "spoofed")
                .GET());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-app")).hasValue("echo");
    Seen s = last();
    assertThat(s.method()).isEqualTo("GET");
    assertThat(s.rawPath()).isEqualTo("/echo/orders/42");
    assertThat(s.rawQuery()).isEqualTo("x=1&y=a%20b&y=2");
    assertThat(s.header("x-custom")).isEqualTo("custom value");
    assertThat(s.header("dapr-caller-app-id")).isEqualTo("caller");
    assertThat(s.header("dapr-callee-app-id")).isEqualTo("callee");
    assertThat(s.header("dapr-api-token")).isNull();
  }

  @Test
  void everyVerbAndTheAppsStatusCodesComeBackUnchanged() throws Exception {
    HttpResponse<String> created =
        send(
            to(caller, "/v1.0/invoke/callee/method/status/201")
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"item\":\"book\"}")));
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.body()).isEqualTo("status 201");
    assertThat(created.headers().firstValue("x-status-app")).hasValue("201");
    assertThat(last().method()).isEqualTo("POST");

    HttpResponse<String> missing = send(to(caller, "/v1.0/invoke/callee/method/status/404").GET());
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).isEqualTo("status 404");

    HttpResponse<String> put =
        send(
            to(caller, "/v1.0/invoke/callee/method/echo")
                .header("content-type", "text/plain")
                .PUT(HttpRequest.BodyPublishers.ofString("replaced")));
    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(put.body()).isEqualTo("replaced");
    assertThat(put.headers().firstValue("content-type")).hasValue("text/plain");
    assertThat(last().method()).isEqualTo("PUT");

    HttpResponse<String> delete =
        send(to(caller, "/v1.0/invoke/callee/method/status/204").DELETE());
    assertThat(delete.statusCode()).isEqualTo(204);
    assertThat(last().method()).isEqualTo("DELETE");

    HttpResponse<String> patch =
        send(
            to(caller, "/v1.0/invoke/callee/method/echo")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("patched")));
    assertThat(patch.body()).isEqualTo("patched");
    assertThat(last().method()).isEqualTo("PATCH");
  }

  @Test
  void largeBodiesStreamThroughBothWays() throws Exception {
    int size = 20 << 20;
    byte[] upload = TestApps.bytes(size, 11);
    HttpResponse<String> up =
        send(
            to(caller, "/v1.0/invoke/callee/method/upload")
                .POST(HttpRequest.BodyPublishers.ofByteArray(upload)));
    assertThat(up.statusCode()).isEqualTo(200);
    assertThat(up.body()).isEqualTo(size + ":" + TestApps.sha256(upload));

    // chunked upload: no content-length, the sidecar counts as it streams
    HttpResponse<String> chunked =
        send(
            to(caller, "/v1.0/invoke/callee/method/upload")
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(upload))));
    assertThat(chunked.body()).isEqualTo(size + ":" + TestApps.sha256(upload));

    HttpResponse<byte[]> down =
        http.send(
            to(caller, "/v1.0/invoke/callee/method/download?size=" + size).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(down.statusCode()).isEqualTo(200);
    assertThat(down.body().length).isEqualTo(size);
    assertThat(TestApps.sha256(down.body())).isEqualTo(TestApps.sha256(TestApps.bytes(size, 7)));
  }

  @Test
  void aBodyAboveTheLimitIsRefused() throws Exception {
    try (SidecarProcess small =
        SidecarProcess.launch(
                "small-caller",
                null,
                Map.of(),
                "--name-resolution-file",
                registry.toString(),
                "--max-body-size",
                "1Mi")
            .awaitHealthy(Duration.ofSeconds(60))) {
      byte[] body = TestApps.bytes(2 << 20, 3);
      HttpResponse<String> declared =
          send(
              to(small, "/v1.0/invoke/callee/method/upload")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
      assertThat(declared.statusCode()).isEqualTo(413);
      assertThat(error(declared).path("errorCode").asText()).isEqualTo("ERR_MALFORMED_REQUEST");

      HttpResponse<String> streamed =
          send(
              to(small, "/v1.0/invoke/callee/method/upload")
                  .POST(
                      HttpRequest.BodyPublishers.ofInputStream(
                          () -> new java.io.ByteArrayInputStream(body))));
      assertThat(streamed.statusCode()).isEqualTo(413);
      assertThat(error(streamed).path("message").asText()).contains("--max-body-size");

      // below the limit it still works
      HttpResponse<String> fine =
          send(
              to(small, "/v1.0/invoke/callee/method/echo")
                  .POST(HttpRequest.BodyPublishers.ofString("small")));
      assertThat(fine.body()).isEqualTo("small");
    }
  }

  @Test
  void traceparentIsPropagatedAndCreatedWhenAbsent() throws Exception {
    String parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    send(to(caller, "/v1.0/invoke/callee/method/echo").header("traceparent", parent).GET());
    String propagated = last().header("traceparent");
    assertThat(propagated).startsWith("00-0af7651916cd43dd8448eb211c80319c-").endsWith("-01");

    send(to(caller, "/v1.0/invoke/callee/method/echo").GET());
    assertThat(last().header("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
  }

  @Test
  void anUnknownAppIdIsADirectInvokeError() throws Exception {
    HttpResponse<String> r = send(to(caller, "/v1.0/invoke/nosuch/method/x").GET());
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(error(r).path("errorCode").asText()).isEqualTo("ERR_DIRECT_INVOKE");
    assertThat(error(r).path("message").asText())
        .isEqualTo("failed to invoke, id: nosuch, err: app id nosuch is not registered");
  }

  @Test
  void encodedTraversalAndForbiddenCharactersAreRefused() throws Exception {
    for (String method :
        List.of(
            "a%2F..%2F..%2Fadmin",
            "..%2Fadmin",
            "admin%23fragment",
            "admin%3Fx=1",
            "admin%00",
            "admin%0D%0AX-Injected:%201")) {
      HttpResponse<String> r = send(to(caller, "/v1.0/invoke/callee/method/" + method).GET());
      assertThat(r.statusCode()).as(method).isEqualTo(400);
      assertThat(error(r).path("errorCode").asText()).isEqualTo("ERR_DIRECT_INVOKE");
      assertThat(error(r).path("message").asText()).contains("invalid method");
    }
    assertThat(seen).isEmpty();

    // traversal that stays inside the method root is resolved once, before the app sees it
    send(to(caller, "/v1.0/invoke/callee/method/admin%2F..%2Fecho//x").GET());
    assertThat(last().rawPath()).isEqualTo("/echo/x");
  }

  @Test
  void theDaprAppIdHeaderRoutesAnyOtherPath() throws Exception {
    HttpResponse<String> r =
        send(
            to(caller, "/orders?id=7")
                .header("dapr-app-id", "callee")
                .POST(HttpRequest.BodyPublishers.ofString("order")));
    assertThat(r.statusCode()).isEqualTo(200);
    Seen s = last();
    assertThat(s.method()).isEqualTo("POST");
    assertThat(s.rawPath()).isEqualTo("/orders");
    assertThat(s.rawQuery()).isEqualTo("id=7");
    assertThat(s.header("dapr-app-id")).isNull();
    assertThat(s.header("dapr-caller-app-id")).isEqualTo("caller");

    // the sidecar's own API keeps its paths
    seen.clear();
    HttpResponse<String> health =
        send(to(caller, "/v1.0/healthz").header("dapr-app-id", "callee").GET());
    assertThat(health.statusCode()).isEqualTo(204);
    assertThat(seen).isEmpty();

    // without the header an unknown path stays a 404
    assertThat(send(to(caller, "/orders").GET()).statusCode()).isEqualTo(404);
  }

  @Test
  void aSidecarWithoutAnAppSaysSo() throws Exception {
    HttpResponse<String> remote = send(to(callee, "/v1.0/invoke/caller/method/anything").GET());
    assertThat(remote.statusCode()).isEqualTo(500);
    assertThat(error(remote).path("message").asText())
        .isEqualTo("failed to invoke, id: caller, err: app channel is not initialized");

    HttpResponse<String> self = send(to(caller, "/v1.0/invoke/caller/method/anything").GET());
    assertThat(error(self).path("message").asText()).contains("app channel is not initialized");
  }

  @Test
  void invocationMetricsUseDaprsNames() throws Exception {
    send(to(caller, "/v1.0/invoke/callee/method/echo").GET());
    String callerMetrics =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + caller.metricsPort + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(callerMetrics)
        .containsPattern(
            "dapr_runtime_service_invocation_req_sent_total\\{[^}]*dst_app_id=\"callee\"")
        .containsPattern(
            "dapr_runtime_service_invocation_res_recv_total\\{[^}]*src_app_id=\"callee\"[^}]*status=\"200\"");
    String calleeMetrics =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + callee.metricsPort + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(calleeMetrics)
        .containsPattern(
            "dapr_runtime_service_invocation_req_recv_total\\{[^}]*src_app_id=\"caller\"");
  }

  @Test
  void aKilledCalleeFailsCallsAndItsRegistrationExpires() throws Exception {
    try (SidecarProcess victim =
        SidecarProcess.launch(
                "victim",
                null,
                Map.of(),
                "--app-port",
                Integer.toString(app.getAddress().getPort()),
                "--name-resolution-file",
                registry.toString())
            .awaitHealthy(Duration.ofSeconds(60))) {
      assertThat(send(to(caller, "/v1.0/invoke/victim/method/echo").GET()).statusCode())
          .isEqualTo(200);

      victim.kill();

      HttpResponse<String> r = send(to(caller, "/v1.0/invoke/victim/method/echo").GET());
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(error(r).path("errorCode").asText()).isEqualTo("ERR_DIRECT_INVOKE");
      assertThat(error(r).path("message").asText())
          .startsWith("failed to invoke, id: victim, err: ");

      // the row outlives the process until its heartbeat expires
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () ->
                  error(send(to(caller, "/v1.0/invoke/victim/method/echo").GET()))
                      .path("message")
                      .asText()
                      .endsWith("app id victim is not registered"));
    }
  }

  /** The test's apps. */
  @Test
  void concurrentCallsWithBodiesKeepReusingConnectionsToTheApp() throws Exception {
    // More calls than the callee sidecar's pool to the app holds (256): a call whose connection is
    // not released would exhaust the pool, and the calls after it would hang.
    int workers = 16;
    int perWorker = 40;
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    try {
      List<java.util.concurrent.Future<List<String>>> results = new java.util.ArrayList<>();
      for (int w = 0; w < workers; w++) {
        int worker = w;
        results.add(
            pool.submit(
                () -> {
                  List<String> problems = new java.util.ArrayList<>();
                  for (int i = 0; i < perWorker; i++) {
                    String body = "w" + worker + "-" + i + "-" + "x".repeat(1024);
                    HttpResponse<String> r =
                        http.send(
                            to(caller, "/v1.0/invoke/callee/method/echo")
                                .timeout(Duration.ofSeconds(20))
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200 || !r.body().equals(body)) {
                      problems.add(r.statusCode() + " " + r.body());
                    }
                  }
                  return problems;
                }));
      }
      for (var f : results) {
        assertThat(f.get(120, java.util.concurrent.TimeUnit.SECONDS)).isEmpty();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(seen).hasSize(workers * perWorker);
    long connections = seen.stream().map(s -> s.header(TestApps.REMOTE_PORT)).distinct().count();
    assertThat(connections).isLessThanOrEqualTo(4L * workers);
  }

  static final class TestApps {
    /** Not a header: the app's view of which connection a request came on. */
    static final String REMOTE_PORT = "@remote-port";

    private TestApps() {}

    static byte[] bytes(int size, long seed) {
      byte[] b = new byte[size];
      new Random(seed).nextBytes(b);
      return b;
    }

    static String sha256(byte[] data) throws Exception {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    static HttpServer startHttpApp(ExecutorService threads, List<Seen> seen) throws IOException {
      HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
      s.setExecutor(threads);
      s.createContext(
          "/",
          ex -> {
            try {
              serve(ex, seen);
            } catch (Exception e) {
              ex.sendResponseHeaders(599, -1);
            } finally {
              ex.close();
            }
          });
      s.start();
      return s;
    }

    private static void serve(HttpExchange ex, List<Seen> seen) throws Exception {
      String path = ex.getRequestURI().getRawPath();
      Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      ex.getRequestHeaders().forEach((k, v) -> headers.put(k, v.get(0)));
      headers.put(REMOTE_PORT, Integer.toString(ex.getRemoteAddress().getPort()));
      seen.add(new Seen(ex.getRequestMethod(), path, ex.getRequestURI().getRawQuery(), headers));
      if (path.startsWith("/upload")) {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long n = 0;
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = ex.getRequestBody()) {
          for (int r; (r = in.read(buf)) > 0; ) {
            sha.update(buf, 0, r);
            n += r;
          }
        }
        reply(ex, 200, n + ":" + HexFormat.of().formatHex(sha.digest()));
      } else if (path.startsWith("/download")) {
        int size = Integer.parseInt(ex.getRequestURI().getQuery().replace("size=", ""));
        byte[] data = bytes(size, 7);
        ex.getRequestBody().readAllBytes();
        ex.sendResponseHeaders(200, 0); // chunked
        try (OutputStream out = ex.getResponseBody()) {
          for (int from = 0; from < size; from += 64 * 1024) {
            out.write(data, from, Math.min(64 * 1024, size - from));
          }
        }
      } else if (path.startsWith("/status/")) {
        int code = Integer.parseInt(path.substring("/status/".length()));
        ex.getRequestBody().readAllBytes();
        ex.getResponseHeaders().add("x-status-app", Integer.toString(code));
        if (code == 204) {
          ex.sendResponseHeaders(204, -1);
        } else {
          reply(ex, code, "status " + code);
        }
      } else {
        byte[] body = ex.getRequestBody().readAllBytes();
        String ct = ex.getRequestHeaders().getFirst("content-type");
        if (ct != null) {
          ex.getResponseHeaders().add("content-type", ct);
        }
        ex.getResponseHeaders().add("x-app", "echo");
        ex.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
          try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
          }
        }
      }
    }

    private static void reply(HttpExchange ex, int code, String body) throws IOException {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(code, b.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(b);
      }
    }
  }
}
