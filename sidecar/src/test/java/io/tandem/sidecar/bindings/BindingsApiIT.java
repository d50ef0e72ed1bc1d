package io.tandem.sidecar.bindings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import com.sun.net.httpserver.HttpServer;
import io.dapr.v1.DaprBindingsProtos.InvokeBindingRequest;
import io.dapr.v1.DaprBindingsProtos.InvokeBindingResponse;
import io.dapr.v1.DaprGrpc;
import io.dapr.v1.DaprMetadataProtos.AppConnectionProperties;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.tandem.components.ComponentFactory;
import io.tandem.sidecar.TestResources;
import io.tandem.sidecar.api.ApiToken;
import io.tandem.sidecar.grpc.GrpcApi;
import io.tandem.sidecar.http.HttpApi;
import io.tandem.sidecar.metadata.MetadataService;
import io.tandem.sidecar.metrics.SidecarMetrics;
import io.tandem.sidecar.registry.ComponentRegistry;
import io.tandem.sidecar.secrets.SecretsService;
import io.tandem.sidecar.state.StateService;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bindings API over both transports, with the real {@code bindings.http} calling a local
 * server, the HTTP API on a real Vert.x port and the gRPC API in-process.
 */
class BindingsApiIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> targetSaw = new CopyOnWriteArrayList<>();
  static HttpServer target;
  static Vertx vertx;
  static io.vertx.core.http.HttpServer api;
  static ComponentRegistry registry;
  static Server grpcServer;
  static ManagedChannel channel;
  static DaprGrpc.DaprBlockingStub grpc;
  static final SidecarMetrics metrics = SidecarMetrics.inMemory("app");
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    target.createContext(
        "/",
        ex -> {
          String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          targetSaw.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " " + body);
          int status = ex.getRequestURI().getPath().endsWith("/missing") ? 404 : 200;
          byte[] out = ("{\"got\":" + (body.isEmpty() ? "null" : body) + "}").getBytes();
          ex.getResponseHeaders().add("X-Target", "yes");
          ex.sendResponseHeaders(status, out.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(out);
          }
        });
    target.start();
    String url = "http://127.0.0.1:" + target.getAddress().getPort() + "/api";

    Map<String, ComponentFactory> factories = new HashMap<>(ComponentRegistry.discoverFactories());
    factories.put("bindings.fake", new FakeBindingFactory());
    registry = new ComponentRegistry(TestResources.context("app", Map.of()), factories);
    registry.loadAll(
        TestResources.components(
            "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: {name: web}\n"
                + "spec:\n  type: bindings.http\n  version: v1\n  metadata:\n"
                + "  - {name: url, value: \""
                + url
                + "\"}\n---\n"
                + "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: {name: fake}\n"
                + "spec: {type: bindings.fake, version: v1}\n"));
    BindingsService bindings = new BindingsService(registry, new FakeAppChannel(), true, metrics);
    StateService state = new StateService(registry, "app", "", metrics);
    SecretsService secrets = new SecretsService(registry);
    MetadataService md =
        new MetadataService(
            "app", "test", registry, AppConnectionProperties.getDefaultInstance(), List.of());

    vertx = Vertx.vertx();
    HttpApi httpApi =
        new HttpApi(
                state,
                secrets,
                md,
                metrics,
                new ApiToken(null),
                4 * 1024 * 1024,
                () -> true,
                () -> true,
                () -> {})
            .withBindings(bindings);
    api =
        vertx
            .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
            .requestHandler(httpApi.router(vertx))
            .listen()
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);

    String name = InProcessServerBuilder.generateName();
    grpcServer =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(new GrpcApi(state, secrets, md, () -> {}).withBindings(bindings))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    grpc = DaprGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow();
    grpcServer.shutdownNow();
    api.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    registry.close();
    target.stop(0);
  }

  static HttpResponse<String> post(String method, String binding, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + api.actualPort() + "/v1.0/bindings/" + binding))
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .header("content-type", "application/json")
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void httpPostInvokesTheBindingAndReturnsDataAndMetadata() throws Exception {
    HttpResponse<String> r =
        post(
            "POST",
            "web",
            "{\"operation\":\"post\",\"data\":{\"n\":1},\"metadata\":{\"path\":\"/orders\"}}");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"got\":{\"n\":1}}");
    assertThat(r.headers().firstValue("metadata.statusCode")).hasValue("200");
    assertThat(r.headers().firstValue("metadata.status")).hasValue("200 OK");
    assertThat(r.headers().firstValue("metadata.X-Target")).hasValue("yes");
    assertThat(targetSaw).contains("POST /api/orders {\"n\":1}");
  }

  @Test
  void httpPutIsAcceptedToo() throws Exception {
    HttpResponse<String> r = post("PUT", "web", "{\"operation\":\"get\"}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"got\":null}");
  }

  @Test
  void httpNoResponseIs204() throws Exception {
    HttpResponse<String> r = post("POST", "fake", "{\"operation\":\"none\"}");
    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(r.body()).isEmpty();
  }

  @Test
  void httpFailureIsDaprsErrorWithTheResponseMetadata() throws Exception {
    HttpResponse<String> r =
        post("POST", "web", "{\"operation\":\"get\",\"metadata\":{\"path\":\"/missing\"}}");

    assertThat(r.statusCode()).isEqualTo(500);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.path("errorCode").asText()).isEqualTo("ERR_INVOKE_OUTPUT_BINDING");
    assertThat(body.path("message").asText())
        .isEqualTo("error invoking output binding web: received status code 404");
    assertThat(r.headers().firstValue("metadata.statusCode")).hasValue("404");
  }

  @Test
  void httpUnknownBindingAndOperation() throws Exception {
    HttpResponse<String> unknown = post("POST", "nope", "{\"operation\":\"create\"}");
    assertThat(unknown.statusCode()).isEqualTo(500);
    assertThat(JSON.readTree(unknown.body()).path("message").asText())
        .isEqualTo("error invoking output binding nope: couldn't find output binding nope");

    HttpResponse<String> badOp = post("POST", "web", "{\"operation\":\"connect\"}");
    assertThat(badOp.statusCode()).isEqualTo(500);
    assertThat(JSON.readTree(badOp.body()).path("message").asText())
        .startsWith("error invoking output binding web: binding web does not support operation")
        .contains("create delete get head options patch post put trace");
  }

  @Test
  void httpMalformedBodyIs400() throws Exception {
    HttpResponse<String> r = post("POST", "web", "{not json");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).path("errorCode").asText())
        .isEqualTo("ERR_MALFORMED_REQUEST");
  }

  @Test
  void grpcInvokeBindingReturnsDataAndMetadata() {
    InvokeBindingResponse r =
        grpc.invokeBinding(
            InvokeBindingRequest.newBuilder()
                .setName("web")
                .setOperation("create")
                .setData(ByteString.copyFromUtf8("[1,2]"))
                .putMetadata("path", "/grpc")
                .build());
    assertThat(r.getData().toStringUtf8()).isEqualTo("{\"got\":[1,2]}");
    assertThat(r.getMetadataMap())
        .containsEntry("statusCode", "200")
        .containsEntry("X-Target", "yes");
    assertThat(targetSaw).contains("POST /api/grpc [1,2]");
  }

  @Test
  void grpcNoResponseIsAnEmptyMessage() {
    InvokeBindingResponse r =
        grpc.invokeBinding(
            InvokeBindingRequest.newBuilder().setName("fake").setOperation("none").build());
    assertThat(r).isEqualTo(InvokeBindingResponse.getDefaultInstance());
  }

  @Test
  void grpcFailureIsInternalWithErrorInfoAndMetadataTrailers() {
    assertThatThrownBy(
            () ->
                grpc.invokeBinding(
                    InvokeBindingRequest.newBuilder()
                        .setName("web")
                        .setOperation("get")
                        .putMetadata("path", "/missing")
                        .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("error invoking output binding web: received status code 404");
              assertThat(
                      e.getTrailers()
                          .get(
                              Metadata.Key.of(
                                  "metadata.statuscode", Metadata.ASCII_STRING_MARSHALLER)))
                  .isEqualTo("404");
              com.google.rpc.Status s = StatusProto.fromThrowable(e);
              assertThat(s.getDetailsList())
                  .singleElement()
                  .satisfies(
                      any -> {
                        ErrorInfo info = any.unpack(ErrorInfo.class);
                        assertThat(info.getReason()).isEqualTo("ERR_INVOKE_OUTPUT_BINDING");
                        assertThat(info.getDomain()).isEqualTo("dapr.io");
                      });
            });
  }

  @Test
  void grpcUnknownBinding() {
    assertThatThrownBy(
            () ->
                grpc.invokeBinding(
                    InvokeBindingRequest.newBuilder().setName("nope").setOperation("get").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo(
                      "error invoking output binding nope: couldn't find output binding nope");
            });
  }
}
