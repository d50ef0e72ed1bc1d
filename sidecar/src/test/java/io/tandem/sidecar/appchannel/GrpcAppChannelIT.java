package io.tandem.sidecar.appchannel;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import io.dapr.v1.AppCallbackGrpc;
import io.dapr.v1.AppCallbackHealthCheckGrpc;
import io.dapr.v1.CommonProtos.InvokeRequest;
import io.dapr.v1.CommonProtos.InvokeResponse;
import io.dapr.v1.DaprAppCallbackProtos.BindingEventRequest;
import io.dapr.v1.DaprAppCallbackProtos.BindingEventResponse;
import io.dapr.v1.DaprAppCallbackProtos.HealthCheckResponse;
import io.dapr.v1.DaprAppCallbackProtos.ListInputBindingsResponse;
import io.dapr.v1.DaprAppCallbackProtos.ListTopicSubscriptionsResponse;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventBulkRequest;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventBulkResponse;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventBulkResponseEntry;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventRequest;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventResponse;
import io.dapr.v1.DaprAppCallbackProtos.TopicRoutes;
import io.dapr.v1.DaprAppCallbackProtos.TopicRule;
import io.dapr.v1.DaprAppCallbackProtos.TopicSubscription;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tandem.sidecar.AppChannelConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gRPC app channel against a real grpc-java server playing a Dapr gRPC app. */
class GrpcAppChannelIT {
  Vertx vertx;
  Server app;
  final Map<String, Object> seen = new ConcurrentHashMap<>();

  class App extends AppCallbackGrpc.AppCallbackImplBase {
    @Override
    public void onInvoke(InvokeRequest req, StreamObserver<InvokeResponse> out) {
      seen.put("method", req.getMethod());
      seen.put("verb", req.getHttpExtension().getVerb().name());
      seen.put("query", req.getHttpExtension().getQuerystring());
      if (req.getMethod().equals("missing")) {
        out.onError(Status.NOT_FOUND.withDescription("no such method").asRuntimeException());
        return;
      }
      out.onNext(
          InvokeResponse.newBuilder()
              .setContentType("text/plain")
              .setData(
                  Any.newBuilder()
                      .setValue(
                          ByteString.copyFromUtf8(
                              "got:" + req.getData().getValue().toStringUtf8())))
              .build());
      out.onCompleted();
    }

    @Override
    public void listTopicSubscriptions(
        Empty req, StreamObserver<ListTopicSubscriptionsResponse> out) {
      out.onNext(
          ListTopicSubscriptionsResponse.newBuilder()
              .addSubscriptions(
                  TopicSubscription.newBuilder()
                      .setPubsubName("ps")
                      .setTopic("orders")
                      .setDeadLetterTopic("dead")
                      .setRoutes(
                          TopicRoutes.newBuilder()
                              .addRules(
                                  TopicRule.newBuilder()
                                      .setMatch("event.type == 'big'")
                                      .setPath("big"))
                              .setDefault("orders")))
              .build());
      out.onCompleted();
    }

    @Override
    public void onTopicEvent(TopicEventRequest req, StreamObserver<TopicEventResponse> out) {
      seen.put("event", req);
      TopicEventResponse.TopicEventResponseStatus status =
          switch (req.getPath()) {
            case "drop" -> TopicEventResponse.TopicEventResponseStatus.DROP;
            case "retry" -> TopicEventResponse.TopicEventResponseStatus.RETRY;
            default -> TopicEventResponse.TopicEventResponseStatus.SUCCESS;
          };
      out.onNext(TopicEventResponse.newBuilder().setStatus(status).build());
      out.onCompleted();
    }

    @Override
    public void onBulkTopicEvent(
        TopicEventBulkRequest req, StreamObserver<TopicEventBulkResponse> out) {
      seen.put("bulk", req);
      TopicEventBulkResponse.Builder b = TopicEventBulkResponse.newBuilder();
      req.getEntriesList()
          .forEach(
              e ->
                  b.addStatuses(
                      TopicEventBulkResponseEntry.newBuilder()
                          .setEntryId(e.getEntryId())
                          .setStatus(
                              e.getEntryId().equals("2")
                                  ? TopicEventResponse.TopicEventResponseStatus.DROP
                                  : TopicEventResponse.TopicEventResponseStatus.SUCCESS)));
      out.onNext(b.build());
      out.onCompleted();
    }

    @Override
    public void listInputBindings(Empty req, StreamObserver<ListInputBindingsResponse> out) {
      out.onNext(ListInputBindingsResponse.newBuilder().addBindings("cron").build());
      out.onCompleted();
    }

    @Override
    public void onBindingEvent(BindingEventRequest req, StreamObserver<BindingEventResponse> out) {
      seen.put(
          "binding",
          req.getName() + ":" + req.getData().toStringUtf8() + ":" + req.getMetadataMap());
      out.onNext(BindingEventResponse.newBuilder().setData(ByteString.copyFromUtf8("ok")).build());
      out.onCompleted();
    }
  }

  class Health extends AppCallbackHealthCheckGrpc.AppCallbackHealthCheckImplBase {
    @Override
    public void healthCheck(Empty req, StreamObserver<HealthCheckResponse> out) {
      out.onNext(HealthCheckResponse.getDefaultInstance());
      out.onCompleted();
    }
  }

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    ServerInterceptor tokens =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String t =
                headers.get(Metadata.Key.of("dapr-api-token", Metadata.ASCII_STRING_MARSHALLER));
            seen.put("token", t == null ? "none" : t);
            seen.put("headers", headers);
            return next.startCall(call, headers);
          }
        };
    app =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(ServerInterceptors.intercept(new App(), tokens))
            .addService(new Health())
            .build()
            .start();
  }

  @AfterEach
  void stop() throws Exception {
    app.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  GrpcAppChannel channel() {
    return new GrpcAppChannel(
        vertx,
        new AppChannelConfig(
            app.getPort(),
            "grpc",
            "127.0.0.1",
            -1,
            true,
            null,
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            1,
            "tok"),
        1 << 20);
  }

  static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void invokeMapsToOnInvokeAndErrorsToHttpStatuses() throws Exception {
    try (GrpcAppChannel ch = channel()) {
      AppResponse r =
          await(
              ch.invoke(
                  new AppRequest(
                      "POST",
                      "orders/new",
                      "x=1",
                      MultiMap.caseInsensitiveMultiMap(),
                      new BufferReadStream(vertx, Buffer.buffer("payload")))));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.headers().get("content-type")).isEqualTo("text/plain");
      assertThat(await(Bodies.collect(r.body(), 1024)).toString()).isEqualTo("got:payload");
      assertThat(seen)
          .containsEntry("method", "orders/new")
          .containsEntry("verb", "POST")
          .containsEntry("query", "x=1")
          .containsEntry("token", "tok");

      AppResponse missing =
          await(
              ch.invoke(
                  new AppRequest("GET", "missing", "", MultiMap.caseInsensitiveMultiMap(), null)));
      assertThat(missing.status()).isEqualTo(404);
    }
  }

  @Test
  void subscriptionsEventsBindingsAndHealth() throws Exception {
    try (GrpcAppChannel ch = channel()) {
      List<AppSubscription> subs = await(ch.subscriptions());
      assertThat(subs).hasSize(1);
      assertThat(subs.get(0).rules())
          .containsExactly(new AppSubscription.Rule("event.type == 'big'", "big"));
      assertThat(subs.get(0).defaultRoute()).isEqualTo("orders");
      assertThat(subs.get(0).deadLetterTopic()).isEqualTo("dead");

      byte[] ce =
          "{\"id\":\"e1\",\"source\":\"pub\",\"type\":\"com.dapr.event.sent\",\"specversion\":\"1.0\",\"datacontenttype\":\"application/json\",\"data\":{\"n\":1},\"topic\":\"orders\",\"pubsubname\":\"ps\",\"traceparent\":\"00-abc\"}"
              .getBytes(StandardCharsets.UTF_8);
      assertThat(
              await(
                  ch.deliver(
                      new TopicEvent(
                          "ps",
                          "orders",
                          "orders",
                          ce,
                          "application/cloudevents+json",
                          false,
                          Map.of()))))
          .isEqualTo(TopicEventResult.SUCCESS);
      TopicEventRequest got = (TopicEventRequest) seen.get("event");
      assertThat(got.getId()).isEqualTo("e1");
      assertThat(got.getData().toStringUtf8()).isEqualTo("{\"n\":1}");
      assertThat(got.getExtensions().getFieldsMap().get("traceparent").getStringValue())
          .isEqualTo("00-abc");
      assertThat(
              await(
                  ch.deliver(
                      new TopicEvent(
                          "ps",
                          "orders",
                          "drop",
                          ce,
                          "application/cloudevents+json",
                          false,
                          Map.of()))))
          .isEqualTo(TopicEventResult.DROP);
      assertThat(
              await(
                  ch.deliver(
                      new TopicEvent(
                          "ps",
                          "orders",
                          "retry",
                          ce,
                          "application/cloudevents+json",
                          false,
                          Map.of()))))
          .isEqualTo(TopicEventResult.RETRY);

      Map<String, TopicEventResult> bulk =
          await(
              ch.deliverBulk(
                  new BulkTopicEvent(
                      "ps",
                      "orders",
                      "orders",
                      List.of(
                          new BulkTopicEvent.Entry(
                              "1", ce, "application/cloudevents+json", false, Map.of()),
                          new BulkTopicEvent.Entry(
                              "2",
                              "raw".getBytes(StandardCharsets.UTF_8),
                              "text/plain",
                              true,
                              Map.of())),
                      Map.of())));
      assertThat(bulk)
          .containsEntry("1", TopicEventResult.SUCCESS)
          .containsEntry("2", TopicEventResult.DROP);

      assertThat(await(ch.acceptsBinding("cron"))).isTrue();
      assertThat(await(ch.acceptsBinding("kafka"))).isFalse();
      assertThat(
              await(
                      ch.deliverBinding(
                          "cron", "tick".getBytes(StandardCharsets.UTF_8), Map.of("k", "v")))
                  .success())
          .isTrue();
      assertThat(seen.get("binding")).isEqualTo("cron:tick:{k=v}");
      assertThat(await(ch.probeHealth())).isTrue();
      assertThat(await(ch.isListening())).isTrue();
    }
  }

  static String header(Metadata md, String name) {
    return md.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
  }

  @Test
  void eventsAndBatchesCarryTheMessageMetadataAsGrpcMetadata() throws Exception {
    byte[] ce =
        "{\"id\":\"e1\",\"specversion\":\"1.0\",\"datacontenttype\":\"text/plain\",\"data\":\"hi\"}"
            .getBytes(StandardCharsets.UTF_8);
    Map<String, String> md = new LinkedHashMap<>();
    md.put("__key", "k1");
    md.put("__partition", "3");
    md.put("correlationId", "c-42");
    md.put("pubsubName", "ps");
    md.put("x-city", "Z\u00fcrich");
    md.put("x-split", "a\r\nb");
    md.put("content-type", "text/evil");
    md.put("grpc-timeout", "1n");
    md.put("dapr-api-token", "forged");
    try (GrpcAppChannel ch = channel()) {
      assertThat(
              await(
                  ch.deliver(
                      new TopicEvent(
                          "ps",
                          "orders",
                          "orders",
                          ce,
                          "application/cloudevents+json",
                          false,
                          md))))
          .isEqualTo(TopicEventResult.SUCCESS);
      Metadata got = (Metadata) seen.get("headers");
      assertThat(header(got, "__key")).isEqualTo("k1");
      assertThat(header(got, "__partition")).isEqualTo("3");
      assertThat(header(got, "correlationid")).isEqualTo("c-42");
      assertThat(header(got, "pubsubname")).isEqualTo("ps");
      assertThat(got.containsKey(Metadata.Key.of("x-city", Metadata.ASCII_STRING_MARSHALLER)))
          .isFalse();
      assertThat(got.containsKey(Metadata.Key.of("x-split", Metadata.ASCII_STRING_MARSHALLER)))
          .isFalse();
      assertThat(header(got, "content-type")).isEqualTo("application/grpc");
      assertThat(got.getAll(Metadata.Key.of("dapr-api-token", Metadata.ASCII_STRING_MARSHALLER)))
          .containsExactly("tok");
      assertThat(((TopicEventRequest) seen.get("event")).getData().toStringUtf8()).isEqualTo("hi");

      assertThat(
              await(
                  ch.deliverBulk(
                      new BulkTopicEvent(
                          "ps",
                          "orders",
                          "orders",
                          List.of(
                              new BulkTopicEvent.Entry(
                                  "1",
                                  ce,
                                  "application/cloudevents+json",
                                  false,
                                  Map.of("__key", "k9"))),
                          Map.of("pubsubName", "ps", "batch", "b1")))))
          .containsEntry("1", TopicEventResult.SUCCESS);
      Metadata bulk = (Metadata) seen.get("headers");
      assertThat(header(bulk, "pubsubname")).isEqualTo("ps");
      assertThat(header(bulk, "batch")).isEqualTo("b1");
      assertThat(header(bulk, "__key")).isNull();
      assertThat(((TopicEventBulkRequest) seen.get("bulk")).getEntries(0).getMetadataMap())
          .containsEntry("__key", "k9");
    }
  }
}
