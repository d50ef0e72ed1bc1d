package io.tandem.sidecar.appchannel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.sidecar.AppChannelConfig;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The app channel for {@code --app-protocol http}, {@code https} and {@code h2c}: Dapr's HTTP
 * callback contract ({@code GET /dapr/subscribe}, {@code POST /<route>} with a CloudEvent and a
 * {@code {"status":...}} answer, {@code OPTIONS /<binding>}, the health path), over a pooled Vert.x
 * client. Invocation bodies are streamed both ways.
 */
public final class HttpAppChannel implements AppChannel {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.appchannel");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The caller's token never reaches the app; the channel sends {@code APP_API_TOKEN} instead. */
  private static final Set<String> NOT_FORWARDED = Set.of("dapr-api-token");

  private final Vertx vertx;
  private final AppChannelConfig config;
  private final HttpClient client;
  private final NetClient net;
  private final ConcurrencyLimit limit;

  public HttpAppChannel(Vertx vertx, AppChannelConfig config) {
    this.vertx = vertx;
    this.config = config;
    HttpClientOptions options =
        new HttpClientOptions()
            .setDefaultHost(config.address())
            .setDefaultPort(config.port())
            .setKeepAlive(true)
            .setConnectTimeout(5_000);
    if (config.protocol().equals("https")) {
      // The app is this pod's own process: Dapr does not verify its certificate either.
      options.setSsl(true).setTrustAll(true).setVerifyHost(false);
    }
    if (config.protocol().equals("h2c")) {
      options.setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false);
    }
    this.client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(256));
    this.net = vertx.createNetClient(new NetClientOptions().setConnectTimeout(1_000));
    this.limit = new ConcurrencyLimit(config.maxConcurrency());
  }

  @Override
  public Future<AppResponse> invoke(AppRequest request) {
    return limit
        .acquire()
        .compose(
            v -> {
              RequestOptions ro =
                  new RequestOptions()
                      .setMethod(HttpMethod.valueOf(request.verb()))
                      .setURI(uri(request.path(), request.query()));
              MultiMap headers =
                  request.headers() == null
                      ? MultiMap.caseInsensitiveMultiMap()
                      : HopByHopHeaders.strip(request.headers(), NOT_FORWARDED);
              addToken(headers);
              ro.setHeaders(headers);
              return client
                  .request(ro)
                  .compose(
                      req -> {
                        if (request.body() == null) {
                          return req.send();
                        }
                        if (!headers.contains(HttpHeaders.CONTENT_LENGTH)) {
                          req.setChunked(true);
                        }
                        return req.send(request.body());
                      })
                  .map(
                      resp -> {
                        resp.pause();
                        resp.end().onComplete(ar -> limit.release());
                        return new AppResponse(
                            resp.statusCode(),
                            HopByHopHeaders.strip(resp.headers(), NOT_FORWARDED),
                            resp);
                      })
                  .recover(
                      err -> {
                        limit.release();
                        return Future.failedFuture(unreachable(err));
                      });
            });
  }

  @Override
  public Future<List<AppSubscription>> subscriptions() {
    return call(HttpMethod.GET, "/dapr/subscribe", null, null, null)
        .compose(
            r -> {
              if (r.status() == 404) {
                return Future.succeededFuture(List.of());
              }
              if (r.status() / 100 != 2) {
                return Future.failedFuture(
                    new IOException("GET /dapr/subscribe answered " + r.status()));
              }
              try {
                return Future.succeededFuture(parseSubscriptions(r.body()));
              } catch (IOException | RuntimeException e) {
                return Future.failedFuture(
                    new IOException(
                        "GET /dapr/subscribe: not a subscription list: " + e.getMessage(), e));
              }
            });
  }

  static List<AppSubscription> parseSubscriptions(Buffer body) throws IOException {
    if (body.length() == 0) {
      return List.of();
    }
    JsonNode root = JSON.readTree(body.getBytes());
    if (root.isNull()) {
      return List.of();
    }
    if (!root.isArray()) {
      throw new IOException("expected a JSON array");
    }
    List<AppSubscription> out = new ArrayList<>();
    for (JsonNode s : root) {
      List<AppSubscription.Rule> rules = new ArrayList<>();
      String defaultRoute = s.path("route").asText("");
      JsonNode routes = s.path("routes");
      if (routes.isObject()) {
        for (JsonNode rule : routes.path("rules")) {
          rules.add(
              new AppSubscription.Rule(
                  rule.path("match").asText(""), rule.path("path").asText("")));
        }
        if (!routes.path("default").asText("").isEmpty()) {
          defaultRoute = routes.path("default").asText();
        }
      }
      JsonNode bulk = s.path("bulkSubscribe");
      out.add(
          new AppSubscription(
              s.path("pubsubname").asText(s.path("pubsubName").asText("")),
              s.path("topic").asText(""),
              stringMap(s.path("metadata")),
              rules,
              defaultRoute,
              s.path("deadLetterTopic").asText(""),
              bulk.isObject()
                  ? new AppSubscription.BulkSubscribe(
                      bulk.path("enabled").asBoolean(false),
                      bulk.path("maxMessagesCount").asInt(100),
                      bulk.path("maxAwaitDurationMs").asInt(1000))
                  : null));
    }
    return out;
  }

  @Override
  public Future<TopicEventResult> deliver(TopicEvent event) {
    MultiMap headers = MessageMetadata.httpHeaders(event.metadata());
    headers.set(HttpHeaders.CONTENT_TYPE, event.contentType());
    traceHeaders(event.cloudEvent(), event.raw(), headers);
    return call(
            HttpMethod.POST, path(event.route()), headers, Buffer.buffer(event.cloudEvent()), null)
        .map(r -> topicResult(r.status(), r.body()))
        .otherwise(
            err -> {
              log.warn(
                  "delivering to {} on {}/{} failed, will retry: {}",
                  event.route(),
                  event.pubsubName(),
                  event.topic(),
                  err.getMessage());
              return TopicEventResult.RETRY;
            });
  }

  /** Dapr's reading of an app's answer to one event. */
  static TopicEventResult topicResult(int status, Buffer body) {
    if (status == 404) {
      return TopicEventResult.DROP;
    }
    if (status / 100 != 2) {
      return TopicEventResult.RETRY;
    }
    String s = statusOf(body);
    if (s == null) {
      return TopicEventResult.SUCCESS;
    }
    switch (s.toUpperCase(Locale.ROOT)) {
      case "", "SUCCESS":
        return TopicEventResult.SUCCESS;
      case "DROP":
        return TopicEventResult.DROP;
      case "RETRY":
        return TopicEventResult.RETRY;
      default:
        log.warn("unknown status {} in the app's answer to an event: retrying", s);
        return TopicEventResult.RETRY;
    }
  }

  private static String statusOf(Buffer body) {
    if (body == null || body.length() == 0) {
      return null;
    }
    try {
      JsonNode n = JSON.readTree(body.getBytes());
      return n != null && n.isObject() ? n.path("status").asText("") : null;
    } catch (IOException e) {
      return null; // an answer that is not JSON counts as success, as in Dapr
    }
  }

  @Override
  public Future<Map<String, TopicEventResult>> deliverBulk(BulkTopicEvent event) {
    ObjectNode body = JSON.createObjectNode();
    ArrayNode entries = body.putArray("entries");
    for (BulkTopicEvent.Entry e : event.entries()) {
      ObjectNode o = entries.addObject();
      o.put("entryId", e.entryId());
      JsonNode parsed = e.raw() ? null : tryParse(e.event());
      if (parsed != null) {
        o.set("event", parsed);
      } else {
        o.put("event", new String(e.event(), java.nio.charset.StandardCharsets.UTF_8));
      }
      o.put("contentType", e.contentType());
      ObjectNode md = o.putObject("metadata");
      e.metadata().forEach(md::put);
    }
    body.put("id", UUID.randomUUID().toString());
    ObjectNode md = body.putObject("metadata");
    event.metadata().forEach(md::put);
    body.put("pubsubname", event.pubsubName());
    body.put("topic", event.topic());
    body.put("type", "com.dapr.event.sent.bulk");
    // the batch's metadata as headers too, as Dapr sends them; each entry's is in its body
    MultiMap headers =
        MessageMetadata.httpHeaders(event.metadata())
            .set(HttpHeaders.CONTENT_TYPE, "application/json");
    return call(HttpMethod.POST, path(event.route()), headers, Buffer.buffer(body.toString()), null)
        .map(r -> bulkResult(event, r.status(), r.body()))
        .otherwise(err -> bulkAll(event, TopicEventResult.RETRY));
  }

  static Map<String, TopicEventResult> bulkResult(BulkTopicEvent event, int status, Buffer body) {
    if (status == 404) {
      return bulkAll(event, TopicEventResult.DROP);
    }
    if (status / 100 != 2) {
      return bulkAll(event, TopicEventResult.RETRY);
    }
    Map<String, TopicEventResult> out = bulkAll(event, TopicEventResult.RETRY);
    JsonNode root = tryParse(body == null ? new byte[0] : body.getBytes());
    if (root == null) {
      return out;
    }
    for (JsonNode s : root.path("statuses")) {
      String id = s.path("entryId").asText();
      if (!out.containsKey(id)) {
        continue;
      }
      switch (s.path("status").asText("").toUpperCase(Locale.ROOT)) {
        case "SUCCESS" -> out.put(id, TopicEventResult.SUCCESS);
        case "DROP" -> out.put(id, TopicEventResult.DROP);
        default -> out.put(id, TopicEventResult.RETRY);
      }
    }
    return out;
  }

  private static Map<String, TopicEventResult> bulkAll(BulkTopicEvent event, TopicEventResult r) {
    Map<String, TopicEventResult> out = new HashMap<>();
    event.entries().forEach(e -> out.put(e.entryId(), r));
    return out;
  }

  @Override
  public Future<Boolean> acceptsBinding(String name) {
    return call(HttpMethod.OPTIONS, path(name), null, null, null)
        .map(r -> r.status() / 100 == 2 || r.status() == 405);
  }

  @Override
  public Future<BindingEventResult> deliverBinding(
      String name, byte[] data, Map<String, String> metadata) {
    MultiMap fromMetadata = MultiMap.caseInsensitiveMultiMap();
    // an entry that is no valid header (CR/LF in a Kafka header...) would fail the request, and
    // the body's length is the channel's to say
    metadata.forEach(
        (k, v) -> {
          if (k != null
              && v != null
              && !k.equalsIgnoreCase("content-length")
              && MessageMetadata.isToken(k)
              && MessageMetadata.isHeaderValue(v)) {
            fromMetadata.add(k, MessageMetadata.asWireBytes(v));
          }
        });
    MultiMap headers = HopByHopHeaders.strip(fromMetadata, NOT_FORWARDED);
    if (!headers.contains(HttpHeaders.CONTENT_TYPE)) {
      headers.add(HttpHeaders.CONTENT_TYPE, "application/json");
    }
    return call(HttpMethod.POST, path(name), headers, Buffer.buffer(data), null)
        .map(
            r ->
                r.status() / 100 == 2
                    ? new BindingEventResult(true, r.body().getBytes(), null)
                    : new BindingEventResult(
                        false, r.body().getBytes(), "the app answered " + r.status()));
  }

  @Override
  public Future<Boolean> probeHealth() {
    return call(HttpMethod.GET, config.healthPath(), null, null, config.healthTimeout().toMillis())
        .map(r -> r.status() / 100 == 2)
        .otherwise(false);
  }

  @Override
  public Future<Boolean> isListening() {
    return net.connect(config.port(), config.address())
        .map(
            socket -> {
              socket.close();
              return true;
            })
        .otherwise(false);
  }

  @Override
  public void close() {
    client.close();
    net.close();
  }

  // ---- plumbing

  private record Buffered(int status, MultiMap headers, Buffer body) {}

  /** A small call whose answer is read whole (callback contract, not invocation). */
  private Future<Buffered> call(
      HttpMethod method, String uri, MultiMap headers, Buffer body, Long timeoutMs) {
    return limit
        .acquire()
        .compose(
            v -> {
              RequestOptions ro = new RequestOptions().setMethod(method).setURI(uri);
              MultiMap h = headers == null ? MultiMap.caseInsensitiveMultiMap() : headers;
              addToken(h);
              ro.setHeaders(h);
              if (timeoutMs != null) {
                ro.setTimeout(timeoutMs);
              }
              Future<HttpClientResponse> resp =
                  client.request(ro).compose(req -> body == null ? req.send() : req.send(body));
              return resp.compose(
                      r -> r.body().map(b -> new Buffered(r.statusCode(), r.headers(), b)))
                  .andThen(ar -> limit.release());
            });
  }

  private void addToken(MultiMap headers) {
    if (config.apiToken() != null) {
      headers.set("dapr-api-token", config.apiToken());
    }
  }

  private static String uri(String path, String query) {
    String p = path.startsWith("/") ? path : "/" + path;
    return query == null || query.isEmpty() ? p : p + "?" + query;
  }

  private static String path(String route) {
    return route.startsWith("/") ? route : "/" + route;
  }

  private IOException unreachable(Throwable err) {
    return new IOException(
        "app at " + config.address() + ":" + config.port() + " is unreachable: " + err.getMessage(),
        err);
  }

  private static void traceHeaders(byte[] cloudEvent, boolean raw, MultiMap headers) {
    if (raw) {
      return;
    }
    JsonNode ce = tryParse(cloudEvent);
    if (ce == null) {
      return;
    }
    // the CloudEvent is the publisher's: a value that would split the request is not sent
    String tp = ce.path("traceparent").asText(ce.path("traceid").asText(""));
    if (!tp.isEmpty() && MessageMetadata.isHeaderValue(tp)) {
      headers.set("traceparent", MessageMetadata.asWireBytes(tp));
    }
    String ts = ce.path("tracestate").asText("");
    if (!ts.isEmpty() && MessageMetadata.isHeaderValue(ts)) {
      headers.set("tracestate", MessageMetadata.asWireBytes(ts));
    }
  }

  private static JsonNode tryParse(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      return null;
    }
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      return null;
    }
  }

  private static Map<String, String> stringMap(JsonNode node) {
    Map<String, String> out = new HashMap<>();
    if (node != null && node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = node.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        out.put(e.getKey(), e.getValue().asText());
      }
    }
    return out;
  }
}
