package io.tandem.sidecar.invoke;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A body arriving as gRPC messages, exposed as a Vert.x {@link ReadStream}: one message is
 * requested from gRPC at a time, and only while the reader wants data, so gRPC flow control pushes
 * back on the sender when the reader is slow. Created paused (a pipe resumes it).
 *
 * <p>Confined to one Vert.x context: the feeding methods ({@link #push}, {@link #end}, {@link
 * #fail}) and the stream methods must all be called on it.
 */
final class GrpcInbound implements ReadStream<Buffer>, Abortable {
  private final Context context;
  private final Runnable requestOne;
  private final Consumer<Throwable> onAbort;
  private final ArrayDeque<Buffer> queue = new ArrayDeque<>();
  private long declaredLength = -1;
  private long received;

  private long demand;
  private boolean requested;
  private boolean ended;
  private Throwable failure;
  private boolean done;
  private boolean draining;
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;

  /**
   * @param requestOne asks gRPC for one more message
   * @param onAbort cancels the gRPC call when the reader aborts
   */
  GrpcInbound(Context context, Runnable requestOne, Consumer<Throwable> onAbort) {
    this.context = context;
    this.requestOne = requestOne;
    this.onAbort = onAbort;
  }

  /**
   * The body's {@code content-length}, when its head declared one. Such a body ends as soon as that
   * many bytes arrived, without waiting for the sender's half-close: the other side may answer and
   * complete the call first, and the half-close is then never delivered. Without this, an HTTP
   * request to the app would never end and its pooled connection would never be released.
   */
  void declareLength(String contentLength) {
    if (contentLength == null) {
      return;
    }
    try {
      declaredLength = Long.parseLong(contentLength.trim());
    } catch (NumberFormatException e) {
      return;
    }
    if (declaredLength >= 0 && received >= declaredLength) {
      ended = true;
      drain();
    }
  }

  Context context() {
    return context;
  }

  // ---- fed by the gRPC side

  void push(Buffer chunk) {
    requested = false;
    if (!done) {
      queue.add(chunk);
      received += chunk.length();
      if (declaredLength >= 0 && received >= declaredLength) {
        ended = true;
      }
      drain();
    }
  }

  void end() {
    ended = true;
    drain();
  }

  void fail(Throwable t) {
    if (failure == null) {
      failure = t;
    }
    drain();
  }

  @Override
  public void abort(Throwable cause) {
    if (!done) {
      done = true;
      queue.clear();
      onAbort.accept(cause);
    }
  }

  // ---- ReadStream

  @Override
  public GrpcInbound handler(Handler<Buffer> h) {
    handler = h;
    drain();
    return this;
  }

  @Override
  public GrpcInbound endHandler(Handler<Void> h) {
    endHandler = h;
    drain();
    return this;
  }

  @Override
  public GrpcInbound exceptionHandler(Handler<Throwable> h) {
    exceptionHandler = h;
    return this;
  }

  @Override
  public GrpcInbound pause() {
    demand = 0;
    return this;
  }

  @Override
  public GrpcInbound resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public GrpcInbound fetch(long amount) {
    if (amount > 0) {
      demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
      drain();
    }
    return this;
  }

  private void drain() {
    if (draining) {
      return;
    }
    draining = true;
    try {
      if (failure != null && !done) {
        done = true;
        queue.clear();
        if (exceptionHandler != null) {
          exceptionHandler.handle(failure);
        }
        return;
      }
      while (!done && demand > 0 && handler != null && !queue.isEmpty()) {
        if (demand != Long.MAX_VALUE) {
          demand--;
        }
        handler.handle(queue.poll());
      }
      if (done || !queue.isEmpty()) {
        return;
      }
      if (ended) {
        // The end waits for a reader: a body may end before anyone has started reading it.
        if (endHandler != null && handler != null) {
          done = true;
          endHandler.handle(null);
        }
      } else if (demand > 0 && handler != null && !requested) {
        requested = true;
        requestOne.run();
      }
    } finally {
      draining = false;
    }
  }
}
