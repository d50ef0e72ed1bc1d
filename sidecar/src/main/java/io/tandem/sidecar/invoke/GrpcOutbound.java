package io.tandem.sidecar.invoke;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.CallStreamObserver;
import io.tandem.proto.internal.v1.Frames;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import java.util.function.Function;

/**
 * A body leaving as gRPC chunk frames, exposed as a Vert.x {@link WriteStream}: the write queue is
 * full while gRPC says the call is not ready, and the drain handler runs when it becomes ready
 * again, so a pipe into it follows gRPC flow control.
 *
 * <p>Confined to one Vert.x context, like the observer it writes to: the call's on-ready handler
 * must hop onto that context and call {@link #onReady()}.
 */
final class GrpcOutbound<F> implements WriteStream<Buffer> {
  private final CallStreamObserver<F> observer;
  private final Function<ByteString, F> toFrame;
  private final Runnable onEnd;
  private Handler<Void> drainHandler;
  private boolean ended;

  /**
   * @param onEnd completes the gRPC side when the body ends (half-close or completion)
   */
  GrpcOutbound(CallStreamObserver<F> observer, Function<ByteString, F> toFrame, Runnable onEnd) {
    this.observer = observer;
    this.toFrame = toFrame;
    this.onEnd = onEnd;
  }

  void onReady() {
    Handler<Void> h = drainHandler;
    if (h != null && observer.isReady()) {
      drainHandler = null;
      h.handle(null);
    }
  }

  @Override
  public Future<Void> write(Buffer data) {
    if (ended) {
      return Future.failedFuture("the body has already ended");
    }
    for (ByteString chunk : Frames.chunks(UnsafeByteOperations.unsafeWrap(data.getBytes()))) {
      observer.onNext(toFrame.apply(chunk));
    }
    return Future.succeededFuture();
  }

  @Override
  public void write(Buffer data, Handler<AsyncResult<Void>> handler) {
    Future<Void> f = write(data);
    if (handler != null) {
      handler.handle(f);
    }
  }

  @Override
  public Future<Void> end() {
    if (!ended) {
      ended = true;
      onEnd.run();
    }
    return Future.succeededFuture();
  }

  @Override
  public void end(Handler<AsyncResult<Void>> handler) {
    Future<Void> f = end();
    if (handler != null) {
      handler.handle(f);
    }
  }

  @Override
  public boolean writeQueueFull() {
    return !observer.isReady();
  }

  @Override
  public GrpcOutbound<F> drainHandler(Handler<Void> handler) {
    drainHandler = handler;
    return this;
  }

  @Override
  public GrpcOutbound<F> setWriteQueueMaxSize(int maxSize) {
    return this; // gRPC's own readiness threshold decides
  }

  @Override
  public GrpcOutbound<F> exceptionHandler(Handler<Throwable> handler) {
    return this;
  }
}
