package io.tandem.sidecar.state;

import com.google.protobuf.ByteString;
import io.dapr.v1.CommonProtos;
import io.dapr.v1.DaprStateProtos.BulkStateItem;
import io.dapr.v1.DaprStateProtos.DeleteBulkStateRequest;
import io.dapr.v1.DaprStateProtos.DeleteStateRequest;
import io.dapr.v1.DaprStateProtos.ExecuteStateTransactionRequest;
import io.dapr.v1.DaprStateProtos.GetBulkStateRequest;
import io.dapr.v1.DaprStateProtos.GetBulkStateResponse;
import io.dapr.v1.DaprStateProtos.GetStateRequest;
import io.dapr.v1.DaprStateProtos.GetStateResponse;
import io.dapr.v1.DaprStateProtos.SaveStateRequest;
import io.dapr.v1.DaprStateProtos.TransactionalStateOperation;
import io.tandem.components.Completions;
import io.tandem.components.ComponentException;
import io.tandem.components.state.BulkGetItem;
import io.tandem.components.state.BulkSetException;
import io.tandem.components.state.Concurrency;
import io.tandem.components.state.Consistency;
import io.tandem.components.state.GetRequest;
import io.tandem.components.state.SetRequest;
import io.tandem.components.state.StateOptions;
import io.tandem.components.state.StateStore;
import io.tandem.components.state.TransactionalOperation;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import io.tandem.sidecar.metrics.SidecarMetrics;
import io.tandem.sidecar.registry.ComponentRegistry;
import io.tandem.sidecar.registry.LoadedComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The state building block, shared by the HTTP and gRPC transports: finds the store, applies the
 * key prefix, validates, calls the component, records metrics, and turns component failures into
 * catalog errors. Requests and responses are Dapr's own protobuf messages.
 */
public final class StateService {
  private final ComponentRegistry registry;
  private final String appId;
  private final String namespace;
  private final SidecarMetrics metrics;
  private final ConcurrentHashMap<String, KeyPrefix> prefixes = new ConcurrentHashMap<>();

  public StateService(
      ComponentRegistry registry, String appId, String namespace, SidecarMetrics metrics) {
    this.registry = registry;
    this.appId = appId;
    this.namespace = namespace;
    this.metrics = metrics;
  }

  private enum Op {
    GET(ApiError.STATE_GET, "get"),
    BULK_GET(ApiError.STATE_BULK_GET, "bulk_get"),
    SET(ApiError.STATE_SAVE, "set"),
    DELETE(ApiError.STATE_DELETE, "delete"),
    TRANSACTION(ApiError.STATE_TRANSACTION, "transaction");

    final ApiError error;
    final String metricName;

    Op(ApiError error, String metricName) {
      this.error = error;
      this.metricName = metricName;
    }
  }

  private record Target(String name, StateStore store, KeyPrefix prefix) {}

  public CompletionStage<GetStateResponse> getState(GetStateRequest req) {
    return Completions.call(
        () -> {
          Target t = target(req.getStoreName());
          GetRequest get =
              new GetRequest(
                  t.prefix().apply(req.getKey()),
                  req.getMetadataMap(),
                  consistency(req.getConsistency()));
          return timed(
                  t,
                  Op.GET,
                  t.store().get(get),
                  e ->
                      String.format(
                          "fail to get %s from state store %s: %s",
                          req.getKey(), t.name(), e.getMessage()))
              .thenApply(
                  res -> {
                    GetStateResponse.Builder b = GetStateResponse.newBuilder();
                    if (res != null) {
                      b.setData(ByteString.copyFrom(res.data()));
                      if (res.etag() != null) {
                        b.setEtag(res.etag());
                      }
                      b.putAllMetadata(res.metadata());
                    }
                    return b.build();
                  });
        });
  }

  public CompletionStage<GetBulkStateResponse> getBulkState(GetBulkStateRequest req) {
    return Completions.call(
        () -> {
          Target t = target(req.getStoreName());
          List<GetRequest> gets = new ArrayList<>();
          for (String key : req.getKeysList()) {
            gets.add(
                new GetRequest(
                    t.prefix().apply(key), req.getMetadataMap(), Consistency.UNSPECIFIED));
          }
          return timed(
                  t,
                  Op.BULK_GET,
                  t.store().bulkGet(gets),
                  e ->
                      String.format(
                          "failed getting state in bulk from %s: %s", t.name(), e.getMessage()))
              .thenApply(
                  items -> {
                    GetBulkStateResponse.Builder b = GetBulkStateResponse.newBuilder();
                    for (BulkGetItem item : items) {
                      BulkStateItem.Builder ib =
                          BulkStateItem.newBuilder().setKey(t.prefix().strip(item.key()));
                      if (item.error() != null) {
                        ib.setError(item.error());
                      } else if (item.response() != null) {
                        ib.setData(ByteString.copyFrom(item.response().data()));
                        if (item.response().etag() != null) {
                          ib.setEtag(item.response().etag());
                        }
                        ib.putAllMetadata(item.response().metadata());
                      }
                      b.addItems(ib);
                    }
                    return b.build();
                  });
        });
  }

  public CompletionStage<Void> saveState(SaveStateRequest req) {
    return Completions.call(
        () -> {
          Target t = target(req.getStoreName());
          List<SetRequest> sets = new ArrayList<>();
          for (CommonProtos.StateItem item : req.getStatesList()) {
            sets.add(toSet(t, item));
          }
          if (sets.isEmpty()) {
            return CompletableFuture.completedFuture(null);
          }
          CompletionStage<Void> op =
              sets.size() == 1 ? t.store().set(sets.get(0)) : t.store().bulkSet(sets);
          return timed(
              t,
              Op.SET,
              op,
              e ->
                  String.format(
                      "failed saving state in state store %s: %s", t.name(), e.getMessage()));
        });
  }

  public CompletionStage<Void> deleteState(DeleteStateRequest req) {
    return Completions.call(
        () -> {
          Target t = target(req.getStoreName());
          io.tandem.components.state.DeleteRequest del =
              new io.tandem.components.state.DeleteRequest(
                  t.prefix().apply(req.getKey()),
                  req.hasEtag() ? req.getEtag().getValue() : null,
                  req.getMetadataMap(),
                  options(req.hasOptions() ? req.getOptions() : null));
          return timed(
              t,
              Op.DELETE,
              t.store().delete(del),
              e ->
                  String.format(
                      "failed deleting state with key %s: %s", req.getKey(), e.getMessage()));
        });
  }

  public CompletionStage<Void> deleteBulkState(DeleteBulkStateRequest req) {
    return Completions.call(
        () -> {
          Target t = target(req.getStoreName());
          List<CompletableFuture<Void>> all = new ArrayList<>();
          for (CommonProtos.StateItem item : req.getStatesList()) {
            io.tandem.components.state.DeleteRequest del =
                new io.tandem.components.state.DeleteRequest(
                    t.prefix().apply(item.getKey()),
                    item.hasEtag() ? item.getEtag().getValue() : null,
                    item.getMetadataMap(),
                    options(item.hasOptions() ? item.getOptions() : null));
            all.add(
                timed(
                        t,
                        Op.DELETE,
                        t.store().delete(del),
                        e ->
                            String.format(
                                "failed deleting state with key %s: %s",
                                item.getKey(), e.getMessage()))
                    .toCompletableFuture());
          }
          return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
        });
  }

  public CompletionStage<Void> executeTransaction(ExecuteStateTransactionRequest req) {
    return Completions.call(
        () -> {
          Target t = target(req.getStoreName());
          if (!t.store().features().contains(StateStore.FEATURE_TRANSACTIONAL)) {
            throw new ApiException(
                ApiError.STATE_TRANSACTIONS_NOT_SUPPORTED,
                null,
                "state store " + t.name() + " doesn't support transactions",
                Map.of());
          }
          List<TransactionalOperation> ops = new ArrayList<>();
          for (TransactionalStateOperation op : req.getOperationsList()) {
            CommonProtos.StateItem item = op.getRequest();
            switch (op.getOperationType()) {
              case "upsert" -> {
                SetRequest set = toSet(t, item);
                Map<String, String> md = new java.util.HashMap<>(req.getMetadataMap());
                md.putAll(set.metadata());
                ops.add(
                    new TransactionalOperation.Upsert(
                        new SetRequest(set.key(), set.value(), set.etag(), md, set.options())));
              }
              case "delete" -> {
                Map<String, String> md = new java.util.HashMap<>(req.getMetadataMap());
                md.putAll(item.getMetadataMap());
                ops.add(
                    new TransactionalOperation.Delete(
                        new io.tandem.components.state.DeleteRequest(
                            t.prefix().apply(item.getKey()),
                            item.hasEtag() ? item.getEtag().getValue() : null,
                            md,
                            options(item.hasOptions() ? item.getOptions() : null))));
              }
              default ->
                  throw new ApiException(
                      ApiError.STATE_OPERATION_NOT_SUPPORTED,
                      null,
                      "operation type " + op.getOperationType() + " not supported",
                      Map.of());
            }
          }
          if (ops.isEmpty()) {
            return CompletableFuture.completedFuture(null);
          }
          return timed(
              t,
              Op.TRANSACTION,
              t.store().multi(ops),
              e -> "error while executing state transaction: " + e.getMessage());
        });
  }

  private SetRequest toSet(Target t, CommonProtos.StateItem item) {
    return new SetRequest(
        t.prefix().apply(item.getKey()),
        item.getValue().toByteArray(),
        item.hasEtag() ? item.getEtag().getValue() : null,
        item.getMetadataMap(),
        options(item.hasOptions() ? item.getOptions() : null));
  }

  private Target target(String storeName) {
    if (registry.count(StateStore.class) == 0) {
      throw new ApiException(
          ApiError.STATE_STORES_NOT_CONFIGURED,
          null,
          "state store is not configured",
          Map.of("appID", appId));
    }
    StateStore store =
        registry
            .stateStore(storeName)
            .orElseThrow(
                () ->
                    new ApiException(
                        ApiError.STATE_STORE_NOT_FOUND,
                        null,
                        "state store " + storeName + " is not found",
                        Map.of("appID", appId)));
    KeyPrefix prefix =
        prefixes.computeIfAbsent(
            storeName,
            n ->
                KeyPrefix.of(
                    registry
                        .get(n)
                        .map(LoadedComponent::metadata)
                        .map(m -> m.get("keyPrefix"))
                        .orElse(null),
                    appId,
                    n,
                    namespace));
    return new Target(storeName, store, prefix);
  }

  private <T> CompletionStage<T> timed(
      Target t,
      Op op,
      CompletionStage<T> stage,
      java.util.function.Function<Throwable, String> message) {
    long start = System.nanoTime();
    return stage.handle(
        (value, err) -> {
          double ms = (System.nanoTime() - start) / 1e6;
          metrics.stateOperation(t.name(), op.metricName, err == null, ms);
          if (err == null) {
            return value;
          }
          Throwable cause = Completions.unwrap(err);
          throw translate(op, cause, message.apply(cause));
        });
  }

  private static ApiException translate(Op op, Throwable cause, String message) {
    if (cause instanceof ApiException api) {
      return api;
    }
    ComponentException.Reason reason =
        cause instanceof ComponentException ce ? ce.reason() : ComponentException.Reason.FAILURE;
    String code = op.error.code();
    Map<String, String> md = Map.of();
    if (cause instanceof BulkSetException bulk) {
      md = Map.of("keys", String.join(",", bulk.failures().keySet()));
    }
    return switch (reason) {
      case ETAG_MISMATCH -> new ApiException(ApiError.STATE_ETAG_MISMATCH, code, message, md);
      case ETAG_INVALID -> new ApiException(ApiError.STATE_ETAG_INVALID, code, message, md);
      case INVALID_ARGUMENT, NOT_FOUND ->
          new ApiException(ApiError.STATE_INVALID_REQUEST, code, message, md);
      case NOT_SUPPORTED ->
          new ApiException(ApiError.STATE_TRANSACTIONS_NOT_SUPPORTED, null, message, md);
      case FAILURE -> new ApiException(op.error, code, message, md);
    };
  }

  private static StateOptions options(CommonProtos.StateOptions o) {
    if (o == null) {
      return StateOptions.DEFAULT;
    }
    Concurrency c =
        switch (o.getConcurrency()) {
          case CONCURRENCY_FIRST_WRITE -> Concurrency.FIRST_WRITE;
          case CONCURRENCY_LAST_WRITE -> Concurrency.LAST_WRITE;
          default -> Concurrency.UNSPECIFIED;
        };
    return new StateOptions(c, consistency(o.getConsistency()));
  }

  private static Consistency consistency(CommonProtos.StateOptions.StateConsistency c) {
    return switch (c) {
      case CONSISTENCY_EVENTUAL -> Consistency.EVENTUAL;
      case CONSISTENCY_STRONG -> Consistency.STRONG;
      default -> Consistency.UNSPECIFIED;
    };
  }
}
