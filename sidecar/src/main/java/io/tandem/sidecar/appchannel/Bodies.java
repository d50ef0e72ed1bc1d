package io.tandem.sidecar.appchannel;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/** Reading a streamed body whole, for the few places that must (a gRPC app's unary call). */
final class Bodies {
  private Bodies() {}

  /** The whole body, failing once it exceeds {@code limit} bytes. A null body is empty. */
  static Future<Buffer> collect(ReadStream<Buffer> body, long limit) {
    if (body == null) {
      return Future.succeededFuture(Buffer.buffer());
    }
    Promise<Buffer> p = Promise.promise();
    Buffer acc = Buffer.buffer();
    body.exceptionHandler(p::tryFail);
    body.handler(
        b -> {
          if (acc.length() + (long) b.length() > limit) {
            body.pause();
            p.tryFail(new BodyTooLargeException(limit));
            return;
          }
          acc.appendBuffer(b);
        });
    body.endHandler(v -> p.tryComplete(acc));
    body.resume();
    return p.future();
  }

  /** A body over {@code --max-body-size}. */
  static final class BodyTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BodyTooLargeException(long limit) {
      super("body exceeds the limit of " + limit + " bytes (--max-body-size)", null, false, false);
    }
  }
}
