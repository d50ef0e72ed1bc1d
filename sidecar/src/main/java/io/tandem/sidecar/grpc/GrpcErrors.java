package io.tandem.sidecar.grpc;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.tandem.components.Completions;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;

/** Renders failures as gRPC statuses, with Dapr's {@code google.rpc.ErrorInfo} details. */
public final class GrpcErrors {
  private GrpcErrors() {}

  public static StatusRuntimeException toStatus(Throwable t) {
    Throwable cause = Completions.unwrap(t);
    if (cause instanceof StatusRuntimeException sre) {
      return sre;
    }
    ApiException api =
        cause instanceof ApiException a ? a : ApiError.INTERNAL.exception("internal error");
    com.google.rpc.Status.Builder status =
        com.google.rpc.Status.newBuilder()
            .setCode(api.error().grpcCode().value())
            .setMessage(api.getMessage());
    if (api.error().reason() != null) {
      status.addDetails(
          Any.pack(
              ErrorInfo.newBuilder()
                  .setReason(api.error().reason())
                  .setDomain(ApiError.DOMAIN)
                  .putAllMetadata(api.metadata())
                  .build()));
    }
    return StatusProto.toStatusRuntimeException(status.build());
  }
}
