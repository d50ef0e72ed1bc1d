package io.tandem.sidecar.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.tandem.sidecar.api.ApiToken;
import io.tandem.sidecar.metrics.SidecarMetrics;

/** The gRPC edge: checks {@code dapr-api-token} and records Dapr's per-call metrics. */
public final class EdgeInterceptor implements ServerInterceptor {
  static final Metadata.Key<String> TOKEN =
      Metadata.Key.of(ApiToken.HEADER, Metadata.ASCII_STRING_MARSHALLER);

  private final ApiToken token;
  private final SidecarMetrics metrics;

  public EdgeInterceptor(ApiToken token, SidecarMetrics metrics) {
    this.token = token;
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long start = System.nanoTime();
    String method = call.getMethodDescriptor().getFullMethodName();
    ServerCall<Q, R> observed =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            metrics.grpcCallCompleted(
                method, status.getCode().name(), (System.nanoTime() - start) / 1e6);
            super.close(status, trailers);
          }
        };
    if (!token.accepts(headers.get(TOKEN))) {
      io.grpc.StatusRuntimeException e = GrpcErrors.toStatus(ApiToken.rejected());
      observed.close(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(observed, headers);
  }
}
