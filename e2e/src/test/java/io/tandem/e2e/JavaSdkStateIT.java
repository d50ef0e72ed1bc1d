package io.tandem.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dapr.client.DaprClient;
import io.dapr.client.DaprClientBuilder;
import io.dapr.client.domain.State;
import io.dapr.client.domain.StateOptions;
import io.dapr.client.domain.TransactionalStateOperation;
import io.dapr.config.Properties;
import io.dapr.exceptions.DaprErrorDetails;
import io.dapr.exceptions.DaprException;
import io.dapr.utils.TypeRef;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The official Java SDK (over gRPC) against a sidecar process: the state API. */
class JavaSdkStateIT {
  @TempDir static Path dir;
  static SidecarProcess sidecar;
  static DaprClient client;
  static final HttpClient http = HttpClient.newHttpClient();

  record Order(String id, int quantity) {}

  @BeforeAll
  static void start() throws Exception {
    sidecar =
        SidecarProcess.launch("javasdk", ResourceFiles.standard(dir), Map.of())
            .awaitHealthy(Duration.ofSeconds(60));
    client =
        new DaprClientBuilder()
            .withPropertyOverride(Properties.HTTP_PORT, Integer.toString(sidecar.httpPort))
            .withPropertyOverride(Properties.GRPC_PORT, Integer.toString(sidecar.grpcPort))
            .build();
    client.waitForSidecar(10_000).block();
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (sidecar != null) {
      sidecar.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"statestore", "sqlitestore"})
  void savesReadsAndDeletesObjectsAndStrings(String store) {
    client.saveState(store, "order-1", new Order("o1", 3)).block();
    client.saveState(store, "greeting", "hello").block();

    State<Order> order = client.getState(store, "order-1", Order.class).block();
    assertThat(order.getValue()).isEqualTo(new Order("o1", 3));
    assertThat(order.getEtag()).isNotBlank();
    assertThat(client.getState(store, "greeting", String.class).block().getValue())
        .isEqualTo("hello");

    client.deleteState(store, "order-1").block();
    assertThat(client.getState(store, "order-1", Order.class).block().getValue()).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"statestore", "sqlitestore"})
  void whatTheSdkSavesOverGrpcReadsTheSameOverHttp(String store) throws Exception {
    client.saveState(store, "shared", Map.of("color", "blue")).block();
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(sidecar.httpBase() + "/v1.0/state/" + store + "/shared"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"color\":\"blue\"}");
    assertThat(r.headers().firstValue("etag")).isPresent();
  }

  @ParameterizedTest
  @ValueSource(strings = {"statestore", "sqlitestore"})
  void bulkGetReturnsPresentAndMissingKeys(String store) {
    client.saveState(store, "b1", "one").block();
    client.saveState(store, "b2", "two").block();
    List<State<String>> states =
        client.getBulkState(store, List.of("b1", "b2", "b-missing"), String.class).block();
    assertThat(states).extracting(State::getKey).containsExactly("b1", "b2", "b-missing");
    assertThat(states).extracting(State::getValue).containsExactly("one", "two", null);
  }

  @ParameterizedTest
  @ValueSource(strings = {"statestore", "sqlitestore"})
  void transactionsApplyInOrder(String store) {
    client.saveState(store, "t1", "first").block();
    client
        .executeStateTransaction(
            store,
            List.of(
                new TransactionalStateOperation<>(
                    TransactionalStateOperation.OperationType.DELETE, new State<>("t1")),
                new TransactionalStateOperation<>(
                    TransactionalStateOperation.OperationType.UPSERT, new State<>("t2", "x", "")),
                new TransactionalStateOperation<>(
                    TransactionalStateOperation.OperationType.DELETE, new State<>("t2")),
                new TransactionalStateOperation<>(
                    TransactionalStateOperation.OperationType.UPSERT,
                    new State<>("t3", "third", ""))))
        .block();
    assertThat(client.getState(store, "t1", String.class).block().getValue()).isNull();
    assertThat(client.getState(store, "t2", String.class).block().getValue()).isNull();
    assertThat(client.getState(store, "t3", String.class).block().getValue()).isEqualTo("third");
  }

  @ParameterizedTest
  @ValueSource(strings = {"statestore", "sqlitestore"})
  void etagsGuardConcurrentWrites(String store) {
    client.saveState(store, "guarded", "v1").block();
    String etag = client.getState(store, "guarded", String.class).block().getEtag();

    client.saveState(store, "guarded", etag, "v2", null).block();
    State<String> after = client.getState(store, "guarded", String.class).block();
    assertThat(after.getValue()).isEqualTo("v2");
    assertThat(after.getEtag()).isNotEqualTo(etag);

    assertThatThrownBy(() -> client.saveState(store, "guarded", etag, "v3", null).block())
        .isInstanceOfSatisfying(
            DaprException.class,
            e -> {
              assertThat(e.getErrorCode()).isEqualTo("ABORTED");
              assertThat(
                      e.getErrorDetails()
                          .get(
                              DaprErrorDetails.ErrorDetailType.ERROR_INFO,
                              "reason",
                              TypeRef.STRING))
                  .isEqualTo("DAPR_STATE_ETAG_MISMATCH");
            });
    assertThatThrownBy(() -> client.saveState(store, "guarded", "not-a-number", "v3", null).block())
        .isInstanceOfSatisfying(
            DaprException.class, e -> assertThat(e.getErrorCode()).isEqualTo("INVALID_ARGUMENT"));
    assertThatThrownBy(() -> client.deleteState(store, "guarded", etag, null).block())
        .isInstanceOf(DaprException.class);
    assertThat(client.getState(store, "guarded", String.class).block().getValue()).isEqualTo("v2");

    client.deleteState(store, "guarded", after.getEtag(), null).block();
    assertThat(client.getState(store, "guarded", String.class).block().getValue()).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"statestore", "sqlitestore"})
  void firstWriteRefusesToOverwrite(String store) {
    StateOptions firstWrite =
        new StateOptions(StateOptions.Consistency.STRONG, StateOptions.Concurrency.FIRST_WRITE);
    client.saveState(store, "fw", null, "original", firstWrite).block();
    assertThatThrownBy(() -> client.saveState(store, "fw", null, "again", firstWrite).block())
        .isInstanceOf(DaprException.class);
    assertThat(client.getState(store, "fw", String.class).block().getValue()).isEqualTo("original");
  }

  @ParameterizedTest
  @ValueSource(strings = {"statestore", "sqlitestore"})
  void ttlIsReportedAndExpires(String store) {
    client.saveState(store, "short-lived", null, "bye", Map.of("ttlInSeconds", "1"), null).block();
    State<String> s = client.getState(store, "short-lived", String.class).block();
    assertThat(s.getValue()).isEqualTo("bye");
    assertThat(s.getMetadata()).containsKey("ttlExpireTime");
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> client.getState(store, "short-lived", String.class).block().getValue() == null);
  }

  @ParameterizedTest
  @ValueSource(strings = {"statestore", "sqlitestore"})
  void unknownStoreIsRefusedWithDaprsCode(String store) {
    assertThatThrownBy(() -> client.getState(store + "-nope", "k", String.class).block())
        .isInstanceOfSatisfying(
            DaprException.class,
            e -> {
              assertThat(e.getErrorCode()).isEqualTo("INVALID_ARGUMENT");
              assertThat(e.getMessage()).contains("state store " + store + "-nope is not found");
            });
  }
}
