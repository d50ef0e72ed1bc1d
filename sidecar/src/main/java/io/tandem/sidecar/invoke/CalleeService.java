package io.tandem.sidecar.invoke;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tandem.proto.internal.v1.Frames;
import io.tandem.proto.internal.v1.InvokeRequestFrame;
import io.tandem.proto.internal.v1.InvokeResponseFrame;
import io.tandem.proto.internal.v1.RequestHead;
import io.tandem.proto.internal.v1.ResponseHead;
import io.tandem.proto.internal.v1.ServiceInvocationGrpc;
import io.tandem.sidecar.appchannel.AppChannel;
import io.tandem.sidecar.appchannel.AppRequest;
import io.tandem.sidecar.appchannel.AppResponse;
import io.tandem.sidecar.metrics.SidecarMetrics;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The callee's side of {@code ServiceInvocation.Invoke}: turns each call from another sidecar into
 * an {@link AppChannel#invoke} on this sidecar's app, streaming both bodies. Each call is confined
 * to one Vert.x context; gRPC callbacks hop onto it.
 */
final class CalleeService extends ServiceInvocationGrpc.ServiceInvocationImplBase {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.invoke");

  private final Vertx vertx;
  private final String appId;
  private final AppChannel app;
  private final SidecarMetrics metrics;

  CalleeService(Vertx vertx, String appId, AppChannel app, SidecarMetrics metrics) {
    this.vertx = vertx;
    this.appId = appId;
    this.app = app;
    this.metrics = metrics;
  }

  @Override
  public StreamObserver<InvokeRequestFrame> invoke(StreamObserver<InvokeResponseFrame> out) {
    return new Call(
        vertx.getOrCreateContext(), (ServerCallStreamObserver<InvokeResponseFrame>) out);
  }

  /** Errors this sidecar raises itself carry a trailer so the caller can say who failed. */
  static StatusRuntimeException calleeError(Status status) {
    Metadata trailers = new Metadata();
    trailers.put(InvocationFailures.CALLEE_ERROR, "callee");
    return status.asRuntimeException(trailers);
  }

  private final class Call implements StreamObserver<InvokeRequestFrame> {
    private final Context context;
    private final ServerCallStreamObserver<InvokeResponseFrame> out;
    private final Frames.Sequence sequence = new Frames.Sequence();
    private final GrpcInbound body;
    private final GrpcOutbound<InvokeResponseFrame> outbound;
    private boolean closed;
    private AppResponse response;

    Call(Context context, ServerCallStreamObserver<InvokeResponseFrame> out) {
      this.context = context;
      this.out = out;
      this.body = new GrpcInbound(context, () -> out.request(1), cause -> {});
      this.outbound = new GrpcOutbound<>(out, Frames::responseChunk, this::complete);
      out.disableAutoRequest();
      out.setOnReadyHandler(() -> context.runOnContext(v -> outbound.onReady()));
      out.setOnCancelHandler(
          () ->
              context.runOnContext(
                  v -> {
                    closed = true;
                    body.fail(
                        Status.CANCELLED.withDescription("the caller went away").asException());
                    if (response != null) {
                      abortBody(response);
                    }
                  }));
      out.request(1); // the head
    }

    @Override
    public void onNext(InvokeRequestFrame frame) {
      context.runOnContext(v -> frame(frame));
    }

    @Override
    public void onError(Throwable t) {
      context.runOnContext(v -> body.fail(t));
    }

    @Override
    public void onCompleted() {
      context.runOnContext(v -> body.end());
    }

    private void frame(InvokeRequestFrame frame) {
      Frames.Kind kind;
      try {
        kind = sequence.accept(frame);
      } catch (Frames.ProtocolException e) {
        fail(Status.INVALID_ARGUMENT.withDescription("protocol violation: " + e.getMessage()));
        return;
      }
      if (kind == Frames.Kind.HEAD) {
        start(frame.getHead());
      } else {
        body.push(Buffer.buffer(frame.getChunk().toByteArray()));
      }
    }

    private void start(RequestHead head) {
      String caller = head.getCallerAppId();
      metrics.invocationRequestReceived(caller);
      if (!head.getCalleeAppId().equals(appId)) {
        fail(
            Status.FAILED_PRECONDITION.withDescription(
                "this sidecar serves app id " + appId + ", not " + head.getCalleeAppId()));
        return;
      }
      MultiMap headers = Headers.fromProto(head.getHeadersList());
      body.declareLength(headers.get(HttpHeaders.CONTENT_LENGTH));
      headers.set(Headers.CALLER_APP_ID, caller);
      if (!head.getCallerNamespace().isEmpty()) {
        headers.set(Headers.CALLER_NAMESPACE, head.getCallerNamespace());
      }
      headers.set(Headers.CALLEE_APP_ID, appId);
      headers.set(TraceContext.TRACEPARENT, head.getTraceparent());
      if (!head.getTracestate().isEmpty()) {
        headers.set(TraceContext.TRACESTATE, head.getTracestate());
      }
      AppRequest request =
          new AppRequest(
              head.getVerb(),
              head.getMethod(),
              head.getQuery(),
              headers,
              head.getHasBody() ? body : null);
      app.invoke(request)
          .onComplete(
              ar -> {
                if (ar.failed()) {
                  log.debug(
                      "invocation of {} from {} failed: {}",
                      head.getMethod(),
                      caller,
                      ar.cause().getMessage());
                  fail(Status.UNAVAILABLE.withDescription(ar.cause().getMessage()));
                  return;
                }
                respond(caller, ar.result());
              });
    }

    private void respond(String caller, AppResponse res) {
      if (closed) {
        discard(res);
        return;
      }
      response = res;
      metrics.invocationResponseSent(caller, res.status());
      out.onNext(
          Frames.head(
              ResponseHead.newBuilder()
                  .setStatus(res.status())
                  .addAllHeaders(Headers.toProto(Headers.responseHeaders(res.headers())))
                  .build()));
      if (res.body() == null) {
        complete();
        return;
      }
      res.body()
          .pipe()
          .endOnFailure(false)
          .to(outbound)
          .onFailure(
              err ->
                  fail(
                      Status.UNAVAILABLE.withDescription(
                          "app response failed: " + err.getMessage())));
    }

    /**
     * The caller went away while the app's body was streaming: stop it. An HTTP response that is
     * left paused would hold its pooled connection for ever, so its connection is reset instead.
     */
    private void abortBody(AppResponse res) {
      if (res.body() instanceof Abortable a) {
        a.abort(Status.CANCELLED.asException());
      } else if (res.body() instanceof HttpClientResponse r) {
        r.request().reset();
      }
    }

    /** The caller is gone: stop the app's body, or drain it so its connection is reused. */
    private void discard(AppResponse res) {
      if (res.body() instanceof Abortable a) {
        a.abort(Status.CANCELLED.asException());
      } else if (res.body() != null) {
        res.body().handler(b -> {}).resume();
      }
    }

    private void complete() {
      if (!closed) {
        closed = true;
        out.onCompleted();
      }
    }

    private void fail(Status status) {
      if (!closed) {
        closed = true;
        out.onError(calleeError(status));
      }
    }
  }
}
