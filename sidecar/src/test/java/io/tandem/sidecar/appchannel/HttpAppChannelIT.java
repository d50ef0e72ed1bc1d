package io.tandem.sidecar.appchannel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tandem.sidecar.AppChannelConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP app channel against a real HTTP server playing the app. */
class HttpAppChannelIT {
  Vertx vertx;
  HttpServer app;
  final Map<String, String> seen = new ConcurrentHashMap<>();
  final AtomicInteger concurrent = new AtomicInteger();
  final AtomicInteger maxConcurrent = new AtomicInteger();
  volatile boolean healthy = true;
  volatile Headers lastHeaders;

  @BeforeEach
  void start() throws IOException {
    vertx = Vertx.vertx();
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.setExecutor(Executors.newCachedThreadPool());
    app.createContext("/", this::handle);
    app.start();
  }

  @AfterEach
  void stop() {
    app.stop(0);
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    lastHeaders = ex.getRequestHeaders();
    seen.put("path", path);
    seen.put("method", ex.getRequestMethod());
    seen.put("query", String.valueOf(ex.getRequestURI().getRawQuery()));
    seen.put("token", String.valueOf(ex.getRequestHeaders().getFirst("dapr-api-token")));
    seen.put("x-custom", String.valueOf(ex.getRequestHeaders().getFirst("x-custom")));
    seen.put("content-type", String.valueOf(ex.getRequestHeaders().getFirst("content-type")));
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readAllBytes();
    }
    seen.put("body", new String(body, StandardCharsets.UTF_8));
    switch (path) {
      case "/healthz" -> reply(ex, healthy ? 200 : 503, "");
      case "/dapr/subscribe" ->
          reply(ex, 200, "[{\"pubsubname\":\"ps\",\"topic\":\"orders\",\"route\":\"/orders\"}]");
      case "/orders" -> reply(ex, 200, "{\"status\":\"DROP\"}");
      case "/events" -> reply(ex, 200, "{\"status\":\"SUCCESS\"}");
      case "/bulk" -> reply(ex, 200, "{\"statuses\":[{\"entryId\":\"1\",\"status\":\"SUCCESS\"}]}");
      case "/slow" -> {
        int now = concurrent.incrementAndGet();
        maxConcurrent.accumulateAndGet(now, Math::max);
        try {
          Thread.sleep(150);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        concurrent.decrementAndGet();
        reply(ex, 200, "done");
      }
      case "/mybinding" ->
          reply(
              ex,
              ex.getRequestMethod().equals("OPTIONS") ? 200 : 201,
              "handled:" + seen.get("body"));
      case "/echo" -> {
        ex.getResponseHeaders().add("x-app", "yes");
        reply(ex, 201, "echo:" + seen.get("body"));
      }
      default -> reply(ex, 404, "");
    }
  }

  static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(b);
      }
    }
    ex.close();
  }

  HttpAppChannel channel(int maxConcurrency, String token) {
    return new HttpAppChannel(
        vertx,
        new AppChannelConfig(
            app.getAddress().getPort(),
            "http",
            "127.0.0.1",
            maxConcurrency,
            true,
            "/healthz",
            Duration.ofSeconds(1),
            Duration.ofMillis(500),
            1,
            token));
  }

  static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static String bodyOf(AppResponse r) throws Exception {
    Buffer acc = Buffer.buffer();
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    r.body().handler(acc::appendBuffer);
    r.body().endHandler(v -> done.complete());
    r.body().resume();
    await(done.future());
    return acc.toString();
  }

  @Test
  void invokePassesVerbPathQueryHeadersAndBodyAndReturnsTheAppsAnswer() throws Exception {
    try (HttpAppChannel ch = channel(-1, "app-secret")) {
      MultiMap headers =
          MultiMap.caseInsensitiveMultiMap()
              .add("x-custom", "42")
              .add("content-type", "text/plain")
              .add("dapr-api-token", "the-callers-token");
      AppResponse r =
          await(
              vertx
                  .getOrCreateContext()
                  .<AppResponse>executeBlocking(() -> null)
                  .compose(
                      v ->
                          ch.invoke(
                              new AppRequest(
                                  "PUT",
                                  "echo",
                                  "a=1&b=two",
                                  headers,
                                  new BufferReadStream(vertx, Buffer.buffer("hello app"))))));
      assertThat(r.status()).isEqualTo(201);
      assertThat(r.headers().get("x-app")).isEqualTo("yes");
      assertThat(bodyOf(r)).isEqualTo("echo:hello app");
      assertThat(seen)
          .containsEntry("method", "PUT")
          .containsEntry("path", "/echo")
          .containsEntry("query", "a=1&b=two")
          .containsEntry("x-custom", "42")
          .containsEntry("token", "app-secret");
    }
  }

  @Test
  void unreachableAppFailsWithAMessageNamingIt() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (HttpAppChannel ch =
        new HttpAppChannel(
            vertx,
            new AppChannelConfig(
                closedPort, "http", "127.0.0.1", -1, false, null, null, null, 1, null))) {
      var f = ch.invoke(new AppRequest("GET", "x", "", MultiMap.caseInsensitiveMultiMap(), null));
      try {
        await(f);
      } catch (java.util.concurrent.ExecutionException e) {
        assertThat(e.getCause().getMessage())
            .contains("127.0.0.1:" + closedPort)
            .contains("unreachable");
      }
      assertThat(f.failed()).isTrue();
      assertThat(await(ch.isListening())).isFalse();
    }
  }

  @Test
  void maxConcurrencyBoundsCallsInFlight() throws Exception {
    try (HttpAppChannel ch = channel(2, null)) {
      List<io.vertx.core.Future<String>> calls = new java.util.ArrayList<>();
      for (int i = 0; i < 6; i++) {
        calls.add(
            ch.invoke(new AppRequest("GET", "slow", "", MultiMap.caseInsensitiveMultiMap(), null))
                .compose(r -> Bodies.collect(r.body(), 1024).map(Buffer::toString)));
      }
      for (var c : calls) {
        assertThat(await(c)).isEqualTo("done");
      }
      assertThat(maxConcurrent.get()).isEqualTo(2);
    }
  }

  @Test
  void callbackContract() throws Exception {
    try (HttpAppChannel ch = channel(-1, null)) {
      assertThat(await(ch.subscriptions()))
          .extracting(AppSubscription::topic, AppSubscription::defaultRoute)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("orders", "/orders"));
      TopicEvent ev =
          new TopicEvent(
              "ps",
              "orders",
              "/orders",
              "{\"id\":\"1\",\"specversion\":\"1.0\",\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\"}"
                  .getBytes(StandardCharsets.UTF_8),
              "application/cloudevents+json",
              false,
              Map.of());
      assertThat(await(ch.deliver(ev))).isEqualTo(TopicEventResult.DROP);
      assertThat(seen).containsEntry("content-type", "application/cloudevents+json");
      assertThat(
              await(
                  ch.deliver(
                      new TopicEvent(
                          "ps",
                          "orders",
                          "/nowhere",
                          new byte[] {'{', '}'},
                          "application/cloudevents+json",
                          false,
                          Map.of()))))
          .isEqualTo(TopicEventResult.DROP);
      assertThat(await(ch.acceptsBinding("mybinding"))).isTrue();
      assertThat(await(ch.acceptsBinding("other"))).isFalse();
      BindingEventResult b =
          await(
              ch.deliverBinding(
                  "mybinding", "tick".getBytes(StandardCharsets.UTF_8), Map.of("x-custom", "7")));
      assertThat(b.success()).isTrue();
      assertThat(new String(b.data(), StandardCharsets.UTF_8)).isEqualTo("handled:tick");
      assertThat(seen).containsEntry("x-custom", "7");
      assertThat(await(ch.probeHealth())).isTrue();
      healthy = false;
      assertThat(await(ch.probeHealth())).isFalse();
      assertThat(await(ch.isListening())).isTrue();
    }
  }

  @Test
  void anEventCarriesItsMessageMetadataAsHeadersAndCannotForgeTheRequestWithThem()
      throws Exception {
    Map<String, String> md = new LinkedHashMap<>();
    md.put("__key", "k1");
    md.put("__partition", "0");
    md.put("correlationId", "c-42");
    md.put("pubsubName", "ps");
    md.put("x-city", "Z\u00fcrich \u2615");
    md.put("x-split", "a\r\nx-injected: 1");
    md.put("content-type", "text/evil");
    md.put("content-length", "1");
    md.put("host", "elsewhere");
    md.put("traceparent", "00-forged");
    md.put("dapr-api-token", "forged");
    try (HttpAppChannel ch = channel(-1, "app-token")) {
      TopicEvent ev =
          new TopicEvent(
              "ps",
              "orders",
              "/events",
              "{\"id\":\"1\",\"specversion\":\"1.0\",\"data\":\"hello\",\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\"}"
                  .getBytes(StandardCharsets.UTF_8),
              "application/cloudevents+json",
              false,
              md);
      assertThat(await(ch.deliver(ev))).isEqualTo(TopicEventResult.SUCCESS);

      Headers h = lastHeaders;
      assertThat(h.getFirst("__key")).isEqualTo("k1");
      assertThat(h.getFirst("__partition")).isEqualTo("0");
      assertThat(h.getFirst("correlationid")).isEqualTo("c-42");
      assertThat(h.getFirst("pubsubname")).isEqualTo("ps");
      // the JDK server reads header bytes as Latin-1: the bytes sent are the value's UTF-8
      assertThat(
              new String(
                  h.getFirst("x-city").getBytes(StandardCharsets.ISO_8859_1),
                  StandardCharsets.UTF_8))
          .isEqualTo("Z\u00fcrich \u2615");
      assertThat(h.containsKey("x-split")).isFalse();
      assertThat(h.containsKey("x-injected")).isFalse();
      assertThat(h.get("content-type")).containsExactly("application/cloudevents+json");
      assertThat(h.getFirst("host")).isNotEqualTo("elsewhere");
      assertThat(h.get("traceparent"))
          .containsExactly("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
      assertThat(h.get("dapr-api-token")).containsExactly("app-token");
      assertThat(seen.get("body")).contains("\"data\":\"hello\"");
    }
  }

  @Test
  void aBatchCarriesItsMetadataAsHeadersAndEachEntrysInTheBody() throws Exception {
    try (HttpAppChannel ch = channel(-1, null)) {
      BulkTopicEvent ev =
          new BulkTopicEvent(
              "ps",
              "orders",
              "/bulk",
              List.of(
                  new BulkTopicEvent.Entry(
                      "1",
                      "{\"id\":\"1\",\"specversion\":\"1.0\"}".getBytes(StandardCharsets.UTF_8),
                      "application/cloudevents+json",
                      false,
                      Map.of("__key", "k1", "__offset", "7"))),
              Map.of("pubsubName", "ps", "content-type", "text/evil"));
      assertThat(await(ch.deliverBulk(ev))).containsEntry("1", TopicEventResult.SUCCESS);

      Headers h = lastHeaders;
      assertThat(h.getFirst("pubsubname")).isEqualTo("ps");
      assertThat(h.get("content-type")).containsExactly("application/json");
      assertThat(h.containsKey("__key")).isFalse();
      JsonNode body = new ObjectMapper().readTree(seen.get("body"));
      assertThat(body.path("entries").get(0).path("metadata").path("__key").asText())
          .isEqualTo("k1");
      assertThat(body.path("metadata").path("pubsubName").asText()).isEqualTo("ps");
    }
  }

  @Test
  void bindingMetadataThatIsNoValidHeaderIsLeftOutAndTheEventStillArrives() throws Exception {
    try (HttpAppChannel ch = channel(-1, null)) {
      Map<String, String> md = new LinkedHashMap<>();
      md.put("x-custom", "8");
      md.put("x-split", "a\r\nx-injected: 1");
      md.put("bad name", "v");
      md.put("content-length", "1");
      BindingEventResult b =
          await(ch.deliverBinding("mybinding", "tock".getBytes(StandardCharsets.UTF_8), md));
      assertThat(b.success()).isTrue();
      assertThat(seen).containsEntry("x-custom", "8").containsEntry("body", "tock");
      assertThat(lastHeaders.containsKey("x-split")).isFalse();
      assertThat(lastHeaders.containsKey("x-injected")).isFalse();
    }
  }
}
