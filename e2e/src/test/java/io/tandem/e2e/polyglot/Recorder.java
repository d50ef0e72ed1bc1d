package io.tandem.e2e.polyglot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * What the apps observed, as they report it: a small HTTP server on a free loopback port.
 *
 * <ul>
 *   <li>{@code POST /record}: an app reports one observation, a JSON object with at least {@code
 *       app} and {@code kind}.
 *   <li>{@code /binding-target/...}: the URL the {@code bindings.http} output binding calls; each
 *       call is kept as {@code {"app":"recorder","kind":"binding-target", method, path, query,
 *       headers, body}} and answered 200 with {@code {"received": <body as text>, "seen": n}}.
 * </ul>
 */
final class Recorder implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(8);
  private final List<JsonNode> records = new CopyOnWriteArrayList<>();

  Recorder() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(executor);
    server.createContext("/record", this::record);
    server.createContext("/binding-target", this::bindingTarget);
    server.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  String recordUrl() {
    return baseUrl() + "/record";
  }

  List<JsonNode> all() {
    return List.copyOf(records);
  }

  List<JsonNode> matching(Predicate<JsonNode> p) {
    return records.stream().filter(p).collect(Collectors.toList());
  }

  /** The records of one app and kind, e.g. {@code ("py-svc", "event")}. */
  List<JsonNode> of(String app, String kind) {
    return matching(
        r -> app.equals(r.path("app").asText()) && kind.equals(r.path("kind").asText()));
  }

  /**
   * All records, one per line in the order they arrived, for failure messages; identical records
   * (the cron binding's ticks, say) are shown once with their count.
   */
  String dump() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (JsonNode r : records) {
      counts.merge(r.toString(), 1, Integer::sum);
    }
    StringBuilder sb = new StringBuilder();
    counts.forEach(
        (line, n) ->
            sb.append("  ").append(line).append(n > 1 ? "  (x" + n + ")" : "").append('\n'));
    return sb.length() == 0 ? "  (nothing recorded)\n" : sb.toString();
  }

  private void record(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      try {
        records.add(JSON.readTree(body));
        answer(ex, 204, null);
      } catch (IOException e) {
        answer(ex, 400, ("not JSON: " + e.getMessage()).getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  private void bindingTarget(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      ObjectNode r = JSON.createObjectNode();
      r.put("app", "recorder");
      r.put("kind", "binding-target");
      r.put("method", ex.getRequestMethod());
      r.put("path", ex.getRequestURI().getRawPath());
      r.put("query", ex.getRequestURI().getRawQuery());
      ObjectNode headers = r.putObject("headers");
      ex.getRequestHeaders()
          .forEach(
              (k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
      String text = new String(body, StandardCharsets.UTF_8);
      r.put("body", text);
      records.add(r);
      long seen =
          records.stream().filter(x -> "binding-target".equals(x.path("kind").asText())).count();
      ObjectNode reply = JSON.createObjectNode();
      reply.put("received", text);
      reply.put("seen", seen);
      ex.getResponseHeaders().add("content-type", "application/json");
      answer(ex, 200, JSON.writeValueAsBytes(reply));
    }
  }

  private static void answer(HttpExchange ex, int status, byte[] body) throws IOException {
    if (body == null) {
      ex.sendResponseHeaders(status, -1);
    } else {
      ex.sendResponseHeaders(status, body.length);
      ex.getResponseBody().write(body);
    }
  }

  static List<String> texts(List<JsonNode> nodes, String field) {
    List<String> out = new ArrayList<>();
    for (JsonNode n : nodes) {
      out.add(n.path(field).asText());
    }
    return out;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
