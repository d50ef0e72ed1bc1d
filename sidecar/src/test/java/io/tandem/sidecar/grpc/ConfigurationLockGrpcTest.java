package io.tandem.sidecar.grpc;

import static io.tandem.sidecar.fakes.FakeRegistry.component;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.rpc.ErrorInfo;
import io.dapr.v1.DaprConfigurationProtos.GetConfigurationRequest;
import io.dapr.v1.DaprConfigurationProtos.GetConfigurationResponse;
import io.dapr.v1.DaprConfigurationProtos.SubscribeConfigurationRequest;
import io.dapr.v1.DaprConfigurationProtos.SubscribeConfigurationResponse;
import io.dapr.v1.DaprConfigurationProtos.UnsubscribeConfigurationRequest;
import io.dapr.v1.DaprConfigurationProtos.UnsubscribeConfigurationResponse;
import io.dapr.v1.DaprGrpc;
import io.dapr.v1.DaprLockProtos.TryLockRequest;
import io.dapr.v1.DaprLockProtos.UnlockRequest;
import io.dapr.v1.DaprLockProtos.UnlockResponse;
import io.dapr.v1.DaprMetadataProtos.AppConnectionProperties;
import io.dapr.v1.DaprMetadataProtos.GetMetadataRequest;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.tandem.sidecar.configuration.ConfigurationService;
import io.tandem.sidecar.fakes.FakeConfigurationStore;
import io.tandem.sidecar.fakes.FakeLockStore;
import io.tandem.sidecar.fakes.FakeRegistry;
import io.tandem.sidecar.lock.LockService;
import io.tandem.sidecar.metadata.MetadataService;
import io.tandem.sidecar.metrics.SidecarMetrics;
import io.tandem.sidecar.secrets.SecretsService;
import io.tandem.sidecar.state.StateService;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The configuration and lock methods of the gRPC API, in-process, over fake stores. */
class ConfigurationLockGrpcTest {
  FakeRegistry fakes;
  FakeConfigurationStore store;
  ConfigurationService configuration;
  Server server;
  ManagedChannel channel;
  DaprGrpc.DaprBlockingStub dapr;
  SidecarMetrics metrics = SidecarMetrics.inMemory("app");

  @BeforeEach
  void setUp() throws Exception {
    fakes =
        new FakeRegistry(
            "app",
            component("config", FakeConfigurationStore.TYPE)
                + component("locks", FakeLockStore.TYPE));
    store = fakes.configuration(0);
    configuration = new ConfigurationService(fakes.registry, metrics, null, null);
    GrpcApi api =
        new GrpcApi(
                new StateService(fakes.registry, "app", "", metrics),
                new SecretsService(fakes.registry),
                new MetadataService(
                    "app",
                    "test",
                    fakes.registry,
                    AppConnectionProperties.getDefaultInstance(),
                    List.of()),
                () -> {})
            .withConfiguration(configuration)
            .withLock(new LockService(fakes.registry, "app"));
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(api).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
    dapr = DaprGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void tearDown() {
    configuration.close();
    channel.shutdownNow();
    server.shutdownNow();
    fakes.registry.close();
  }

  @Test
  void getAndItsAlpha1Twin() {
    store.write("a", "alpha", "3");
    GetConfigurationRequest req =
        GetConfigurationRequest.newBuilder().setStoreName("config").addKeys("a").build();
    for (GetConfigurationResponse res :
        List.of(dapr.getConfiguration(req), dapr.getConfigurationAlpha1(req))) {
      assertThat(res.getItemsMap()).containsOnlyKeys("a");
      assertThat(res.getItemsMap().get("a").getValue()).isEqualTo("alpha");
      assertThat(res.getItemsMap().get("a").getVersion()).isEqualTo("3");
    }
  }

  @Test
  void anUnknownStoreIsInvalidArgumentWithDaprsErrorInfo() throws Exception {
    StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () ->
                dapr.getConfiguration(
                    GetConfigurationRequest.newBuilder().setStoreName("nope").build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).isEqualTo("configuration store nope not found");
    ErrorInfo info = StatusProto.fromThrowable(e).getDetails(0).unpack(ErrorInfo.class);
    assertThat(info.getReason()).isEqualTo("ERR_CONFIGURATION_STORE_NOT_FOUND");

    Iterator<SubscribeConfigurationResponse> it =
        dapr.subscribeConfiguration(
            SubscribeConfigurationRequest.newBuilder().setStoreName("nope").build());
    assertThatThrownBy(it::next)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            x -> assertThat(x.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void theStreamSendsTheIdFirstThenUpdatesAndEndsOnUnsubscribe() {
    Iterator<SubscribeConfigurationResponse> it =
        dapr.subscribeConfiguration(
            SubscribeConfigurationRequest.newBuilder().setStoreName("config").addKeys("a").build());
    SubscribeConfigurationResponse first = it.next();
    assertThat(first.getId()).isNotEmpty();
    assertThat(first.getItemsMap()).isEmpty();

    store.write("a", "v1", "1");
    SubscribeConfigurationResponse update = it.next();
    assertThat(update.getId()).isEqualTo(first.getId());
    assertThat(update.getItemsMap().get("a").getValue()).isEqualTo("v1");
    assertThat(update.getItemsMap().get("a").getVersion()).isEqualTo("1");

    UnsubscribeConfigurationResponse unknown =
        dapr.unsubscribeConfiguration(
            UnsubscribeConfigurationRequest.newBuilder()
                .setStoreName("config")
                .setId("no-such-id")
                .build());
    assertThat(unknown.getOk()).isFalse();
    assertThat(unknown.getMessage())
        .isEqualTo(
            "failed to unsubscribe to configuration request no-such-id: subscription does not"
                + " exist");

    UnsubscribeConfigurationResponse ok =
        dapr.unsubscribeConfigurationAlpha1(
            UnsubscribeConfigurationRequest.newBuilder()
                .setStoreName("config")
                .setId(first.getId())
                .build());
    assertThat(ok.getOk()).isTrue();
    assertThat(it.hasNext()).as("the stream ended normally").isFalse();
    assertThat(store.watches).isEmpty();
  }

  @Test
  void aCancelledStreamClosesTheStoresWatch() {
    DaprGrpc.DaprStub async = DaprGrpc.newStub(channel);
    List<SubscribeConfigurationResponse> got = new CopyOnWriteArrayList<>();
    AtomicReference<Throwable> error = new AtomicReference<>();
    Context.CancellableContext ctx = Context.current().withCancellation();
    ctx.run(
        () ->
            async.subscribeConfigurationAlpha1(
                SubscribeConfigurationRequest.newBuilder().setStoreName("config").build(),
                new StreamObserver<>() {
                  @Override
                  public void onNext(SubscribeConfigurationResponse v) {
                    got.add(v);
                  }

                  @Override
                  public void onError(Throwable t) {
                    error.set(t);
                  }

                  @Override
                  public void onCompleted() {}
                }));
    await().atMost(Duration.ofSeconds(5)).until(() -> got.size() == 1);
    store.write("x", "1", "1");
    await().atMost(Duration.ofSeconds(5)).until(() -> got.size() == 2);
    assertThat(store.watches).hasSize(1);
    ctx.cancel(null);
    await().atMost(Duration.ofSeconds(5)).until(() -> store.watches.isEmpty());
    assertThat(configuration.subscriptionCount()).isZero();
  }

  @Test
  void shutdownEndsStreamsNormally() {
    Iterator<SubscribeConfigurationResponse> it =
        dapr.subscribeConfiguration(
            SubscribeConfigurationRequest.newBuilder().setStoreName("config").build());
    it.next();
    configuration.close();
    assertThat(it.hasNext()).isFalse();
    assertThat(store.watches).isEmpty();
  }

  @Test
  void tryLockAndUnlock() {
    TryLockRequest lock =
        TryLockRequest.newBuilder()
            .setStoreName("locks")
            .setResourceId("r")
            .setLockOwner("a")
            .setExpiryInSeconds(10)
            .build();
    assertThat(dapr.tryLockAlpha1(lock).getSuccess()).isTrue();
    assertThat(dapr.tryLockAlpha1(lock.toBuilder().setLockOwner("b").build()).getSuccess())
        .isFalse();
    UnlockRequest unlock =
        UnlockRequest.newBuilder()
            .setStoreName("locks")
            .setResourceId("r")
            .setLockOwner("b")
            .build();
    assertThat(dapr.unlockAlpha1(unlock).getStatus())
        .isEqualTo(UnlockResponse.Status.LOCK_BELONGS_TO_OTHERS);
    assertThat(dapr.unlockAlpha1(unlock.toBuilder().setLockOwner("a").build()).getStatus())
        .isEqualTo(UnlockResponse.Status.SUCCESS);

    assertThatThrownBy(() -> dapr.tryLockAlpha1(lock.toBuilder().setExpiryInSeconds(-1).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("ExpiryInSeconds is not positive in lock store locks");
            });
    fakes.lock(0).fail = new IllegalStateException("down");
    assertThatThrownBy(() -> dapr.unlockAlpha1(unlock))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
              assertThat(e.getStatus().getDescription()).isEqualTo("failed to release lock: down");
            });
  }

  @Test
  void metadataShowsComponentTroubleWhileItLasts() {
    fakes.lock(0).trouble = "connection refused by 127.0.0.1:6379, reconnecting";
    assertThat(dapr.getMetadata(GetMetadataRequest.getDefaultInstance()).getExtendedMetadataMap())
        .containsEntry(
            "tandem.component.locks.trouble", "connection refused by 127.0.0.1:6379, reconnecting")
        .doesNotContainKey("tandem.component.config.trouble");
    fakes.lock(0).trouble = null;
    assertThat(dapr.getMetadata(GetMetadataRequest.getDefaultInstance()).getExtendedMetadataMap())
        .doesNotContainKey("tandem.component.locks.trouble");
  }
}
