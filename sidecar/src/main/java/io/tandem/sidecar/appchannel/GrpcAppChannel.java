package io.tandem.sidecar.appchannel;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import io.dapr.v1.AppCallbackAlphaGrpc;
import io.dapr.v1.AppCallbackGrpc;
import io.dapr.v1.AppCallbackHealthCheckGrpc;
import io.dapr.v1.CommonProtos.HTTPExtension;
import io.dapr.v1.CommonProtos.InvokeRequest;
import io.dapr.v1.DaprAppCallbackProtos.BindingEventRequest;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventBulkRequest;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventBulkRequestEntry;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventBulkResponse;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventBulkResponseEntry;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventResponse;
import io.dapr.v1.DaprAppCallbackProtos.TopicRule;
import io.dapr.v1.DaprAppCallbackProtos.TopicSubscription;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.tandem.sidecar.AppChannelConfig;
import io.tandem.sidecar.invoke.MethodPath;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The app channel for {@code --app-protocol grpc} and {@code grpcs}: Dapr's {@code AppCallback},
 * {@code AppCallbackAlpha} and {@code AppCallbackHealthCheck} services on the app's port.
 */
public final class GrpcAppChannel implements AppChannel {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.appchannel");

  private final Vertx vertx;
  private final AppChannelConfig config;
  private final long maxBodySize;
  private final ManagedChannel channel;
  private final NetClient net;
  private final ConcurrencyLimit limit;
  private final AppCallbackGrpc.AppCallbackFutureStub callback;
  private final AppCallbackAlphaGrpc.AppCallbackAlphaFutureStub alpha;
  private final AppCallbackHealthCheckGrpc.AppCallbackHealthCheckFutureStub health;

  public GrpcAppChannel(Vertx vertx, AppChannelConfig config, long maxBodySize) {
    this.vertx = vertx;
    this.config = config;
    this.maxBodySize = maxBodySize;
    NettyChannelBuilder b =
        NettyChannelBuilder.forAddress(config.address(), config.port())
            .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, maxBodySize));
    if (config.isTls()) {
      try {
        // The app is this pod's own process: Dapr does not verify its certificate either.
        b.sslContext(
            GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build());
      } catch (SSLException e) {
        throw new IllegalStateException("cannot set up TLS to the app: " + e.getMessage(), e);
      }
    } else {
      b.usePlaintext();
    }
    this.channel = b.build();
    this.net = vertx.createNetClient(new NetClientOptions().setConnectTimeout(1_000));
    this.limit = new ConcurrencyLimit(config.maxConcurrency());
    this.callback = withToken(AppCallbackGrpc.newFutureStub(channel));
    this.alpha = withToken(AppCallbackAlphaGrpc.newFutureStub(channel));
    this.health = withToken(AppCallbackHealthCheckGrpc.newFutureStub(channel));
  }

  private <S extends AbstractStub<S>> S withToken(S stub) {
    if (config.apiToken() == null) {
      return stub;
    }
    Metadata h = new Metadata();
    h.put(Metadata.Key.of("dapr-api-token", Metadata.ASCII_STRING_MARSHALLER), config.apiToken());
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
  }

  /** {@code stub} sending a pub/sub message's metadata as the call's gRPC metadata. */
  private static <S extends AbstractStub<S>> S withMetadata(S stub, Map<String, String> metadata) {
    Metadata md = MessageMetadata.grpcMetadata(metadata);
    return md.keys().isEmpty()
        ? stub
        : stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
  }

  /** The channel to the app's own gRPC server, for proxied calls. */
  public ManagedChannel channel() {
    return channel;
  }

  @Override
  public Future<AppResponse> invoke(AppRequest request) {
    return Bodies.collect(request.body(), maxBodySize)
        .compose(
            body -> {
              String contentType =
                  request.headers() == null
                      ? null
                      : request.headers().get(HttpHeaders.CONTENT_TYPE);
              InvokeRequest.Builder req =
                  InvokeRequest.newBuilder()
                      // AppRequest paths are percent-encoded for URLs; gRPC apps get the method
                      // name itself, as Dapr sends it.
                      .setMethod(MethodPath.fromEncoded(request.path()).decoded())
                      .setData(Any.newBuilder().setValue(ByteString.copyFrom(body.getBytes())))
                      .setContentType(contentType == null ? "" : contentType)
                      .setHttpExtension(
                          HTTPExtension.newBuilder()
                              .setVerb(verb(request.verb()))
                              .setQuerystring(request.query() == null ? "" : request.query()));
              return limited(() -> callback.onInvoke(req.build()));
            })
        .map(
            res -> {
              MultiMap headers = MultiMap.caseInsensitiveMultiMap();
              if (!res.getContentType().isEmpty()) {
                headers.add(HttpHeaders.CONTENT_TYPE, res.getContentType());
              }
              return new AppResponse(
                  200,
                  headers,
                  new BufferReadStream(
                      vertx, Buffer.buffer(res.getData().getValue().toByteArray())));
            })
        .recover(
            err -> {
              if (err instanceof StatusRuntimeException sre
                  && sre.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                String msg =
                    sre.getStatus().getDescription() == null
                        ? ""
                        : sre.getStatus().getDescription();
                MultiMap headers =
                    MultiMap.caseInsensitiveMultiMap().add(HttpHeaders.CONTENT_TYPE, "text/plain");
                return Future.succeededFuture(
                    new AppResponse(
                        httpStatus(sre.getStatus().getCode()),
                        headers,
                        new BufferReadStream(vertx, Buffer.buffer(msg))));
              }
              return Future.failedFuture(
                  new java.io.IOException(
                      "app at "
                          + config.address()
                          + ":"
                          + config.port()
                          + " is unreachable: "
                          + err.getMessage(),
                      err));
            });
  }

  static HTTPExtension.Verb verb(String v) {
    try {
      return HTTPExtension.Verb.valueOf(v.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return HTTPExtension.Verb.NONE;
    }
  }

  /** How Dapr reports a gRPC app's failure to an HTTP caller. */
  static int httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> 200;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
      case UNAUTHENTICATED -> 401;
      case PERMISSION_DENIED -> 403;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case RESOURCE_EXHAUSTED -> 429;
      case CANCELLED -> 499;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      case DEADLINE_EXCEEDED -> 504;
      default -> 500;
    };
  }

  @Override
  public Future<List<AppSubscription>> subscriptions() {
    return limited(() -> callback.listTopicSubscriptions(Empty.getDefaultInstance()))
        .map(
            res -> {
              List<AppSubscription> out = new ArrayList<>();
              for (TopicSubscription s : res.getSubscriptionsList()) {
                List<AppSubscription.Rule> rules = new ArrayList<>();
                for (TopicRule r : s.getRoutes().getRulesList()) {
                  rules.add(new AppSubscription.Rule(r.getMatch(), r.getPath()));
                }
                out.add(
                    new AppSubscription(
                        s.getPubsubName(),
                        s.getTopic(),
                        s.getMetadataMap(),
                        rules,
                        s.getRoutes().getDefault(),
                        s.getDeadLetterTopic(),
                        s.hasBulkSubscribe()
                            ? new AppSubscription.BulkSubscribe(
                                s.getBulkSubscribe().getEnabled(),
                                s.getBulkSubscribe().getMaxMessagesCount(),
                                s.getBulkSubscribe().getMaxAwaitDurationMs())
                            : null));
              }
              return (List<AppSubscription>) out;
            })
        .recover(
            err ->
                isUnimplemented(err)
                    ? Future.succeededFuture(List.of())
                    : Future.failedFuture(err));
  }

  @Override
  public Future<TopicEventResult> deliver(TopicEvent event) {
    AppCallbackGrpc.AppCallbackFutureStub stub = withMetadata(callback, event.metadata());
    return limited(() -> stub.onTopicEvent(CloudEventProtos.topicEvent(event)))
        .map(GrpcAppChannel::result)
        .otherwise(
            err -> {
              if (isUnimplemented(err)) {
                log.warn(
                    "the app does not implement OnTopicEvent: dropping the event on {}",
                    event.topic());
                return TopicEventResult.DROP;
              }
              log.warn(
                  "delivering to {}/{} failed, will retry: {}",
                  event.pubsubName(),
                  event.topic(),
                  err.getMessage());
              return TopicEventResult.RETRY;
            });
  }

  private static TopicEventResult result(TopicEventResponse r) {
    return switch (r.getStatus()) {
      case SUCCESS -> TopicEventResult.SUCCESS;
      case DROP -> TopicEventResult.DROP;
      default -> TopicEventResult.RETRY;
    };
  }

  @Override
  public Future<Map<String, TopicEventResult>> deliverBulk(BulkTopicEvent event) {
    TopicEventBulkRequest.Builder req =
        TopicEventBulkRequest.newBuilder()
            .setId(UUID.randomUUID().toString())
            .putAllMetadata(event.metadata())
            .setTopic(event.topic())
            .setPubsubName(event.pubsubName())
            .setType("com.dapr.event.sent.bulk")
            .setPath(event.route());
    for (BulkTopicEvent.Entry e : event.entries()) {
      TopicEventBulkRequestEntry.Builder eb =
          TopicEventBulkRequestEntry.newBuilder()
              .setEntryId(e.entryId())
              .setContentType(e.contentType() == null ? "" : e.contentType())
              .putAllMetadata(e.metadata());
      if (e.raw()) {
        eb.setBytes(ByteString.copyFrom(e.event()));
      } else {
        eb.setCloudEvent(CloudEventProtos.cloudEvent(e.event()));
      }
      req.addEntries(eb);
    }
    TopicEventBulkRequest built = req.build();
    Map<String, TopicEventResult> all = new HashMap<>();
    event.entries().forEach(e -> all.put(e.entryId(), TopicEventResult.RETRY));
    // the batch's metadata as gRPC metadata too, as Dapr sends it; each entry's is in the entry
    AppCallbackGrpc.AppCallbackFutureStub stub = withMetadata(callback, event.metadata());
    AppCallbackAlphaGrpc.AppCallbackAlphaFutureStub alphaStub =
        withMetadata(alpha, event.metadata());
    return limited(() -> stub.onBulkTopicEvent(built))
        .recover(
            err ->
                isUnimplemented(err)
                    ? limited(() -> alphaStub.onBulkTopicEventAlpha1(built))
                    : Future.failedFuture(err))
        .map(
            (TopicEventBulkResponse res) -> {
              for (TopicEventBulkResponseEntry s : res.getStatusesList()) {
                if (all.containsKey(s.getEntryId())) {
                  all.put(
                      s.getEntryId(),
                      switch (s.getStatus()) {
                        case SUCCESS -> TopicEventResult.SUCCESS;
                        case DROP -> TopicEventResult.DROP;
                        default -> TopicEventResult.RETRY;
                      });
                }
              }
              return all;
            })
        .otherwise(err -> all);
  }

  @Override
  public Future<Boolean> acceptsBinding(String name) {
    return limited(() -> callback.listInputBindings(Empty.getDefaultInstance()))
        .map(res -> res.getBindingsList().contains(name))
        .recover(
            err -> isUnimplemented(err) ? Future.succeededFuture(false) : Future.failedFuture(err));
  }

  @Override
  public Future<BindingEventResult> deliverBinding(
      String name, byte[] data, Map<String, String> metadata) {
    BindingEventRequest req =
        BindingEventRequest.newBuilder()
            .setName(name)
            .setData(ByteString.copyFrom(data))
            .putAllMetadata(metadata)
            .build();
    return limited(() -> callback.onBindingEvent(req))
        .map(res -> new BindingEventResult(true, res.getData().toByteArray(), null))
        .otherwise(err -> new BindingEventResult(false, new byte[0], err.getMessage()));
  }

  @Override
  public Future<Boolean> probeHealth() {
    return limited(
            () ->
                health
                    .withDeadlineAfter(config.healthTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .healthCheck(Empty.getDefaultInstance()))
        .map(r -> true)
        .otherwise(false);
  }

  @Override
  public Future<Boolean> isListening() {
    return net.connect(config.port(), config.address())
        .map(
            s -> {
              s.close();
              return true;
            })
        .otherwise(false);
  }

  @Override
  public void close() {
    channel.shutdown();
    net.close();
    try {
      if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      channel.shutdownNow();
    }
  }

  private <T> Future<T> limited(Supplier<ListenableFuture<T>> call) {
    return limit
        .acquire()
        .compose(
            v -> {
              Promise<T> p = Promise.promise();
              ListenableFuture<T> f;
              try {
                f = call.get();
              } catch (RuntimeException e) {
                limit.release();
                return Future.failedFuture(e);
              }
              Futures.addCallback(
                  f,
                  new FutureCallback<T>() {
                    @Override
                    public void onSuccess(T result) {
                      limit.release();
                      p.complete(result);
                    }

                    @Override
                    public void onFailure(Throwable t) {
                      limit.release();
                      p.fail(t);
                    }
                  },
                  MoreExecutors.directExecutor());
              return p.future();
            });
  }

  private static boolean isUnimplemented(Throwable t) {
    return t instanceof StatusRuntimeException sre
        && sre.getStatus().getCode() == Status.Code.UNIMPLEMENTED;
  }
}
