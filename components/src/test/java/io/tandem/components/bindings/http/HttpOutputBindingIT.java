package io.tandem.components.bindings.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.bindings.BindingException;
import io.tandem.components.bindings.InvokeRequest;
import io.tandem.components.bindings.InvokeResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code bindings.http} against a real HTTP server on loopback. */
class HttpOutputBindingIT {
  record Seen(String method, String uri, Map<String, List<String>> headers, String body) {}

  HttpServer server;
  String base;
  final List<Seen> seen = new CopyOnWriteArrayList<>();
  final CountDownLatch release = new CountDownLatch(1);
  HttpOutputBinding binding;

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", this::handle);
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stopServer() {
    release.countDown();
    if (binding != null) {
      binding.close();
    }
    server.stop(0);
  }

  /** Routes: /status/{code}, /big, /slow, /wait; anything else echoes the request as 200. */
  private void handle(HttpExchange ex) throws IOException {
    byte[] in = ex.getRequestBody().readAllBytes();
    String body = new String(in, StandardCharsets.UTF_8);
    seen.add(
        new Seen(
            ex.getRequestMethod(),
            ex.getRequestURI().toString(),
            Map.copyOf(ex.getRequestHeaders()),
            body));
    String path = ex.getRequestURI().getPath();
    int status = 200;
    byte[] out = ("echo " + ex.getRequestMethod() + " " + body).getBytes(StandardCharsets.UTF_8);
    if (path.startsWith("/api/status/")) {
      status = Integer.parseInt(path.substring("/api/status/".length()));
      out = ("status " + status).getBytes(StandardCharsets.UTF_8);
    } else if (path.equals("/api/big")) {
      out = "0123456789".repeat(1000).getBytes(StandardCharsets.UTF_8);
    } else if (path.equals("/api/slow") || path.equals("/api/wait")) {
      try {
        release.await(path.equals("/api/slow") ? 5 : 30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    ex.getResponseHeaders().add("Content-Type", "text/plain");
    ex.getResponseHeaders().add("x-custom", "one");
    ex.getResponseHeaders().add("x-custom", "two");
    boolean noBody = ex.getRequestMethod().equals("HEAD") || status == 204 || status == 304;
    ex.sendResponseHeaders(status, noBody ? -1 : out.length);
    if (!noBody) {
      try (OutputStream os = ex.getResponseBody()) {
        os.write(out);
      }
    }
    ex.close();
  }

  private HttpOutputBinding binding(String... kv) {
    Map<String, String> md = new HashMap<>();
    md.put("url", base + "/api");
    for (int i = 0; i < kv.length; i += 2) {
      md.put(kv[i], kv[i + 1]);
    }
    binding = new HttpOutputBinding();
    binding.init(
        new ComponentMetadata("web", md), ComponentContext.of("app", "", Runnable::run, Map.of()));
    return binding;
  }

  private static InvokeResponse invoke(
      HttpOutputBinding b, String op, String data, Map<String, String> md) {
    return b.invoke(
            new InvokeRequest(op, data == null ? null : data.getBytes(StandardCharsets.UTF_8), md))
        .toCompletableFuture()
        .join();
  }

  private static String text(InvokeResponse r) {
    return new String(r.data(), StandardCharsets.UTF_8);
  }

  @ParameterizedTest(name = "{0} sends {1}")
  @CsvSource({
    "create, POST, true",
    "post, POST, true",
    "put, PUT, true",
    "patch, PATCH, true",
    "get, GET, false",
    "delete, DELETE, false",
    "options, OPTIONS, false",
    "trace, TRACE, false"
  })
  void everyVerbReachesTheServer(String operation, String method, boolean withBody) {
    InvokeResponse r = invoke(binding(), operation, "{\"n\":1}", Map.of("path", "/things"));

    Seen s = seen.get(0);
    assertThat(s.method()).isEqualTo(method);
    assertThat(s.uri()).isEqualTo("/api/things");
    assertThat(s.body()).isEqualTo(withBody ? "{\"n\":1}" : "");
    assertThat(text(r)).isEqualTo("echo " + method + " " + s.body());
    assertThat(r.metadata())
        .containsEntry("statusCode", "200")
        .containsEntry("status", "200 OK")
        .containsEntry("Content-Type", "text/plain")
        .containsEntry("X-Custom", "one, two");
  }

  @Test
  void headHasStatusAndHeadersButNoBody() {
    InvokeResponse r = invoke(binding(), "head", null, Map.of());
    assertThat(seen.get(0).method()).isEqualTo("HEAD");
    assertThat(r.data()).isEmpty();
    assertThat(r.metadata()).containsEntry("statusCode", "200").containsKey("Content-Type");
  }

  @Test
  void pathWithQueryAndHeadersFromMetadata() {
    invoke(
        binding("securityToken", "s3cr3t", "securityTokenHeader", "X-Api-Key"),
        "post",
        "hello",
        Map.of(
            "path", "/search?lastName=Jones",
            "X-Request-Id", "42",
            "Content-Type", "text/plain",
            "lowercase", "not sent"));

    Seen s = seen.get(0);
    assertThat(s.uri()).isEqualTo("/api/search?lastName=Jones");
    assertThat(s.headers())
        .containsEntry("X-request-id", List.of("42"))
        .containsEntry("Content-type", List.of("text/plain"))
        .containsEntry("Accept", List.of("application/json; charset=utf-8"))
        .containsEntry("X-api-key", List.of("s3cr3t"))
        .doesNotContainKey("Lowercase");
  }

  @Test
  void bodyDefaultsToJsonContentType() {
    invoke(binding(), "post", "{}", Map.of());
    assertThat(seen.get(0).headers())
        .containsEntry("Content-type", List.of("application/json; charset=utf-8"));
  }

  @Test
  void non2xxFailsWithTheResponseAttached() {
    assertThatThrownBy(() -> invoke(binding(), "get", null, Map.of("path", "/status/404")))
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOfSatisfying(
            BindingException.class,
            e -> {
              assertThat(e.getMessage()).isEqualTo("received status code 404");
              assertThat(e.reason()).isEqualTo(ComponentException.Reason.FAILURE);
              assertThat(e.response().metadata())
                  .containsEntry("statusCode", "404")
                  .containsEntry("status", "404 Not Found");
              assertThat(new String(e.response().data(), StandardCharsets.UTF_8))
                  .isEqualTo("status 404");
            });
  }

  @Test
  void non2xxIsAnAnswerWhenErrorIfNot2XXIsFalse() {
    InvokeResponse r =
        invoke(binding("errorIfNot2XX", "false"), "get", null, Map.of("path", "/status/503"));
    assertThat(r.metadata())
        .containsEntry("statusCode", "503")
        .containsEntry("status", "503 Service Unavailable");
    assertThat(text(r)).isEqualTo("status 503");

    InvokeResponse perCall =
        invoke(binding(), "get", null, Map.of("path", "/status/500", "errorIfNot2XX", "false"));
    assertThat(perCall.metadata()).containsEntry("statusCode", "500");
  }

  @Test
  void otherSuccessCodesAreReported() {
    assertThat(invoke(binding(), "post", "x", Map.of("path", "/status/201")).metadata())
        .containsEntry("statusCode", "201")
        .containsEntry("status", "201 Created");
    InvokeResponse noContent = invoke(binding(), "delete", null, Map.of("path", "/status/204"));
    assertThat(noContent.data()).isEmpty();
    assertThat(noContent.metadata()).containsEntry("statusCode", "204");
  }

  @Test
  void responseBodyIsTruncatedAtMaxResponseBodySize() {
    InvokeResponse r =
        invoke(binding("maxResponseBodySize", "25"), "get", null, Map.of("path", "/big"));
    assertThat(text(r)).isEqualTo("0123456789012345678901234");
    assertThat(invoke(binding(), "get", null, Map.of("path", "/big")).data()).hasSize(10_000);
  }

  @Test
  void callerIsNotBlockedWhileTheServerThinks() {
    CompletableFuture<InvokeResponse> f =
        binding()
            .invoke(new InvokeRequest("get", null, Map.of("path", "/wait")))
            .toCompletableFuture();
    assertThat(f).isNotDone();
    release.countDown();
    assertThat(f.join().metadata()).containsEntry("statusCode", "200");
  }

  @Test
  void responseTimeoutFailsTheCall() {
    assertThatThrownBy(
            () -> invoke(binding("responseTimeout", "200ms"), "get", null, Map.of("path", "/slow")))
        .cause()
        .isInstanceOf(BindingException.class)
        .hasMessageContaining("timed out");
  }

  @Test
  void unreachableServerFails() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    HttpOutputBinding b = new HttpOutputBinding();
    b.init(
        new ComponentMetadata("down", Map.of("url", "http://127.0.0.1:" + closedPort)),
        ComponentContext.of("app", "", Runnable::run, Map.of()));
    assertThatThrownBy(() -> invoke(b, "get", null, Map.of()))
        .cause()
        .isInstanceOfSatisfying(
            BindingException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(ComponentException.Reason.FAILURE);
              assertThat(e.response()).isNull();
              assertThat(e.getMessage()).startsWith("GET http://127.0.0.1:" + closedPort);
            });
  }

  @Test
  void invalidHeaderValueIsAnInvalidArgument() {
    assertThatThrownBy(() -> invoke(binding(), "get", null, Map.of("X-Bad", "line\nbreak")))
        .cause()
        .isInstanceOfSatisfying(
            ComponentException.class,
            e -> assertThat(e.reason()).isEqualTo(ComponentException.Reason.INVALID_ARGUMENT));
    assertThat(seen).isEmpty();
  }

  @Test
  void declaresDaprsOperations() {
    assertThat(binding().operations())
        .containsExactlyInAnyOrder(
            "create", "get", "head", "post", "put", "patch", "delete", "options", "trace");
  }
}
