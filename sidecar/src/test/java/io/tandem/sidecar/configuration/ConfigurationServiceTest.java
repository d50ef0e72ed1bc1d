package io.tandem.sidecar.configuration;

import static io.tandem.sidecar.fakes.FakeRegistry.component;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dapr.v1.DaprConfigurationProtos.GetConfigurationRequest;
import io.dapr.v1.DaprConfigurationProtos.GetConfigurationResponse;
import io.dapr.v1.DaprConfigurationProtos.SubscribeConfigurationRequest;
import io.tandem.components.configuration.ConfigurationItem;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import io.tandem.sidecar.fakes.FakeConfigurationStore;
import io.tandem.sidecar.fakes.FakeLockStore;
import io.tandem.sidecar.fakes.FakeRegistry;
import io.tandem.sidecar.metrics.SidecarMetrics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConfigurationServiceTest {
  FakeRegistry fakes;
  FakeConfigurationStore store;
  ConfigurationService service;
  SidecarMetrics metrics = SidecarMetrics.inMemory("app");

  /** What a sink heard, in order: "started:<id>", "update:<key>=<value>", "ended". */
  static final class Recorder implements ConfigurationSink {
    final List<String> heard = new CopyOnWriteArrayList<>();

    @Override
    public void started(String id) {
      heard.add("started:" + id);
    }

    @Override
    public void update(String id, Map<String, ConfigurationItem> items) {
      items.forEach((k, v) -> heard.add("update:" + k + "=" + v.value()));
    }

    @Override
    public void ended() {
      heard.add("ended");
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    fakes =
        new FakeRegistry(
            "app",
            component("config", FakeConfigurationStore.TYPE)
                + component("locks", FakeLockStore.TYPE));
    store = fakes.configuration(0);
    service = new ConfigurationService(fakes.registry, metrics, null, null);
  }

  @AfterEach
  void tearDown() {
    service.close();
    fakes.registry.close();
  }

  static <T> T join(CompletionStage<T> s) {
    return s.toCompletableFuture().join();
  }

  static ApiException failure(CompletionStage<?> s) {
    try {
      s.toCompletableFuture().join();
    } catch (CompletionException e) {
      return (ApiException) e.getCause();
    }
    throw new AssertionError("expected a failure");
  }

  static GetConfigurationRequest get(String store, String... keys) {
    return GetConfigurationRequest.newBuilder()
        .setStoreName(store)
        .addAllKeys(List.of(keys))
        .build();
  }

  static SubscribeConfigurationRequest subscribe(String store, String... keys) {
    return SubscribeConfigurationRequest.newBuilder()
        .setStoreName(store)
        .addAllKeys(List.of(keys))
        .build();
  }

  @Test
  void getReturnsTheItemsAndPassesTheMetadata() {
    store.write("a", "alpha", "1");
    store.write("b", "beta", "2");
    GetConfigurationResponse res =
        join(
            service.get(
                GetConfigurationRequest.newBuilder()
                    .setStoreName("config")
                    .addKeys("a")
                    .addKeys("missing")
                    .putMetadata("x", "y")
                    .build()));
    assertThat(res.getItemsMap()).containsOnlyKeys("a");
    assertThat(res.getItemsMap().get("a").getValue()).isEqualTo("alpha");
    assertThat(res.getItemsMap().get("a").getVersion()).isEqualTo("1");
    assertThat(store.lastMetadata).isEqualTo(Map.of("x", "y"));
    assertThat(join(service.get(get("config"))).getItemsMap()).containsOnlyKeys("a", "b");
  }

  @Test
  void storeErrorsAsDapr() throws Exception {
    ApiException e = failure(service.get(get("locks", "a")));
    assertThat(e.error()).isEqualTo(ApiError.CONFIGURATION_STORE_NOT_FOUND);
    assertThat(e.getMessage()).isEqualTo("configuration store locks not found");
    assertThatThrownBy(() -> service.subscribe(subscribe("nope"), new Recorder()))
        .isInstanceOfSatisfying(
            ApiException.class,
            x -> assertThat(x.errorCode()).isEqualTo("ERR_CONFIGURATION_STORE_NOT_FOUND"));

    store.failGet = new IllegalStateException("connection refused");
    e = failure(service.get(get("config", "a", "b")));
    assertThat(e.errorCode()).isEqualTo("ERR_CONFIGURATION_GET");
    assertThat(e.getMessage())
        .isEqualTo("failed to get [a b] from Configuration store config: connection refused");

    FakeRegistry empty = new FakeRegistry("app", component("locks", FakeLockStore.TYPE));
    try {
      ConfigurationService none = new ConfigurationService(empty.registry, metrics, null, null);
      e = failure(none.get(get("config")));
      assertThat(e.errorCode()).isEqualTo("ERR_CONFIGURATION_STORE_NOT_CONFIGURED");
      assertThat(e.getMessage()).isEqualTo("configuration stores not configured");
    } finally {
      empty.registry.close();
    }
  }

  @Test
  void aSubscriptionStartsThenHearsEachChangeThenEnds() {
    Recorder sink = new Recorder();
    ConfigurationService.Subscription s = service.subscribe(subscribe("config", "a"), sink);
    assertThat(join(s.started())).isEqualTo(s.id());
    store.write("a", "v1", "1");
    store.write("other", "x", "1");
    store.delete("a");
    assertThat(service.subscriptionCount()).isEqualTo(1);
    s.close();
    store.write("a", "after", "2");
    assertThat(sink.heard)
        .containsExactly("started:" + s.id(), "update:a=v1", "update:a=", "ended");
    assertThat(store.watches).isEmpty();
    assertThat(service.subscriptionCount()).isZero();
  }

  @Test
  void updatesThatComeBeforeTheWatchIsConfirmedFollowTheStart() {
    store.subscribeGate = new CompletableFuture<>();
    Recorder sink = new Recorder();
    ConfigurationService.Subscription s = service.subscribe(subscribe("config"), sink);
    store.notifyOnly("a", "early", "1");
    assertThat(sink.heard).isEmpty();
    store.subscribeGate.complete(null);
    assertThat(sink.heard).containsExactly("started:" + s.id(), "update:a=early");
  }

  @Test
  void closedBeforeTheStoreAnsweredClosesTheWatchWhenItComes() {
    store.subscribeGate = new CompletableFuture<>();
    Recorder sink = new Recorder();
    ConfigurationService.Subscription s = service.subscribe(subscribe("config"), sink);
    s.close();
    store.subscribeGate.complete(null);
    assertThat(failure(s.started()).errorCode()).isEqualTo("ERR_CONFIGURATION_SUBSCRIBE");
    assertThat(store.watches).isEmpty();
    assertThat(sink.heard).isEmpty();
  }

  @Test
  void aRefusedWatchFailsTheStart() {
    store.failSubscribe = new IllegalStateException("no server");
    ConfigurationService.Subscription s =
        service.subscribe(subscribe("config", "a"), new Recorder());
    ApiException e = failure(s.started());
    assertThat(e.error()).isEqualTo(ApiError.CONFIGURATION_SUBSCRIBE);
    assertThat(e.error().grpcCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
    assertThat(e.getMessage())
        .isEqualTo("failed to subscribe [a] from Configuration store config: no server");
    assertThat(service.subscriptionCount()).isZero();
  }

  @Test
  void unsubscribeByIdAndStore() {
    Recorder sink = new Recorder();
    ConfigurationService.Subscription s = service.subscribe(subscribe("config"), sink);
    assertThatThrownBy(() -> service.unsubscribe("config", "no-such-id"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.errorCode()).isEqualTo("ERR_CONFIGURATION_UNSUBSCRIBE");
              assertThat(e.getMessage())
                  .isEqualTo(
                      "failed to unsubscribe to configuration request no-such-id:"
                          + " subscription does not exist");
            });
    assertThatThrownBy(() -> service.unsubscribe("locks", s.id()))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> assertThat(e.errorCode()).isEqualTo("ERR_CONFIGURATION_STORE_NOT_FOUND"));
    service.unsubscribe("config", s.id());
    assertThat(sink.heard).last().isEqualTo("ended");
    assertThat(service.unsubscribe(s.id())).isFalse();
    assertThat(store.watches).isEmpty();
  }

  @Test
  void closingTheServiceEndsEverySubscriptionAndRefusesNewOnes() {
    Recorder one = new Recorder();
    Recorder two = new Recorder();
    service.subscribe(subscribe("config", "a"), one);
    service.subscribe(subscribe("config"), two);
    assertThat(store.watches).hasSize(2);
    service.close();
    assertThat(store.watches).isEmpty();
    assertThat(one.heard).last().isEqualTo("ended");
    assertThat(two.heard).last().isEqualTo("ended");
    assertThatThrownBy(() -> service.subscribe(subscribe("config"), new Recorder()))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> assertThat(e.errorCode()).isEqualTo("ERR_CONFIGURATION_SUBSCRIBE"));
  }

  @Test
  void anHttpSubscriptionNeedsAnApp() {
    assertThatThrownBy(() -> service.subscribeForApp(subscribe("config")))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.errorCode()).isEqualTo("ERR_APP_CHANNEL_NIL");
              assertThat(e.error().httpStatus()).isEqualTo(500);
            });
  }
}
