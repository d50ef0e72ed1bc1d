package io.tandem.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import com.sun.net.httpserver.HttpServer;
import io.dapr.client.DaprClient;
import io.dapr.client.DaprClientBuilder;
import io.dapr.client.domain.HttpExtension;
import io.dapr.config.Properties;
import io.dapr.v1.CommonProtos.HTTPExtension;
import io.dapr.v1.CommonProtos.InvokeRequest;
import io.dapr.v1.CommonProtos.InvokeResponse;
import io.dapr.v1.DaprGrpc;
import io.dapr.v1.DaprInvokeProtos.InvokeServiceRequest;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Service invocation over gRPC: {@code Dapr/InvokeService} through the generated stubs and the
 * official Java SDK, and proxy mode to an app's own gRPC server, streaming calls included.
 */
class InvocationGrpcIT {
  static final Metadata.Key<String> APP_ID =
      Metadata.Key.of("dapr-app-id", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> CALLER_ID =
      Metadata.Key.of("dapr-caller-app-id", Metadata.ASCII_STRING_MARSHALLER);

  /** A string codec: the test's gRPC service needs no generated code. */
  static final MethodDescriptor.Marshaller<String> TEXT =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static final MethodDescriptor<String, String> UNARY =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("tandem.e2e.Echo/Unary")
          .setRequestMarshaller(TEXT)
          .setResponseMarshaller(TEXT)
          .build();
  static final MethodDescriptor<String, String> CHAT =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName("tandem.e2e.Echo/Chat")
          .setRequestMarshaller(TEXT)
          .setResponseMarshaller(TEXT)
          .build();

  @TempDir static Path dir;
  static ExecutorService threads;
  static HttpServer httpApp;
  static Server grpcApp;
  static final List<String> grpcCallers = new CopyOnWriteArrayList<>();
  static SidecarProcess httpCallee;
  static SidecarProcess grpcCallee;
  static SidecarProcess caller;
  static ManagedChannel toCaller;

  @BeforeAll
  static void start() throws Exception {
    Path registry = dir.resolve("registry.db");
    threads = Executors.newCachedThreadPool();
    httpApp = InvocationIT.TestApps.startHttpApp(threads, new CopyOnWriteArrayList<>());
    grpcApp =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(echoService())
            .intercept(
                new io.grpc.ServerInterceptor() {
                  @Override
                  public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(
                      io.grpc.ServerCall<Q, R> call,
                      Metadata headers,
                      io.grpc.ServerCallHandler<Q, R> next) {
                    grpcCallers.add(String.valueOf(headers.get(CALLER_ID)));
                    return next.startCall(call, headers);
                  }
                })
            .build()
            .start();
    String reg = registry.toString();
    httpCallee =
        SidecarProcess.launch(
            "http-callee",
            null,
            Map.of(),
            "--app-port",
            Integer.toString(httpApp.getAddress().getPort()),
            "--name-resolution-file",
            reg);
    grpcCallee =
        SidecarProcess.launch(
            "grpc-callee",
            null,
            Map.of(),
            "--app-port",
            Integer.toString(grpcApp.getPort()),
            "--app-protocol",
            "grpc",
            "--name-resolution-file",
            reg);
    caller = SidecarProcess.launch("grpc-caller", null, Map.of(), "--name-resolution-file", reg);
    httpCallee.awaitHealthy(Duration.ofSeconds(60));
    grpcCallee.awaitHealthy(Duration.ofSeconds(60));
    caller.awaitHealthy(Duration.ofSeconds(60));
    toCaller =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", caller.grpcPort, InsecureChannelCredentials.create())
            .build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (toCaller != null) {
      toCaller.shutdownNow();
    }
    for (SidecarProcess p : new SidecarProcess[] {caller, grpcCallee, httpCallee}) {
      if (p != null) {
        p.close();
      }
    }
    if (grpcApp != null) {
      grpcApp.shutdownNow();
    }
    if (httpApp != null) {
      httpApp.stop(0);
    }
    if (threads != null) {
      threads.shutdownNow();
    }
  }

  static ServerServiceDefinition echoService() {
    return ServerServiceDefinition.builder("tandem.e2e.Echo")
        .addMethod(
            UNARY,
            ServerCalls.asyncUnaryCall(
                (String req, StreamObserver<String> out) -> {
                  if (req.equals("fail")) {
                    out.onError(
                        Status.FAILED_PRECONDITION.withDescription("as asked").asException());
                    return;
                  }
                  out.onNext("echo:" + req);
                  out.onCompleted();
                }))
        .addMethod(
            CHAT,
            ServerCalls.asyncBidiStreamingCall(
                (StreamObserver<String> out) ->
                    new StreamObserver<String>() {
                      int n;

                      @Override
                      public void onNext(String msg) {
                        out.onNext((++n) + ":" + msg);
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        out.onNext("done after " + n);
                        out.onCompleted();
                      }
                    }))
        .build();
  }

  static DaprGrpc.DaprBlockingStub dapr() {
    return DaprGrpc.newBlockingStub(toCaller).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @Test
  void invokeServiceReachesAnHttpApp() {
    InvokeResponse res =
        dapr()
            .invokeService(
                InvokeServiceRequest.newBuilder()
                    .setId("http-callee")
                    .setMessage(
                        InvokeRequest.newBuilder()
                            .setMethod("echo")
                            .setContentType("text/plain")
                            .setData(Any.newBuilder().setValue(ByteString.copyFromUtf8("hello")))
                            .setHttpExtension(
                                HTTPExtension.newBuilder()
                                    .setVerb(HTTPExtension.Verb.POST)
                                    .setQuerystring("a=1")))
                    .build());
    assertThat(res.getData().getValue().toStringUtf8()).isEqualTo("hello");
    assertThat(res.getContentType()).isEqualTo("text/plain");
  }

  @Test
  void invokeServiceRendersAnHttpErrorAsDaprDoes() {
    assertThatThrownBy(
            () ->
                dapr()
                    .invokeService(
                        InvokeServiceRequest.newBuilder()
                            .setId("http-callee")
                            .setMessage(
                                InvokeRequest.newBuilder()
                                    .setMethod("status/404")
                                    .setHttpExtension(
                                        HTTPExtension.newBuilder().setVerb(HTTPExtension.Verb.GET)))
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(
                      e.getTrailers()
                          .get(
                              Metadata.Key.of(
                                  "dapr-http-status", Metadata.ASCII_STRING_MARSHALLER)))
                  .isEqualTo("404");
              ErrorInfo info = errorInfo(e);
              assertThat(info.getMetadataMap()).containsEntry("http.code", "404");
              assertThat(info.getMetadataMap()).containsEntry("http.error_message", "status 404");
            });
  }

  @Test
  void invokeServiceRefusesUnknownAppsAndBadMethods() {
    assertThatThrownBy(
            () ->
                dapr()
                    .invokeService(
                        InvokeServiceRequest.newBuilder()
                            .setId("nosuch")
                            .setMessage(InvokeRequest.newBuilder().setMethod("x"))
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("failed to invoke, id: nosuch, err: app id nosuch is not registered");
            });
    assertThatThrownBy(
            () ->
                dapr()
                    .invokeService(
                        InvokeServiceRequest.newBuilder()
                            .setId("http-callee")
                            .setMessage(InvokeRequest.newBuilder().setMethod("../admin"))
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void theJavaSdkInvokesOverHttp() throws Exception {
    try (DaprClient client =
        new DaprClientBuilder()
            .withPropertyOverride(Properties.HTTP_PORT, Integer.toString(caller.httpPort))
            .withPropertyOverride(Properties.GRPC_PORT, Integer.toString(caller.grpcPort))
            .build()) {
      String echoed =
          client
              .invokeMethod("http-callee", "echo", "from the sdk", HttpExtension.POST, String.class)
              .block(Duration.ofSeconds(30));
      assertThat(echoed).isEqualTo("from the sdk");
    }
  }

  @Test
  void proxyModeForwardsAUnaryCallToTheAppsGrpcServer() {
    String reply =
        ClientCalls.blockingUnaryCall(
            withAppId("grpc-callee"),
            UNARY,
            CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
            "hi");
    assertThat(reply).isEqualTo("echo:hi");
    assertThat(grpcCallers).contains("grpc-caller");

    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    withAppId("grpc-callee"), UNARY, CallOptions.DEFAULT, "fail"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.getStatus().getDescription()).isEqualTo("as asked");
            });
  }

  @Test
  void proxyModeCarriesBidirectionalStreams() throws Exception {
    List<String> received = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<String> requests =
        ClientCalls.asyncBidiStreamingCall(
            withAppId("grpc-callee").newCall(CHAT, CallOptions.DEFAULT),
            new StreamObserver<>() {
              @Override
              public void onNext(String value) {
                received.add(value);
              }

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                done.complete(null);
              }
            });
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 50; i++) {
      requests.onNext("m" + i);
      expected.add(i + ":m" + i);
    }
    requests.onCompleted();
    expected.add("done after 50");
    done.get(30, TimeUnit.SECONDS);
    assertThat(received).containsExactlyElementsOf(expected);
  }

  @Test
  void proxyModeErrors() {
    // no dapr-app-id: the sidecar does not serve the method
    assertThatThrownBy(
            () -> ClientCalls.blockingUnaryCall(toCaller, UNARY, CallOptions.DEFAULT, "x"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
    // an unknown app
    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(withAppId("nosuch"), UNARY, CallOptions.DEFAULT, "x"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e ->
                assertThat(e.getStatus().getDescription())
                    .isEqualTo(
                        "failed to invoke, id: nosuch, err: app id nosuch is not registered"));
    // an app that does not speak gRPC
    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    withAppId("http-callee"), UNARY, CallOptions.DEFAULT, "x"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getDescription()).contains("not gRPC"));
  }

  static io.grpc.Channel withAppId(String appId) {
    Metadata md = new Metadata();
    md.put(APP_ID, appId);
    return ClientInterceptors.intercept(toCaller, MetadataUtils.newAttachHeadersInterceptor(md));
  }

  static ErrorInfo errorInfo(StatusRuntimeException e) {
    com.google.rpc.Status s = StatusProto.fromThrowable(e);
    assertThat(s).isNotNull();
    for (Any d : s.getDetailsList()) {
      if (d.is(ErrorInfo.class)) {
        try {
          return d.unpack(ErrorInfo.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
          throw new IllegalStateException(ex);
        }
      }
    }
    throw new AssertionError("no ErrorInfo in " + s);
  }
}
