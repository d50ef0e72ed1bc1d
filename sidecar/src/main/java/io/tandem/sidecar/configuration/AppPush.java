package io.tandem.sidecar.configuration;

import io.tandem.components.configuration.ConfigurationItem;
import io.tandem.sidecar.appchannel.AppChannel;
import io.tandem.sidecar.appchannel.AppRequest;
import io.tandem.sidecar.appchannel.BufferReadStream;
import io.tandem.sidecar.invoke.MethodPath;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.streams.ReadStream;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes a subscription's updates into the app as Dapr does for subscriptions made over HTTP: for
 * each key in an update, {@code POST /configuration/<store>/<key>} with the whole update as body,
 * {@code {"id":..,"items":{..}}}. Through the app channel, so a gRPC app receives the same call as
 * {@code OnInvoke}. Updates go one after the other, in order; an app that fails one (not 2xx,
 * unreachable, or no answer within {@link #ANSWER_TIMEOUT}) is logged and the next update goes on,
 * as in Dapr (no redelivery).
 */
final class AppPush implements ConfigurationSink {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.configuration");

  /** How long the app may take to answer one update before the next one goes. */
  static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

  private final AppChannel app;
  private final Vertx vertx;
  private final String storeName;
  private final Duration answerTimeout;
  private Future<Void> tail = Future.succeededFuture();

  AppPush(AppChannel app, Vertx vertx, String storeName) {
    this(app, vertx, storeName, ANSWER_TIMEOUT);
  }

  AppPush(AppChannel app, Vertx vertx, String storeName, Duration answerTimeout) {
    this.app = app;
    this.vertx = vertx;
    this.storeName = storeName;
    this.answerTimeout = answerTimeout;
  }

  @Override
  public void started(String id) {}

  @Override
  public synchronized void update(String id, Map<String, ConfigurationItem> items) {
    String body = ConfigurationJson.update(id, ConfigurationService.toProto(items));
    for (String key : new TreeMap<>(items).keySet()) {
      tail = tail.transform(ar -> post(id, key, body));
    }
  }

  @Override
  public void ended() {}

  private Future<Void> post(String id, String key, String body) {
    String path;
    try {
      path = MethodPath.fromDecoded("configuration/" + storeName + "/" + key).encoded();
    } catch (MethodPath.InvalidMethodException e) {
      log.warn(
          "configuration subscription {}: key {} cannot be sent to the app as a path: {}",
          id,
          key,
          e.getMessage());
      return Future.succeededFuture();
    }
    Buffer data = Buffer.buffer(body);
    MultiMap headers =
        MultiMap.caseInsensitiveMultiMap()
            .add(HttpHeaders.CONTENT_TYPE, "application/json")
            .add(HttpHeaders.CONTENT_LENGTH, Integer.toString(data.length()));
    Promise<Void> done = Promise.promise();
    app.invoke(new AppRequest("POST", path, "", headers, new BufferReadStream(vertx, data)))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                log.error(
                    "error sending configuration item {} of {} to the app: {}",
                    key,
                    storeName,
                    ar.cause().getMessage());
                done.complete();
                return;
              }
              int status = ar.result().status();
              if (status / 100 != 2) {
                log.error(
                    "error sending configuration item {} of {} to the app: it answered {}",
                    key,
                    storeName,
                    status);
              }
              drain(ar.result().body(), done);
            });
    // an app that never answers must not hold the updates after it for ever
    long timer =
        vertx.setTimer(
            answerTimeout.toMillis(),
            t -> {
              if (done.tryComplete()) {
                log.error(
                    "error sending configuration item {} of {} to the app: no answer in {}",
                    key,
                    storeName,
                    answerTimeout);
              }
            });
    return done.future().onComplete(v -> vertx.cancelTimer(timer));
  }

  /** Reads the app's answer to its end, which frees its connection, then completes {@code done}. */
  private static void drain(ReadStream<Buffer> body, Promise<Void> done) {
    if (body == null) {
      done.tryComplete();
      return;
    }
    if (body instanceof HttpClientResponse r) {
      // end() also works on an answer that has already ended (an empty body often has)
      r.end().onComplete(v -> done.tryComplete());
      r.resume();
      return;
    }
    try {
      body.exceptionHandler(err -> done.tryComplete());
      body.endHandler(v -> done.tryComplete());
      body.handler(b -> {});
      body.resume();
    } catch (IllegalStateException ended) {
      done.tryComplete();
    }
  }
}
