package io.tandem.sidecar.invoke;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A body that is already in memory (a unary gRPC request), as a paused {@link ReadStream} confined
 * to one Vert.x context: it emits its buffer, then ends, once read.
 */
final class InMemoryBody implements ReadStream<Buffer> {
  private final Context context;
  private Buffer data;
  private long demand;
  private boolean ended;
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;

  InMemoryBody(Context context, Buffer data) {
    this.context = context;
    this.data = data;
  }

  /** Reads a whole body into memory (for unary answers), refusing more than {@code limit}. */
  static Future<Buffer> collect(ReadStream<Buffer> body, long limit) {
    if (body == null) {
      return Future.succeededFuture(Buffer.buffer());
    }
    Promise<Buffer> p = Promise.promise();
    Buffer all = Buffer.buffer();
    body.exceptionHandler(p::tryFail);
    body.endHandler(v -> p.tryComplete(all));
    body.handler(
        chunk -> {
          all.appendBuffer(chunk);
          if (all.length() > limit) {
            body.pause();
            if (body instanceof Abortable a) {
              a.abort(new IllegalStateException("response too large"));
            }
            p.tryFail(
                new IllegalStateException(
                    "the app's response exceeds " + limit + " bytes, too large for a unary reply"));
          }
        });
    body.resume();
    return p.future();
  }

  @Override
  public InMemoryBody exceptionHandler(Handler<Throwable> h) {
    return this;
  }

  @Override
  public InMemoryBody handler(Handler<Buffer> h) {
    handler = h;
    schedule();
    return this;
  }

  @Override
  public InMemoryBody endHandler(Handler<Void> h) {
    endHandler = h;
    return this;
  }

  @Override
  public InMemoryBody pause() {
    demand = 0;
    return this;
  }

  @Override
  public InMemoryBody resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public InMemoryBody fetch(long amount) {
    demand = Math.max(demand, amount);
    schedule();
    return this;
  }

  private void schedule() {
    context.runOnContext(v -> emit());
  }

  private void emit() {
    if (ended || demand <= 0 || handler == null) {
      return;
    }
    Buffer d = data;
    data = null;
    if (d != null && d.length() > 0) {
      handler.handle(d);
    }
    ended = true;
    if (endHandler != null) {
      endHandler.handle(null);
    }
  }
}
