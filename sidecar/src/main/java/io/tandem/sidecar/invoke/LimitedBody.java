package io.tandem.sidecar.invoke;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A request body counted as it streams: past {@code limit} bytes it stops reading its source and
 * fails with {@link InvocationFailures.BodyTooLargeException}, so --max-body-size holds without
 * buffering the body.
 */
final class LimitedBody implements ReadStream<Buffer> {
  private final ReadStream<Buffer> source;
  private final long limit;
  private long seen;
  private boolean exceeded;
  private Handler<Throwable> exceptionHandler;
  private Handler<Void> endHandler;

  LimitedBody(ReadStream<Buffer> source, long limit) {
    this.source = source;
    this.limit = limit;
    source.exceptionHandler(
        t -> {
          if (!exceeded && exceptionHandler != null) {
            exceptionHandler.handle(t);
          }
        });
    source.endHandler(
        v -> {
          if (!exceeded && endHandler != null) {
            endHandler.handle(null);
          }
        });
  }

  @Override
  public LimitedBody handler(Handler<Buffer> handler) {
    if (handler == null) {
      source.handler(null);
      return this;
    }
    source.handler(
        chunk -> {
          if (exceeded) {
            return;
          }
          seen += chunk.length();
          if (seen > limit) {
            exceeded = true;
            source.pause();
            if (exceptionHandler != null) {
              exceptionHandler.handle(new InvocationFailures.BodyTooLargeException(limit));
            }
            return;
          }
          handler.handle(chunk);
        });
    return this;
  }

  @Override
  public LimitedBody exceptionHandler(Handler<Throwable> handler) {
    exceptionHandler = handler;
    return this;
  }

  @Override
  public LimitedBody endHandler(Handler<Void> handler) {
    endHandler = handler;
    return this;
  }

  @Override
  public LimitedBody pause() {
    source.pause();
    return this;
  }

  @Override
  public LimitedBody resume() {
    if (!exceeded) {
      source.resume();
    }
    return this;
  }

  @Override
  public LimitedBody fetch(long amount) {
    if (!exceeded) {
      source.fetch(amount);
    }
    return this;
  }
}
