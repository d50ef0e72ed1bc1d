package io.tandem.sidecar.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.dapr.v1.CommonProtos;
import io.dapr.v1.DaprGrpc;
import io.dapr.v1.DaprMetadataProtos.AppConnectionProperties;
import io.dapr.v1.DaprMetadataProtos.GetMetadataRequest;
import io.dapr.v1.DaprStateProtos.GetStateRequest;
import io.dapr.v1.DaprStateProtos.SaveStateRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.tandem.components.ComponentFactory;
import io.tandem.components.state.memory.InMemoryStateStoreFactory;
import io.tandem.sidecar.TestResources;
import io.tandem.sidecar.api.ApiToken;
import io.tandem.sidecar.metadata.MetadataService;
import io.tandem.sidecar.metrics.SidecarMetrics;
import io.tandem.sidecar.registry.ComponentRegistry;
import io.tandem.sidecar.secrets.SecretsService;
import io.tandem.sidecar.state.StateService;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GrpcApiTest {
  ComponentRegistry registry;
  Server server;
  ManagedChannel channel;
  SidecarMetrics metrics = SidecarMetrics.inMemory("app");

  @BeforeEach
  void setUp() throws Exception {
    registry =
        new ComponentRegistry(
            TestResources.context("app", Map.of()),
            Map.<String, ComponentFactory>of("state.in-memory", new InMemoryStateStoreFactory()));
    registry.loadAll(
        TestResources.components(
            "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: {name: store}\nspec: {type: state.in-memory}\n"));
    MetadataService md =
        new MetadataService(
            "app", "test", registry, AppConnectionProperties.getDefaultInstance(), List.of());
    GrpcApi api =
        new GrpcApi(
            new StateService(registry, "app", "", metrics),
            new SecretsService(registry),
            md,
            () -> {});
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                ServerInterceptors.intercept(
                    api, new EdgeInterceptor(new ApiToken("tok"), metrics)))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    server.shutdownNow();
    registry.close();
  }

  DaprGrpc.DaprBlockingStub stub(String token) {
    Metadata h = new Metadata();
    if (token != null) {
      h.put(EdgeInterceptor.TOKEN, token);
    }
    return DaprGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
  }

  @Test
  void savesAndReadsWithTheRightToken() {
    stub("tok")
        .saveState(
            SaveStateRequest.newBuilder()
                .setStoreName("store")
                .addStates(
                    CommonProtos.StateItem.newBuilder()
                        .setKey("k")
                        .setValue(ByteString.copyFromUtf8("\"v\"")))
                .build());
    assertThat(
            stub("tok")
                .getState(GetStateRequest.newBuilder().setStoreName("store").setKey("k").build())
                .getData()
                .toStringUtf8())
        .isEqualTo("\"v\"");
    assertThat(
            metrics
                .registry()
                .find("dapr_grpc_io_server_completed_rpcs")
                .tag("grpc_server_status", "OK")
                .gauges())
        .isNotEmpty();
  }

  @Test
  void wrongOrMissingTokenIsUnauthenticated() {
    assertThatThrownBy(() -> stub("nope").getMetadata(GetMetadataRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThatThrownBy(() -> stub(null).getMetadata(GetMetadataRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
  }

  @Test
  void unknownStoreCarriesDaprsErrorInfo() throws Exception {
    StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () ->
                stub("tok")
                    .getState(
                        GetStateRequest.newBuilder().setStoreName("nope").setKey("k").build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    com.google.rpc.Status st = StatusProto.fromThrowable(e);
    ErrorInfo info = st.getDetails(0).unpack(ErrorInfo.class);
    assertThat(info.getReason()).isEqualTo("DAPR_STATE_NOT_FOUND");
    assertThat(info.getDomain()).isEqualTo("dapr.io");
    assertThat(info.getMetadataMap()).containsEntry("appID", "app");
  }
}
