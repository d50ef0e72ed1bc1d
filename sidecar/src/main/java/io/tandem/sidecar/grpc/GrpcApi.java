package io.tandem.sidecar.grpc;

import com.google.protobuf.Empty;
import io.dapr.v1.DaprGrpc;
import io.dapr.v1.DaprMetadataProtos.GetMetadataRequest;
import io.dapr.v1.DaprMetadataProtos.GetMetadataResponse;
import io.dapr.v1.DaprMetadataProtos.SetMetadataRequest;
import io.dapr.v1.DaprProtos.ShutdownRequest;
import io.dapr.v1.DaprSecretProtos.GetBulkSecretRequest;
import io.dapr.v1.DaprSecretProtos.GetBulkSecretResponse;
import io.dapr.v1.DaprSecretProtos.GetSecretRequest;
import io.dapr.v1.DaprSecretProtos.GetSecretResponse;
import io.dapr.v1.DaprStateProtos.DeleteBulkStateRequest;
import io.dapr.v1.DaprStateProtos.DeleteStateRequest;
import io.dapr.v1.DaprStateProtos.ExecuteStateTransactionRequest;
import io.dapr.v1.DaprStateProtos.GetBulkStateRequest;
import io.dapr.v1.DaprStateProtos.GetBulkStateResponse;
import io.dapr.v1.DaprStateProtos.GetStateRequest;
import io.dapr.v1.DaprStateProtos.GetStateResponse;
import io.dapr.v1.DaprStateProtos.SaveStateRequest;
import io.grpc.stub.StreamObserver;
import io.tandem.sidecar.api.ApiException;
import io.tandem.sidecar.metadata.MetadataService;
import io.tandem.sidecar.secrets.SecretsService;
import io.tandem.sidecar.state.StateService;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code dapr.proto.runtime.v1.Dapr} over the shared services. Methods not yet served answer
 * UNIMPLEMENTED (the stub's default).
 */
public final class GrpcApi extends DaprGrpc.DaprImplBase {
  private static final Empty EMPTY = Empty.getDefaultInstance();

  private final StateService state;
  private final SecretsService secrets;
  private final MetadataService metadata;
  private final Runnable shutdown;

  public GrpcApi(
      StateService state, SecretsService secrets, MetadataService metadata, Runnable shutdown) {
    this.state = state;
    this.secrets = secrets;
    this.metadata = metadata;
    this.shutdown = shutdown;
  }

  @Override
  public void getState(GetStateRequest req, StreamObserver<GetStateResponse> out) {
    reply(out, () -> state.getState(req), Function.identity());
  }

  @Override
  public void getBulkState(GetBulkStateRequest req, StreamObserver<GetBulkStateResponse> out) {
    reply(out, () -> state.getBulkState(req), Function.identity());
  }

  @Override
  public void saveState(SaveStateRequest req, StreamObserver<Empty> out) {
    reply(out, () -> state.saveState(req), v -> EMPTY);
  }

  @Override
  public void deleteState(DeleteStateRequest req, StreamObserver<Empty> out) {
    reply(out, () -> state.deleteState(req), v -> EMPTY);
  }

  @Override
  public void deleteBulkState(DeleteBulkStateRequest req, StreamObserver<Empty> out) {
    reply(out, () -> state.deleteBulkState(req), v -> EMPTY);
  }

  @Override
  public void executeStateTransaction(
      ExecuteStateTransactionRequest req, StreamObserver<Empty> out) {
    reply(out, () -> state.executeTransaction(req), v -> EMPTY);
  }

  @Override
  public void getSecret(GetSecretRequest req, StreamObserver<GetSecretResponse> out) {
    reply(out, () -> secrets.getSecret(req), Function.identity());
  }

  @Override
  public void getBulkSecret(GetBulkSecretRequest req, StreamObserver<GetBulkSecretResponse> out) {
    reply(out, () -> secrets.getBulkSecret(req), Function.identity());
  }

  @Override
  public void getMetadata(GetMetadataRequest req, StreamObserver<GetMetadataResponse> out) {
    try {
      out.onNext(metadata.getMetadata());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(GrpcErrors.toStatus(e));
    }
  }

  @Override
  public void setMetadata(SetMetadataRequest req, StreamObserver<Empty> out) {
    try {
      metadata.setMetadata(req.getKey(), req.getValue());
      out.onNext(EMPTY);
      out.onCompleted();
    } catch (ApiException e) {
      out.onError(GrpcErrors.toStatus(e));
    }
  }

  @Override
  public void shutdown(ShutdownRequest req, StreamObserver<Empty> out) {
    out.onNext(EMPTY);
    out.onCompleted();
    shutdown.run();
  }

  private static <T, R> void reply(
      StreamObserver<R> out, Supplier<CompletionStage<T>> call, Function<T, R> map) {
    CompletionStage<T> stage;
    try {
      stage = call.get();
    } catch (RuntimeException e) {
      out.onError(GrpcErrors.toStatus(e));
      return;
    }
    stage.whenComplete(
        (value, err) -> {
          if (err != null) {
            out.onError(GrpcErrors.toStatus(err));
          } else {
            out.onNext(map.apply(value));
            out.onCompleted();
          }
        });
  }
}
