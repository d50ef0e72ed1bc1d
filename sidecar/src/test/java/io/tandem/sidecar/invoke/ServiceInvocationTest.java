package io.tandem.sidecar.invoke;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import io.tandem.sidecar.appchannel.AppChannel;
import io.tandem.sidecar.appchannel.AppRequest;
import io.tandem.sidecar.appchannel.AppResponse;
import io.tandem.sidecar.appchannel.AppSubscription;
import io.tandem.sidecar.appchannel.BindingEventResult;
import io.tandem.sidecar.appchannel.BulkTopicEvent;
import io.tandem.sidecar.appchannel.TopicEvent;
import io.tandem.sidecar.appchannel.TopicEventResult;
import io.tandem.sidecar.metrics.SidecarMetrics;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The invocation path end to end inside one JVM: caller service, the internal {@code Invoke} RPC
 * in-process, the callee service and a fake app.
 */
class ServiceInvocationTest {
  static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  Vertx vertx;
  Server server;
  SidecarChannels channels;
  SidecarMetrics callerMetrics = SidecarMetrics.inMemory("caller");
  SidecarMetrics calleeMetrics = SidecarMetrics.inMemory("callee");
  FakeApp calleeApp = new FakeApp();
  FakeApp callerApp = new FakeApp();
  List<AppAddress> forgotten = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(new CalleeService(vertx, "callee", calleeApp, calleeMetrics))
            .build()
            .start();
    channels =
        new SidecarChannels(a -> InProcessChannelBuilder.forName(name).directExecutor().build());
  }

  @AfterEach
  void tearDown() throws Exception {
    channels.close();
    server.shutdownNow();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  ServiceInvocation service(Duration timeout) {
    NameResolver resolver =
        new NameResolver() {
          @Override
          public Future<AppAddress> resolve(String appId, String namespace) {
            return appId.equals("callee")
                ? Future.succeededFuture(new AppAddress("callee", namespace, "in-process", 1))
                : Future.failedFuture(new NotRegisteredException(appId));
          }

          @Override
          public void forget(AppAddress address) {
            forgotten.add(address);
          }

          @Override
          public void close() {}
        };
    return new ServiceInvocation(
        "caller", "", callerApp, resolver, channels, callerMetrics, timeout);
  }

  /** Invokes on a Vert.x context and reads the whole answer. */
  Answer call(ServiceInvocation svc, String target, ServiceInvocation.Request req)
      throws Exception {
    CompletableFuture<Answer> done = new CompletableFuture<>();
    vertx
        .getOrCreateContext()
        .runOnContext(
            v ->
                svc.invoke(target, req)
                    .compose(
                        res ->
                            InMemoryBody.collect(res.body(), Long.MAX_VALUE)
                                .map(b -> new Answer(res.status(), res.headers(), b)))
                    .onComplete(
                        ar -> {
                          if (ar.succeeded()) {
                            done.complete(ar.result());
                          } else {
                            done.completeExceptionally(ar.cause());
                          }
                        }));
    try {
      return done.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  record Answer(int status, MultiMap headers, Buffer body) {}

  ServiceInvocation.Request request(String verb, String method, MultiMap headers, Buffer body) {
    return new ServiceInvocation.Request(
        verb,
        MethodPath.fromEncoded(method),
        "q=1",
        headers,
        body == null ? null : new ChunkedBody(vertx, body, 10_000));
  }

  @Test
  void aCallReachesTheCalleesAppWithItsHeadersAndComesBackUnchanged() throws Exception {
    calleeApp.answer =
        req ->
            InMemoryBody.collect(req.body(), Long.MAX_VALUE)
                .map(
                    b ->
                        new AppResponse(
                            201,
                            MultiMap.caseInsensitiveMultiMap()
                                .add("x-app", "yes")
                                .add("set-cookie", "a=1")
                                .add("set-cookie", "b=2")
                                .add("connection", "close"),
                            new InMemoryBody(vertx.getOrCreateContext(), b)));
    MultiMap headers =
        MultiMap.caseInsensitiveMultiMap()
            .add("x-custom", "v")
            .add("traceparent", TRACEPARENT)
            .add("dapr-api-token", "secret")
            .add("dapr-caller-app-id", "spoofed")
            .add("connection", "keep-alive, x-hop")
            .add("x-hop", "h")
            .add("content-type", "text/plain");

    Answer a =
        call(
            service(Duration.ofSeconds(10)),
            "callee",
            request("POST", "a%20b/c", headers, Buffer.buffer("hello")));

    assertThat(a.status()).isEqualTo(201);
    assertThat(a.body().toString()).isEqualTo("hello");
    assertThat(a.headers().getAll("set-cookie")).containsExactly("a=1", "b=2");
    assertThat(a.headers().get("x-app")).isEqualTo("yes");
    assertThat(a.headers().contains("connection")).isFalse();

    AppRequest seen = calleeApp.requests.get(0);
    assertThat(seen.verb()).isEqualTo("POST");
    assertThat(seen.path()).isEqualTo("a%20b/c");
    assertThat(seen.query()).isEqualTo("q=1");
    assertThat(seen.headers().get("x-custom")).isEqualTo("v");
    assertThat(seen.headers().get("content-type")).isEqualTo("text/plain");
    assertThat(seen.headers().get("dapr-caller-app-id")).isEqualTo("caller");
    assertThat(seen.headers().get("dapr-callee-app-id")).isEqualTo("callee");
    assertThat(seen.headers().contains("dapr-api-token")).isFalse();
    assertThat(seen.headers().contains("x-hop")).isFalse();
    assertThat(seen.headers().contains("connection")).isFalse();
    assertThat(TraceContext.traceId(seen.headers().get("traceparent")))
        .isEqualTo("0af7651916cd43dd8448eb211c80319c");
  }

  @Test
  void largeBodiesCrossInManyFramesBothWays() throws Exception {
    byte[] data = new byte[3 * 1024 * 1024 + 123];
    new Random(5).nextBytes(data);
    calleeApp.answer =
        req ->
            InMemoryBody.collect(req.body(), Long.MAX_VALUE)
                .map(
                    b ->
                        new AppResponse(
                            200,
                            MultiMap.caseInsensitiveMultiMap(),
                            new ChunkedBody(vertx, b, 50_000)));

    Answer a =
        call(
            service(Duration.ofSeconds(10)),
            "callee",
            request("PUT", "blob", MultiMap.caseInsensitiveMultiMap(), Buffer.buffer(data)));

    assertThat(a.body().getBytes()).isEqualTo(data);
  }

  @Test
  void aRequestWithoutABodyGivesTheAppNone() throws Exception {
    calleeApp.answer =
        req ->
            Future.succeededFuture(new AppResponse(204, MultiMap.caseInsensitiveMultiMap(), null));
    Answer a =
        call(
            service(Duration.ofSeconds(10)),
            "callee",
            request("GET", "x", MultiMap.caseInsensitiveMultiMap(), null));
    assertThat(a.status()).isEqualTo(204);
    assertThat(calleeApp.requests.get(0).body()).isNull();
  }

  @Test
  void metricsCountBothEnds() throws Exception {
    calleeApp.answer =
        req ->
            Future.succeededFuture(new AppResponse(202, MultiMap.caseInsensitiveMultiMap(), null));
    call(
        service(Duration.ofSeconds(10)),
        "callee",
        request("GET", "x", MultiMap.caseInsensitiveMultiMap(), null));

    assertThat(
            callerMetrics
                .registry()
                .get("dapr_runtime_service_invocation_req_sent")
                .tags("dst_app_id", "callee", "type", "unary")
                .counter()
                .count())
        .isEqualTo(1.0);
    assertThat(
            callerMetrics
                .registry()
                .get("dapr_runtime_service_invocation_res_recv")
                .tags("src_app_id", "callee", "status", "202")
                .counter()
                .count())
        .isEqualTo(1.0);
    assertThat(
            calleeMetrics
                .registry()
                .get("dapr_runtime_service_invocation_req_recv")
                .tags("src_app_id", "caller")
                .counter()
                .count())
        .isEqualTo(1.0);
    assertThat(
            calleeMetrics
                .registry()
                .get("dapr_runtime_service_invocation_res_sent")
                .tags("dst_app_id", "caller", "status", "202")
                .counter()
                .count())
        .isEqualTo(1.0);
  }

  @Test
  void anUnreachableAppIsADirectInvokeErrorNamingTheCause() {
    calleeApp.answer =
        req ->
            Future.failedFuture(
                new java.io.IOException("app at 127.0.0.1:1 is unreachable: Connection refused"));
    assertThatThrownBy(
            () ->
                call(
                    service(Duration.ofSeconds(10)),
                    "callee",
                    request("GET", "x", MultiMap.caseInsensitiveMultiMap(), null)))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.error()).isEqualTo(ApiError.DIRECT_INVOKE);
              assertThat(e.getMessage())
                  .isEqualTo(
                      "failed to invoke, id: callee, err: app at 127.0.0.1:1 is unreachable:"
                          + " Connection refused");
            });
    assertThat(forgotten).as("the callee sidecar answered: keep it").isEmpty();
  }

  @Test
  void anUnknownAppIsNotRegistered() {
    assertThatThrownBy(
            () ->
                call(
                    service(Duration.ofSeconds(10)),
                    "nosuch",
                    request("GET", "x", MultiMap.caseInsensitiveMultiMap(), null)))
        .isInstanceOf(ApiException.class)
        .hasMessage("failed to invoke, id: nosuch, err: app id nosuch is not registered");
  }

  @Test
  void anAppThatNeverAnswersTimesOut() {
    calleeApp.answer = req -> Promise.<AppResponse>promise().future();
    assertThatThrownBy(
            () ->
                call(
                    service(Duration.ofMillis(200)),
                    "callee",
                    request("GET", "slow", MultiMap.caseInsensitiveMultiMap(), null)))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.error()).isEqualTo(ApiError.DIRECT_INVOKE);
              assertThat(e.getMessage())
                  .isEqualTo("failed to invoke, id: callee, err: timed out after 200ms");
            });
  }

  @Test
  void aBodyPastTheLimitFailsWith413() {
    calleeApp.answer =
        req ->
            InMemoryBody.collect(req.body(), Long.MAX_VALUE)
                .map(b -> new AppResponse(200, MultiMap.caseInsensitiveMultiMap(), null));
    ServiceInvocation.Request req =
        new ServiceInvocation.Request(
            "POST",
            MethodPath.fromEncoded("upload"),
            "",
            MultiMap.caseInsensitiveMultiMap(),
            new LimitedBody(
                new ChunkedBody(vertx, Buffer.buffer(new byte[100_000]), 10_000), 50_000));
    assertThatThrownBy(() -> call(service(Duration.ofSeconds(10)), "callee", req))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.error()).isEqualTo(ApiError.BODY_TOO_LARGE));
  }

  @Test
  void aMalformedTargetIsRefused() {
    assertThatThrownBy(
            () ->
                call(
                    service(Duration.ofSeconds(10)),
                    "a.b.c",
                    request("GET", "x", MultiMap.caseInsensitiveMultiMap(), null)))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("invalid app id a.b.c");
  }

  @Test
  void invokingThisAppGoesStraightToItsChannel() throws Exception {
    callerApp.answer =
        req ->
            Future.succeededFuture(new AppResponse(200, MultiMap.caseInsensitiveMultiMap(), null));
    Answer a =
        call(
            service(Duration.ofSeconds(10)),
            "caller",
            request("GET", "self", MultiMap.caseInsensitiveMultiMap(), null));
    assertThat(a.status()).isEqualTo(200);
    assertThat(calleeApp.requests).isEmpty();
    AppRequest seen = callerApp.requests.get(0);
    assertThat(seen.headers().get("dapr-caller-app-id")).isEqualTo("caller");
    assertThat(seen.headers().get("dapr-callee-app-id")).isEqualTo("caller");
    assertThat(TraceContext.isValid(seen.headers().get("traceparent"))).isTrue();
  }

  @Test
  void anInvalidMethodRendersAsDaprsError() {
    ApiException e =
        ServiceInvocation.invalidMethod(
            "callee",
            new MethodPath.InvalidMethodException("method contains forbidden character '#'"));
    assertThat(e.errorCode()).isEqualTo("ERR_DIRECT_INVOKE");
    assertThat(e.error().httpStatus()).isEqualTo(400);
    assertThat(e.getMessage())
        .isEqualTo(
            "failed to invoke, id: callee, err: invalid method: method contains forbidden"
                + " character '#'");
  }

  /** A body emitted in slices on the event loop, honouring pause and fetch. */
  static final class ChunkedBody implements ReadStream<Buffer> {
    private final io.vertx.core.Context context;
    private final Buffer data;
    private final int slice;
    private int pos;
    private long demand;
    private boolean scheduled;
    private io.vertx.core.Handler<Buffer> handler;
    private io.vertx.core.Handler<Void> endHandler;

    ChunkedBody(Vertx vertx, Buffer data, int slice) {
      this.context = vertx.getOrCreateContext();
      this.data = data;
      this.slice = slice;
    }

    @Override
    public ChunkedBody exceptionHandler(io.vertx.core.Handler<Throwable> h) {
      return this;
    }

    @Override
    public ChunkedBody handler(io.vertx.core.Handler<Buffer> h) {
      handler = h;
      return this;
    }

    @Override
    public ChunkedBody pause() {
      demand = 0;
      return this;
    }

    @Override
    public ChunkedBody resume() {
      return fetch(Long.MAX_VALUE);
    }

    @Override
    public ChunkedBody fetch(long amount) {
      demand = Math.max(demand, amount);
      schedule();
      return this;
    }

    @Override
    public ChunkedBody endHandler(io.vertx.core.Handler<Void> h) {
      endHandler = h;
      return this;
    }

    private void schedule() {
      if (!scheduled) {
        scheduled = true;
        context.runOnContext(v -> emit());
      }
    }

    private void emit() {
      scheduled = false;
      if (demand <= 0 || handler == null || pos > data.length()) {
        return;
      }
      if (pos == data.length()) {
        pos++;
        if (endHandler != null) {
          endHandler.handle(null);
        }
        return;
      }
      int end = Math.min(data.length(), pos + slice);
      Buffer b = data.getBuffer(pos, end);
      pos = end;
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      handler.handle(b);
      schedule();
    }
  }

  /** An app that answers with {@link #answer} and remembers what it was asked. */
  static final class FakeApp implements AppChannel {
    final List<AppRequest> requests = new CopyOnWriteArrayList<>();
    volatile Function<AppRequest, Future<AppResponse>> answer =
        req -> Future.failedFuture(new IllegalStateException("no answer set"));

    @Override
    public Future<AppResponse> invoke(AppRequest request) {
      requests.add(request);
      return answer.apply(request);
    }

    @Override
    public Future<List<AppSubscription>> subscriptions() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<TopicEventResult> deliver(TopicEvent event) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<Map<String, TopicEventResult>> deliverBulk(BulkTopicEvent event) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<Boolean> acceptsBinding(String name) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<BindingEventResult> deliverBinding(
        String name, byte[] data, Map<String, String> metadata) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<Boolean> probeHealth() {
      return Future.succeededFuture(true);
    }

    @Override
    public Future<Boolean> isListening() {
      return Future.succeededFuture(true);
    }

    @Override
    public void close() {}
  }
}
