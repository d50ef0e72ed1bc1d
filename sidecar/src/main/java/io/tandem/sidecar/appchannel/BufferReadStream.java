package io.tandem.sidecar.appchannel;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A body already in memory (a gRPC app's answer, a configuration update) as a paused {@link
 * ReadStream}: it emits its one buffer, then ends, once someone reads it.
 */
public final class BufferReadStream implements ReadStream<Buffer> {
  private final Context context;
  private final Buffer data;
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;
  private boolean paused = true;
  private boolean emitted;

  public BufferReadStream(Vertx vertx, Buffer data) {
    this.context = vertx.getOrCreateContext();
    this.data = data;
  }

  @Override
  public synchronized BufferReadStream exceptionHandler(Handler<Throwable> h) {
    return this;
  }

  @Override
  public synchronized BufferReadStream handler(Handler<Buffer> h) {
    this.handler = h;
    return this;
  }

  @Override
  public synchronized BufferReadStream pause() {
    paused = true;
    return this;
  }

  @Override
  public BufferReadStream resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public BufferReadStream fetch(long amount) {
    synchronized (this) {
      if (amount <= 0 || emitted) {
        return this;
      }
      paused = false;
      emitted = true;
    }
    context.runOnContext(
        v -> {
          Handler<Buffer> h;
          Handler<Void> end;
          synchronized (this) {
            h = handler;
            end = endHandler;
          }
          if (h != null && data.length() > 0) {
            h.handle(data);
          }
          if (end != null) {
            end.handle(null);
          }
        });
    return this;
  }

  @Override
  public synchronized BufferReadStream endHandler(Handler<Void> h) {
    this.endHandler = h;
    return this;
  }

  synchronized boolean isPaused() {
    return paused;
  }
}
