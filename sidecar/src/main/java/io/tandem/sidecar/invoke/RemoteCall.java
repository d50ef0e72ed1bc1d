package io.tandem.sidecar.invoke;

import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tandem.proto.internal.v1.Frames;
import io.tandem.proto.internal.v1.InvokeRequestFrame;
import io.tandem.proto.internal.v1.InvokeResponseFrame;
import io.tandem.proto.internal.v1.RequestHead;
import io.tandem.proto.internal.v1.ServiceInvocationGrpc;
import io.tandem.sidecar.appchannel.AppResponse;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.time.Duration;

/**
 * The caller's side of one {@code ServiceInvocation.Invoke} call: sends the head and streams the
 * request body, and yields the callee's answer as an {@link AppResponse} whose body streams in as
 * it is read. Everything runs on one Vert.x context; gRPC callbacks hop onto it.
 */
final class RemoteCall implements ClientResponseObserver<InvokeRequestFrame, InvokeResponseFrame> {
  private final Context context;
  private final Promise<AppResponse> answer = Promise.promise();
  private final Frames.Sequence sequence = new Frames.Sequence();
  private ClientCallStreamObserver<InvokeRequestFrame> requests;
  private GrpcOutbound<InvokeRequestFrame> outbound;
  private GrpcInbound inbound;
  private long timer = -1;

  private RemoteCall(Context context) {
    this.context = context;
  }

  /**
   * Starts a call on {@code channel}. Must run on {@code context}; the future completes there.
   *
   * @param body the request body, or null for none; consumed once
   * @param timeout how long to wait for the response head
   */
  static Future<AppResponse> start(
      Context context,
      Channel channel,
      RequestHead head,
      ReadStream<Buffer> body,
      Duration timeout) {
    RemoteCall call = new RemoteCall(context);
    call.begin(channel, head, body, timeout);
    return call.answer.future();
  }

  private void begin(Channel channel, RequestHead head, ReadStream<Buffer> body, Duration timeout) {
    ServiceInvocationGrpc.newStub(channel).invoke(this);
    timer =
        context
            .owner()
            .setTimer(
                timeout.toMillis(),
                id -> {
                  timer = -1;
                  if (!sequence.headSeen()) {
                    requests.cancel("no response head in time", null);
                    answer.tryFail(new InvocationFailures.ResponseTimeoutException(timeout));
                  }
                });
    requests.onNext(Frames.head(head));
    if (body == null) {
      requests.onCompleted();
      return;
    }
    outbound = new GrpcOutbound<>(requests, Frames::requestChunk, requests::onCompleted);
    body.pipe()
        .endOnFailure(false)
        .to(outbound)
        .onFailure(
            err -> {
              requests.cancel("request body failed: " + err.getMessage(), err);
              failed(err);
            });
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<InvokeRequestFrame> r) {
    requests = r;
    r.disableAutoRequestWithInitial(1);
    r.setOnReadyHandler(
        () ->
            context.runOnContext(
                v -> {
                  if (outbound != null) {
                    outbound.onReady();
                  }
                }));
  }

  @Override
  public void onNext(InvokeResponseFrame frame) {
    context.runOnContext(v -> frame(frame));
  }

  @Override
  public void onError(Throwable t) {
    context.runOnContext(v -> failed(t));
  }

  @Override
  public void onCompleted() {
    context.runOnContext(
        v -> {
          if (inbound != null) {
            inbound.end();
          } else {
            failed(new Frames.ProtocolException("the callee ended the call without a response"));
          }
        });
  }

  private void frame(InvokeResponseFrame frame) {
    Frames.Kind kind;
    try {
      kind = sequence.accept(frame);
    } catch (Frames.ProtocolException e) {
      requests.cancel("protocol violation", e);
      failed(e);
      return;
    }
    if (kind == Frames.Kind.HEAD) {
      cancelTimer();
      inbound =
          new GrpcInbound(
              context,
              () -> requests.request(1),
              cause -> requests.cancel("the response reader went away", cause));
      inbound.declareLength(
          Headers.fromProto(frame.getHead().getHeadersList()).get("content-length"));
      answer.tryComplete(
          new AppResponse(
              frame.getHead().getStatus(),
              Headers.fromProto(frame.getHead().getHeadersList()),
              inbound));
    } else if (inbound != null) {
      inbound.push(Buffer.buffer(frame.getChunk().toByteArray()));
    }
  }

  private void failed(Throwable t) {
    cancelTimer();
    if (!answer.tryFail(t) && inbound != null) {
      inbound.fail(t);
    }
  }

  private void cancelTimer() {
    if (timer >= 0) {
      context.owner().cancelTimer(timer);
      timer = -1;
    }
  }
}
