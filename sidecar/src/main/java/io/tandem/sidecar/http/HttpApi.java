package io.tandem.sidecar.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dapr.v1.CommonProtos;
import io.dapr.v1.DaprConfigurationProtos.GetConfigurationRequest;
import io.dapr.v1.DaprConfigurationProtos.SubscribeConfigurationRequest;
import io.dapr.v1.DaprMetadataProtos.GetMetadataResponse;
import io.dapr.v1.DaprMetadataProtos.RegisteredComponents;
import io.dapr.v1.DaprSecretProtos.GetBulkSecretRequest;
import io.dapr.v1.DaprSecretProtos.GetSecretRequest;
import io.dapr.v1.DaprStateProtos.DeleteStateRequest;
import io.dapr.v1.DaprStateProtos.GetStateRequest;
import io.tandem.components.Completions;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import io.tandem.sidecar.api.ApiToken;
import io.tandem.sidecar.bindings.BindingsService;
import io.tandem.sidecar.bindings.OutputBindingJson;
import io.tandem.sidecar.configuration.ConfigurationJson;
import io.tandem.sidecar.configuration.ConfigurationService;
import io.tandem.sidecar.invoke.InvocationHttp;
import io.tandem.sidecar.lock.LockJson;
import io.tandem.sidecar.lock.LockService;
import io.tandem.sidecar.metadata.MetadataService;
import io.tandem.sidecar.metrics.SidecarMetrics;
import io.tandem.sidecar.pubsub.PubSubJson;
import io.tandem.sidecar.pubsub.PubSubService;
import io.tandem.sidecar.pubsub.Trace;
import io.tandem.sidecar.registry.ComponentTrouble;
import io.tandem.sidecar.secrets.SecretsService;
import io.tandem.sidecar.state.StateService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dapr's HTTP API on Vert.x Web. Each route decodes the request into the building block's message,
 * calls the shared service and encodes the result; no rule lives here. Errors, including unknown
 * routes and oversized bodies, always leave in Dapr's {@code {"errorCode","message"}} format.
 */
public final class HttpApi {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.http");
  private static final String V1 = "/v1.0";

  private final StateService state;
  private final SecretsService secrets;
  private final MetadataService metadata;
  private final SidecarMetrics metrics;
  private final ApiToken token;
  private final long maxBodySize;
  private final BooleanSupplier ready;
  private final BooleanSupplier outboundReady;
  private final Runnable shutdown;

  public HttpApi(
      StateService state,
      SecretsService secrets,
      MetadataService metadata,
      SidecarMetrics metrics,
      ApiToken token,
      long maxBodySize,
      BooleanSupplier ready,
      BooleanSupplier outboundReady,
      Runnable shutdown) {
    this.state = state;
    this.secrets = secrets;
    this.metadata = metadata;
    this.metrics = metrics;
    this.token = token;
    this.maxBodySize = maxBodySize;
    this.ready = ready;
    this.outboundReady = outboundReady;
    this.shutdown = shutdown;
  }

  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.route().handler(this::observe);
    router.route().handler(this::authenticate);
    if (invocation != null) {
      invocationRoutes(router);
    }

    BodyHandler body = BodyHandler.create(false).setBodyLimit(maxBodySize);

    router
        .get(V1 + "/healthz")
        .handler(ctx -> health(ctx, ready, ApiError.HEALTH_NOT_READY, "dapr is not ready"));
    router
        .get(V1 + "/healthz/outbound")
        .handler(
            ctx ->
                health(
                    ctx,
                    outboundReady,
                    ApiError.OUTBOUND_HEALTH_NOT_READY,
                    "dapr outbound is not ready"));

    router.get(V1 + "/metadata").handler(this::getMetadata);
    router.put(V1 + "/metadata/:key").handler(body).handler(this::putMetadata);
    router.post(V1 + "/shutdown").handler(this::shutdown);

    router.post(V1 + "/state/:storeName").handler(body).handler(this::saveState);
    router.post(V1 + "/state/:storeName/bulk").handler(body).handler(this::bulkGetState);
    router
        .routeWithRegex("^" + V1.replace(".", "\\.") + "/state/(?<storeName>[^/]+)/transaction$")
        .method(io.vertx.core.http.HttpMethod.POST)
        .method(io.vertx.core.http.HttpMethod.PUT)
        .handler(body)
        .handler(this::transaction);
    router
        .getWithRegex("^" + V1.replace(".", "\\.") + "/state/(?<storeName>[^/]+)/(?<key>.+)$")
        .handler(this::getState);
    router
        .deleteWithRegex("^" + V1.replace(".", "\\.") + "/state/(?<storeName>[^/]+)/(?<key>.+)$")
        .handler(this::deleteState);

    router.get(V1 + "/secrets/:storeName/bulk").handler(this::bulkSecrets);
    router
        .getWithRegex("^" + V1.replace(".", "\\.") + "/secrets/(?<storeName>[^/]+)/(?<key>.+)$")
        .handler(this::getSecret);

    if (bindings != null) {
      bindingsRoutes(router, body);
    }

    if (pubsub != null) {
      pubsubRoutes(router, body);
    }

    if (configuration != null) {
      configurationRoutes(router);
    }

    if (lock != null) {
      lockRoutes(router, body);
    }

    router.errorHandler(404, ctx -> fail(ctx, notFound(ctx)));
    router.errorHandler(
        405,
        ctx ->
            fail(
                ctx,
                ApiError.METHOD_NOT_ALLOWED.exception(
                    "method "
                        + ctx.request().method()
                        + " is not allowed on "
                        + ctx.normalizedPath())));
    router.errorHandler(
        413,
        ctx ->
            fail(
                ctx,
                ApiError.BODY_TOO_LARGE.exception(
                    "request body exceeds the limit of "
                        + maxBodySize
                        + " bytes (--max-body-size)")));
    router.errorHandler(
        400, ctx -> fail(ctx, ApiError.MALFORMED_REQUEST.exception("malformed request")));
    router.errorHandler(500, this::internalError);
    return router;
  }

  // ---- edge: metrics and authentication

  private void observe(RoutingContext ctx) {
    long start = System.nanoTime();
    String method = ctx.request().method().name();
    String path = metricPath(ctx.normalizedPath());
    ctx.addEndHandler(
        v ->
            metrics.httpRequestServed(
                method, path, ctx.response().getStatusCode(), (System.nanoTime() - start) / 1e6));
    ctx.next();
  }

  /** A bounded label: the API version and building block, never keys or names. */
  static String metricPath(String path) {
    if (path == null) {
      return "";
    }
    String[] parts = path.split("/", 4);
    if (parts.length >= 3 && parts[1].startsWith("v1.0")) {
      return "/" + parts[1] + "/" + parts[2];
    }
    return "other";
  }

  private void authenticate(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    boolean exempt = path.equals(V1 + "/healthz") || path.equals(V1 + "/healthz/outbound");
    if (!exempt && !token.accepts(ctx.request().getHeader(ApiToken.HEADER))) {
      fail(ctx, ApiToken.rejected());
      return;
    }
    ctx.next();
  }

  // ---- health, metadata, shutdown

  /**
   * 204 when {@code check} passes and no component reports trouble; otherwise {@code error} with
   * {@code message}, followed by what is wrong with each component in trouble, as Dapr's "dapr is
   * not ready: <unhealthy targets>".
   */
  private void health(RoutingContext ctx, BooleanSupplier check, ApiError error, String message) {
    if (!check.getAsBoolean()) {
      fail(ctx, error.exception(message));
      return;
    }
    List<ComponentTrouble> now = troubles.get();
    if (!now.isEmpty()) {
      StringBuilder m = new StringBuilder(message).append(": ");
      for (int i = 0; i < now.size(); i++) {
        m.append(i == 0 ? "" : "; ").append(now.get(i).describe());
      }
      fail(ctx, error.exception(m.toString()));
      return;
    }
    ctx.response().setStatusCode(204).end();
  }

  private Supplier<List<ComponentTrouble>> troubles = List::of;

  /**
   * Makes both health endpoints answer 500 while any component reports trouble; call before {@link
   * #router}.
   */
  public HttpApi withComponentTroubles(Supplier<List<ComponentTrouble>> source) {
    this.troubles = source;
    return this;
  }

  private void getMetadata(RoutingContext ctx) {
    GetMetadataResponse m = metadata.getMetadata();
    ObjectNode o = StateJson.JSON.createObjectNode();
    o.put("id", m.getId());
    o.put("runtimeVersion", m.getRuntimeVersion());
    ArrayNode features = o.putArray("enabledFeatures");
    m.getEnabledFeaturesList().forEach(features::add);
    o.putArray("actors");
    ArrayNode components = o.putArray("components");
    for (RegisteredComponents c : m.getRegisteredComponentsList()) {
      ObjectNode co = components.addObject();
      co.put("name", c.getName());
      co.put("type", c.getType());
      co.put("version", c.getVersion());
      ArrayNode caps = co.putArray("capabilities");
      c.getCapabilitiesList().forEach(caps::add);
    }
    ObjectNode extended = o.putObject("extended");
    new java.util.TreeMap<>(m.getExtendedMetadataMap()).forEach(extended::put);
    PubSubJson.subscriptions(o.putArray("subscriptions"), m.getSubscriptionsList());
    o.putArray("httpEndpoints");
    ObjectNode app = o.putObject("appConnectionProperties");
    if (m.getAppConnectionProperties().getPort() > 0) {
      app.put("port", m.getAppConnectionProperties().getPort());
    }
    app.put("protocol", m.getAppConnectionProperties().getProtocol());
    app.put("channelAddress", m.getAppConnectionProperties().getChannelAddress());
    if (m.getAppConnectionProperties().getMaxConcurrency() > 0) {
      app.put("maxConcurrency", m.getAppConnectionProperties().getMaxConcurrency());
    }
    ObjectNode actorRuntime = o.putObject("actorRuntime");
    actorRuntime.put("runtimeStatus", m.getActorRuntime().getRuntimeStatus().name());
    actorRuntime.put("hostReady", m.getActorRuntime().getHostReady());
    actorRuntime.put("placement", m.getActorRuntime().getPlacement());
    json(ctx, 200, o.toString());
  }

  private void putMetadata(RoutingContext ctx) {
    try {
      Buffer b = ctx.body().buffer();
      metadata.setMetadata(ctx.pathParam("key"), b == null ? "" : b.toString());
      ctx.response().setStatusCode(204).end();
    } catch (ApiException e) {
      fail(ctx, e);
    }
  }

  private void shutdown(RoutingContext ctx) {
    ctx.response().setStatusCode(204).end().onComplete(ar -> shutdown.run());
  }

  // ---- state

  private void getState(RoutingContext ctx) {
    GetStateRequest.Builder req =
        GetStateRequest.newBuilder()
            .setStoreName(ctx.pathParam("storeName"))
            .setKey(ctx.pathParam("key"))
            .putAllMetadata(queryMetadata(ctx));
    String consistency = ctx.queryParams().get("consistency");
    if (consistency != null) {
      try {
        req.setConsistency(StateJson.options("", consistency).getConsistency());
      } catch (ApiException e) {
        fail(ctx, e);
        return;
      }
    }
    reply(
        ctx,
        state.getState(req.build()),
        res -> {
          HttpServerResponse r = ctx.response();
          if (res.getData().isEmpty()) {
            r.setStatusCode(204).end();
            return;
          }
          if (!res.getEtag().isEmpty()) {
            r.putHeader("ETag", res.getEtag());
          }
          res.getMetadataMap().forEach((k, v) -> r.putHeader("metadata." + k, v));
          r.putHeader(
              "content-type",
              StateJson.looksLikeJson(res.getData())
                  ? "application/json"
                  : "application/octet-stream");
          r.setStatusCode(200).end(Buffer.buffer(res.getData().toByteArray()));
        });
  }

  private void saveState(RoutingContext ctx) {
    decodeThen(
        ctx,
        () -> StateJson.saveRequest(ctx.pathParam("storeName"), bytes(ctx)),
        req -> reply(ctx, state.saveState(req), v -> ctx.response().setStatusCode(204).end()));
  }

  private void bulkGetState(RoutingContext ctx) {
    decodeThen(
        ctx,
        () -> StateJson.bulkGetRequest(ctx.pathParam("storeName"), bytes(ctx), queryMetadata(ctx)),
        req ->
            reply(
                ctx,
                state.getBulkState(req),
                res -> json(ctx, 200, StateJson.bulkGetResponse(res))));
  }

  private void transaction(RoutingContext ctx) {
    decodeThen(
        ctx,
        () -> StateJson.transactionRequest(ctx.pathParam("storeName"), bytes(ctx)),
        req ->
            reply(
                ctx, state.executeTransaction(req), v -> ctx.response().setStatusCode(204).end()));
  }

  private void deleteState(RoutingContext ctx) {
    decodeThen(
        ctx,
        () -> {
          DeleteStateRequest.Builder req =
              DeleteStateRequest.newBuilder()
                  .setStoreName(ctx.pathParam("storeName"))
                  .setKey(ctx.pathParam("key"))
                  .putAllMetadata(queryMetadata(ctx));
          String ifMatch = ctx.request().getHeader("If-Match");
          if (ifMatch != null && !ifMatch.isEmpty()) {
            req.setEtag(CommonProtos.Etag.newBuilder().setValue(ifMatch));
          }
          String concurrency = ctx.queryParams().get("concurrency");
          String consistency = ctx.queryParams().get("consistency");
          if (concurrency != null || consistency != null) {
            req.setOptions(
                StateJson.options(
                    concurrency == null ? "" : concurrency,
                    consistency == null ? "" : consistency));
          }
          return req.build();
        },
        req -> reply(ctx, state.deleteState(req), v -> ctx.response().setStatusCode(204).end()));
  }

  // ---- secrets

  private void getSecret(RoutingContext ctx) {
    GetSecretRequest req =
        GetSecretRequest.newBuilder()
            .setStoreName(ctx.pathParam("storeName"))
            .setKey(ctx.pathParam("key"))
            .putAllMetadata(queryMetadata(ctx))
            .build();
    reply(
        ctx,
        secrets.getSecret(req),
        res -> {
          ObjectNode o = StateJson.JSON.createObjectNode();
          new java.util.TreeMap<>(res.getDataMap()).forEach(o::put);
          json(ctx, 200, o.toString());
        });
  }

  private void bulkSecrets(RoutingContext ctx) {
    GetBulkSecretRequest req =
        GetBulkSecretRequest.newBuilder()
            .setStoreName(ctx.pathParam("storeName"))
            .putAllMetadata(queryMetadata(ctx))
            .build();
    reply(
        ctx,
        secrets.getBulkSecret(req),
        res -> {
          ObjectNode o = StateJson.JSON.createObjectNode();
          res.getDataMap()
              .forEach(
                  (name, values) -> {
                    ObjectNode s = o.putObject(name);
                    new java.util.TreeMap<>(values.getSecretsMap()).forEach(s::put);
                  });
          json(ctx, 200, o.toString());
        });
  }

  // ---- bindings (tandem.sidecar.bindings)

  private BindingsService bindings;

  /**
   * Serves the bindings API, {@code POST|PUT /v1.0/bindings/{name}}; call before {@link #router}.
   */
  public HttpApi withBindings(BindingsService service) {
    this.bindings = service;
    return this;
  }

  private void bindingsRoutes(Router router, BodyHandler body) {
    router
        .route(V1 + "/bindings/:name")
        .method(io.vertx.core.http.HttpMethod.POST)
        .method(io.vertx.core.http.HttpMethod.PUT)
        .handler(body)
        .handler(this::invokeBinding);
  }

  /**
   * The binding's data is the body (200, or 204 when the binding answered nothing) and its metadata
   * the {@code metadata.<key>} headers, which a failed call carries too, as Dapr does.
   */
  private void invokeBinding(RoutingContext ctx) {
    decodeThen(
        ctx,
        () ->
            OutputBindingJson.decode(
                ctx.pathParam("name"), bytes(ctx), h -> ctx.request().getHeader(h)),
        req ->
            reply(
                ctx,
                bindings.invokeBinding(req),
                outcome -> {
                  HttpServerResponse r = ctx.response();
                  if (outcome.response() != null) {
                    outcome
                        .response()
                        .getMetadataMap()
                        .forEach((k, v) -> r.headers().add("metadata." + k, v));
                  }
                  if (outcome.failed()) {
                    fail(ctx, outcome.error());
                  } else if (outcome.response() == null) {
                    r.setStatusCode(204).end();
                  } else {
                    r.putHeader("content-type", "application/json")
                        .setStatusCode(200)
                        .end(Buffer.buffer(outcome.response().getData().toByteArray()));
                  }
                }));
  }

  // ---- service invocation (tandem.sidecar.invoke)

  private InvocationHttp invocation;

  /**
   * Serves {@code /v1.0/invoke/{app-id}/method/...} and {@code dapr-app-id} header routing; call
   * before {@link #router}. Installed right after authentication: the header takes any path that is
   * not the sidecar's own API, ahead of 404 and 405.
   */
  public HttpApi withInvocation(InvocationHttp http) {
    this.invocation = http;
    return this;
  }

  private void invocationRoutes(Router router) {
    router.route().handler(invocation::routeByHeader);
    router.route(V1 + "/invoke/*").handler(invocation::invokeRoute);
  }

  // ---- pub/sub (tandem.sidecar.pubsub)

  private PubSubService pubsub;

  /**
   * Serves {@code /v1.0/publish/{pubsub}/{topic}} and the bulk publish API ({@code
   * /v1.0-alpha1/publish/bulk/...}, also under {@code /v1.0}); call before {@link #router}.
   */
  public HttpApi withPubSub(PubSubService service) {
    this.pubsub = service;
    return this;
  }

  private void pubsubRoutes(Router router, BodyHandler body) {
    // the topic may contain slashes; "bulk" right after publish/ names the bulk API, as in Dapr
    for (String version : java.util.List.of("/v1.0-alpha1", V1)) {
      router
          .routeWithRegex(
              "^"
                  + version.replace(".", "\\.")
                  + "/publish/bulk/(?<pubsubname>[^/]*)/(?<topic>.*)$")
          .method(io.vertx.core.http.HttpMethod.POST)
          .method(io.vertx.core.http.HttpMethod.PUT)
          .handler(body)
          .handler(this::bulkPublish);
    }
    router
        .routeWithRegex(
            "^" + V1.replace(".", "\\.") + "/publish/(?<pubsubname>[^/]*)/(?<topic>.*)$")
        .method(io.vertx.core.http.HttpMethod.POST)
        .method(io.vertx.core.http.HttpMethod.PUT)
        .handler(body)
        .handler(this::publish);
  }

  private void publish(RoutingContext ctx) {
    String contentType = ctx.request().getHeader("content-type");
    io.dapr.v1.DaprPubsubProtos.PublishEventRequest req =
        io.dapr.v1.DaprPubsubProtos.PublishEventRequest.newBuilder()
            .setPubsubName(ctx.pathParam("pubsubname"))
            .setTopic(ctx.pathParam("topic"))
            .setData(com.google.protobuf.ByteString.copyFrom(bytes(ctx)))
            .setDataContentType(contentType == null ? "" : contentType)
            .putAllMetadata(queryMetadata(ctx))
            .build();
    reply(ctx, pubsub.publish(req, trace(ctx)), v -> ctx.response().setStatusCode(204).end());
  }

  /** 204 when every entry was published; 500 with the failed entries otherwise, as in Dapr. */
  private void bulkPublish(RoutingContext ctx) {
    String name = ctx.pathParam("pubsubname");
    String topic = ctx.pathParam("topic");
    Map<String, String> md = queryMetadata(ctx);
    decodeThen(
        ctx,
        () -> {
          pubsub.checkBulkTarget(name, topic, md);
          return PubSubJson.bulkRequest(name, topic, bytes(ctx), md);
        },
        req ->
            reply(
                ctx,
                pubsub.bulkPublish(req, trace(ctx)),
                res -> {
                  if (res.getFailedEntriesCount() == 0) {
                    ctx.response().setStatusCode(204).end();
                    return;
                  }
                  ApiException e = pubsub.partialFailure(name, topic, res);
                  json(ctx, e.error().httpStatus(), PubSubJson.bulkFailure(res, e.errorCode()));
                }));
  }

  // ---- configuration (tandem.sidecar.configuration)

  private ConfigurationService configuration;

  /**
   * Serves the configuration API under {@code /v1.0} and {@code /v1.0-alpha1}: {@code GET
   * configuration/{store}}, {@code .../subscribe} and {@code .../{id}/unsubscribe}; call before
   * {@link #router}.
   */
  public HttpApi withConfiguration(ConfigurationService service) {
    this.configuration = service;
    return this;
  }

  private void configurationRoutes(Router router) {
    for (String version : List.of(V1, "/v1.0-alpha1")) {
      router.get(version + "/configuration/:storeName").handler(this::getConfiguration);
      router
          .get(version + "/configuration/:storeName/subscribe")
          .handler(this::subscribeConfiguration);
      router
          .get(version + "/configuration/:storeName/:id/unsubscribe")
          .handler(this::unsubscribeConfiguration);
    }
  }

  /** 200 with the items; 204 when there are none, as Dapr answers. */
  private void getConfiguration(RoutingContext ctx) {
    GetConfigurationRequest req =
        GetConfigurationRequest.newBuilder()
            .setStoreName(ctx.pathParam("storeName"))
            .addAllKeys(ctx.queryParam("key"))
            .putAllMetadata(queryMetadata(ctx))
            .build();
    reply(
        ctx,
        configuration.get(req),
        res -> {
          if (res.getItemsCount() == 0) {
            ctx.response().setStatusCode(204).end();
          } else {
            json(ctx, 200, ConfigurationJson.items(res.getItemsMap()));
          }
        });
  }

  private void subscribeConfiguration(RoutingContext ctx) {
    SubscribeConfigurationRequest req =
        SubscribeConfigurationRequest.newBuilder()
            .setStoreName(ctx.pathParam("storeName"))
            .addAllKeys(ctx.queryParam("key"))
            .putAllMetadata(queryMetadata(ctx))
            .build();
    decodeThen(
        ctx,
        () -> configuration.subscribeForApp(req),
        s -> reply(ctx, s.started(), id -> json(ctx, 200, ConfigurationJson.subscribed(s.id()))));
  }

  /**
   * {@code {"ok":true}}; an unknown subscription is 500 ERR_CONFIGURATION_UNSUBSCRIBE, whose body
   * also says {@code "ok":false} as Dapr's documentation shows it.
   */
  private void unsubscribeConfiguration(RoutingContext ctx) {
    try {
      configuration.unsubscribe(ctx.pathParam("storeName"), ctx.pathParam("id"));
    } catch (ApiException e) {
      if (e.error() == ApiError.CONFIGURATION_UNSUBSCRIBE) {
        ObjectNode o = StateJson.JSON.createObjectNode();
        o.put("errorCode", e.errorCode());
        o.put("message", e.getMessage());
        o.put("ok", false);
        json(ctx, e.error().httpStatus(), o.toString());
      } else {
        fail(ctx, e);
      }
      return;
    }
    json(ctx, 200, "{\"ok\":true}");
  }

  // ---- distributed lock (tandem.sidecar.lock)

  private LockService lock;

  /**
   * Serves {@code POST /v1.0-alpha1/lock/{store}} and {@code /v1.0-alpha1/unlock/{store}}; call
   * before {@link #router}.
   */
  public HttpApi withLock(LockService service) {
    this.lock = service;
    return this;
  }

  private void lockRoutes(Router router, BodyHandler body) {
    router
        .post("/v1.0-alpha1/lock/:storeName")
        .handler(body)
        .handler(
            ctx ->
                decodeThen(
                    ctx,
                    () -> LockJson.tryLockRequest(ctx.pathParam("storeName"), bytes(ctx)),
                    req ->
                        reply(
                            ctx,
                            lock.tryLock(req),
                            res -> json(ctx, 200, LockJson.tryLockResponse(res)))));
    router
        .post("/v1.0-alpha1/unlock/:storeName")
        .handler(body)
        .handler(
            ctx ->
                decodeThen(
                    ctx,
                    () -> LockJson.unlockRequest(ctx.pathParam("storeName"), bytes(ctx)),
                    req ->
                        reply(
                            ctx,
                            lock.unlock(req),
                            res -> json(ctx, 200, LockJson.unlockResponse(res)))));
  }

  private static Trace trace(RoutingContext ctx) {
    return new Trace(ctx.request().getHeader("traceparent"), ctx.request().getHeader("tracestate"));
  }

  // ---- plumbing

  private static Map<String, String> queryMetadata(RoutingContext ctx) {
    Map<String, String> md = new LinkedHashMap<>();
    ctx.queryParams()
        .forEach(
            e -> {
              if (e.getKey().startsWith("metadata.")
                  && e.getKey().length() > "metadata.".length()) {
                md.put(e.getKey().substring("metadata.".length()), e.getValue());
              }
            });
    return md;
  }

  private static byte[] bytes(RoutingContext ctx) {
    Buffer b = ctx.body().buffer();
    return b == null ? new byte[0] : b.getBytes();
  }

  private static <T> void decodeThen(
      RoutingContext ctx, java.util.function.Supplier<T> decode, Consumer<T> then) {
    T req;
    try {
      req = decode.get();
    } catch (ApiException e) {
      fail(ctx, e);
      return;
    }
    then.accept(req);
  }

  private <T> void reply(RoutingContext ctx, CompletionStage<T> stage, Consumer<T> onSuccess) {
    Future.fromCompletionStage(stage, ctx.vertx().getOrCreateContext())
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                try {
                  onSuccess.accept(ar.result());
                } catch (RuntimeException e) {
                  ctx.fail(e);
                }
                return;
              }
              Throwable cause = Completions.unwrap(ar.cause());
              if (cause instanceof ApiException api) {
                fail(ctx, api);
              } else {
                ctx.fail(cause);
              }
            });
  }

  private static void json(RoutingContext ctx, int status, String body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body);
  }

  private static void fail(RoutingContext ctx, ApiException e) {
    ErrorResponses.send(ctx.response(), e);
  }

  private static ApiException notFound(RoutingContext ctx) {
    return ApiError.NOT_FOUND.exception(
        "method \"" + ctx.request().method() + " " + ctx.normalizedPath() + "\" is not found");
  }

  private void internalError(RoutingContext ctx) {
    Throwable f = ctx.failure();
    if (f instanceof ApiException api) {
      fail(ctx, api);
      return;
    }
    log.error("unhandled error serving {} {}", ctx.request().method(), ctx.normalizedPath(), f);
    fail(ctx, ApiError.INTERNAL.exception("internal error"));
  }
}
