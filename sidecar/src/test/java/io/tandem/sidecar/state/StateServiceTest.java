package io.tandem.sidecar.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.dapr.v1.CommonProtos;
import io.dapr.v1.DaprStateProtos.ExecuteStateTransactionRequest;
import io.dapr.v1.DaprStateProtos.GetBulkStateRequest;
import io.dapr.v1.DaprStateProtos.GetStateRequest;
import io.dapr.v1.DaprStateProtos.GetStateResponse;
import io.dapr.v1.DaprStateProtos.SaveStateRequest;
import io.dapr.v1.DaprStateProtos.TransactionalStateOperation;
import io.tandem.components.ComponentFactory;
import io.tandem.components.state.memory.InMemoryStateStoreFactory;
import io.tandem.sidecar.TestResources;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import io.tandem.sidecar.metrics.SidecarMetrics;
import io.tandem.sidecar.registry.ComponentRegistry;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StateServiceTest {
  ComponentRegistry registry;
  StateService state;
  SidecarMetrics metrics = SidecarMetrics.inMemory("app");

  @BeforeEach
  void setUp() throws Exception {
    registry =
        new ComponentRegistry(
            TestResources.context("app", Map.of()),
            Map.<String, ComponentFactory>of("state.in-memory", new InMemoryStateStoreFactory()));
    registry.loadAll(
        TestResources.components(
            "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: {name: store}\n"
                + "spec: {type: state.in-memory}\n---\n"
                + "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: {name: raw}\n"
                + "spec:\n  type: state.in-memory\n  metadata: [{name: keyPrefix, value: none}]\n"));
    state = new StateService(registry, "app", "", metrics);
  }

  @AfterEach
  void tearDown() {
    registry.close();
  }

  static CommonProtos.StateItem item(String key, String json) {
    return CommonProtos.StateItem.newBuilder()
        .setKey(key)
        .setValue(ByteString.copyFromUtf8(json))
        .build();
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

  GetStateResponse get(String store, String key) {
    return join(
        state.getState(GetStateRequest.newBuilder().setStoreName(store).setKey(key).build()));
  }

  @Test
  void savedValuesReadBackWithAnEtag() {
    join(
        state.saveState(
            SaveStateRequest.newBuilder()
                .setStoreName("store")
                .addStates(item("k", "{\"a\":1}"))
                .build()));
    GetStateResponse r = get("store", "k");
    assertThat(r.getData().toStringUtf8()).isEqualTo("{\"a\":1}");
    assertThat(r.getEtag()).isNotEmpty();
    assertThat(get("store", "missing").getData().isEmpty()).isTrue();
  }

  @Test
  void keysArePrefixedPerStoreSetting() {
    join(
        state.saveState(
            SaveStateRequest.newBuilder()
                .setStoreName("raw")
                .addStates(item("app||k", "1"))
                .build()));
    assertThat(get("raw", "app||k").getData().toStringUtf8()).isEqualTo("1");
    assertThatThrownBy(() -> get("store", "app||k")).hasCauseInstanceOf(ApiException.class);
  }

  @Test
  void bulkGetStripsThePrefixAndReportsMissingKeys() {
    join(
        state.saveState(
            SaveStateRequest.newBuilder().setStoreName("store").addStates(item("a", "1")).build()));
    var res =
        join(
            state.getBulkState(
                GetBulkStateRequest.newBuilder()
                    .setStoreName("store")
                    .addKeys("a")
                    .addKeys("b")
                    .build()));
    assertThat(res.getItemsList()).extracting(i -> i.getKey()).containsExactly("a", "b");
    assertThat(res.getItems(0).getData().toStringUtf8()).isEqualTo("1");
    assertThat(res.getItems(1).getData().isEmpty()).isTrue();
  }

  @Test
  void errorsMapToTheCatalog() {
    ApiException notFound =
        failure(
            state.getState(GetStateRequest.newBuilder().setStoreName("nope").setKey("k").build()));
    assertThat(notFound.error()).isEqualTo(ApiError.STATE_STORE_NOT_FOUND);
    assertThat(notFound.metadata()).containsEntry("appID", "app");

    join(
        state.saveState(
            SaveStateRequest.newBuilder().setStoreName("store").addStates(item("k", "1")).build()));
    ApiException stale =
        failure(
            state.saveState(
                SaveStateRequest.newBuilder()
                    .setStoreName("store")
                    .addStates(
                        item("k", "2").toBuilder()
                            .setEtag(CommonProtos.Etag.newBuilder().setValue("12345")))
                    .build()));
    assertThat(stale.error()).isEqualTo(ApiError.STATE_ETAG_MISMATCH);
    assertThat(stale.errorCode()).isEqualTo("ERR_STATE_SAVE");
    assertThat(stale.error().httpStatus()).isEqualTo(409);

    ApiException bad =
        failure(
            state.saveState(
                SaveStateRequest.newBuilder()
                    .setStoreName("store")
                    .addStates(
                        item("k", "2").toBuilder()
                            .setEtag(CommonProtos.Etag.newBuilder().setValue("x")))
                    .build()));
    assertThat(bad.error()).isEqualTo(ApiError.STATE_ETAG_INVALID);
    assertThat(bad.error().httpStatus()).isEqualTo(400);
  }

  @Test
  void transactionsApplyInOrderAndRefuseUnknownOperations() {
    join(
        state.saveState(
            SaveStateRequest.newBuilder()
                .setStoreName("store")
                .addStates(item("k1", "1"))
                .build()));
    join(
        state.executeTransaction(
            ExecuteStateTransactionRequest.newBuilder()
                .setStoreName("store")
                .addOperations(op("delete", item("k1", "")))
                .addOperations(op("upsert", item("k2", "2")))
                .addOperations(op("delete", item("k2", "")))
                .addOperations(op("upsert", item("k3", "3")))
                .build()));
    assertThat(get("store", "k1").getData().isEmpty()).isTrue();
    assertThat(get("store", "k2").getData().isEmpty()).isTrue();
    assertThat(get("store", "k3").getData().toStringUtf8()).isEqualTo("3");

    ApiException unknown =
        failure(
            state.executeTransaction(
                ExecuteStateTransactionRequest.newBuilder()
                    .setStoreName("store")
                    .addOperations(op("merge", item("k", "1")))
                    .build()));
    assertThat(unknown.error()).isEqualTo(ApiError.STATE_OPERATION_NOT_SUPPORTED);
  }

  static TransactionalStateOperation op(String type, CommonProtos.StateItem item) {
    return TransactionalStateOperation.newBuilder().setOperationType(type).setRequest(item).build();
  }
}
