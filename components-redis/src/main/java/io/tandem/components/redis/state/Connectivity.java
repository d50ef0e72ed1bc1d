package io.tandem.components.redis.state;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.impl.types.ErrorType;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;

/**
 * Whether the store can reach Redis. A failure that looks like a lost connection (anything but an
 * error reply from the server, or a reply saying the server cannot serve yet) puts the store in
 * trouble: operations then fail at once, and a probe {@code PING}s Redis with a back-off growing
 * from {@code redisMinRetryInterval} to {@code redisMaxRetryInterval} until it answers, which
 * clears the trouble. While the store is healthy and idle, a heartbeat {@code PING}s every second,
 * so a server that went away is noticed without traffic.
 */
final class Connectivity {
  private static final long HEARTBEAT_MILLIS = 1000;

  private final Vertx vertx;
  private final Redis redis;
  private final String component;
  private final String where;
  private final long minRetryMillis;
  private final long maxRetryMillis;
  private final long pingTimeoutMillis;
  private final UnaryOperator<String> redact;
  private final Logger log;

  private volatile String trouble;
  private volatile boolean probing;
  private volatile boolean heartbeatInFlight;
  private volatile long lastSuccessNanos = System.nanoTime();
  private volatile boolean closed;
  private long heartbeatTimer = -1;

  Connectivity(
      Vertx vertx,
      Redis redis,
      String component,
      String where,
      Duration minRetry,
      Duration maxRetry,
      Duration pingTimeout,
      UnaryOperator<String> redact,
      Logger log) {
    this.vertx = vertx;
    this.redis = redis;
    this.component = component;
    this.where = where;
    this.minRetryMillis = Math.max(1, minRetry.toMillis());
    this.maxRetryMillis = Math.max(minRetryMillis, maxRetry.toMillis());
    this.pingTimeoutMillis = Math.max(1, pingTimeout.toMillis());
    this.redact = redact;
    this.log = log;
  }

  void start() {
    heartbeatTimer = vertx.setPeriodic(HEARTBEAT_MILLIS, id -> heartbeat());
  }

  void close() {
    closed = true;
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
    }
  }

  /** What is wrong, or empty while Redis answers. */
  Optional<String> trouble() {
    return Optional.ofNullable(trouble);
  }

  /** An operation got an answer from Redis. */
  void succeeded() {
    lastSuccessNanos = System.nanoTime();
  }

  /**
   * An operation failed with {@code cause}; if it says the connection is lost, the store goes into
   * trouble and starts probing. Returns whether it did.
   */
  boolean failed(Throwable cause) {
    if (!isConnectionLoss(cause) || closed) {
      return false;
    }
    lost(cause);
    return true;
  }

  /** Whether {@code cause} means Redis cannot be reached, as opposed to an answer it gave. */
  static boolean isConnectionLoss(Throwable cause) {
    if (cause instanceof ErrorType e) {
      return e.is("LOADING") || e.is("MASTERDOWN") || e.is("CLUSTERDOWN");
    }
    // A full pool is load, not a lost server.
    return !(cause instanceof ConnectionPoolTooBusyException);
  }

  private void heartbeat() {
    if (closed
        || trouble != null
        || probing
        || heartbeatInFlight
        || System.nanoTime() - lastSuccessNanos < HEARTBEAT_MILLIS * 1_000_000L) {
      return;
    }
    heartbeatInFlight = true;
    ping()
        .onComplete(
            ar -> {
              heartbeatInFlight = false;
              if (ar.succeeded()) {
                succeeded();
              } else if (!closed) {
                lost(ar.cause());
              }
            });
  }

  private synchronized void lost(Throwable cause) {
    String was = trouble;
    trouble = describe(cause);
    if (was == null) {
      log.warn("{}: {}", component, trouble);
    }
    if (!probing) {
      probing = true;
      schedule(minRetryMillis);
    }
  }

  private void schedule(long delay) {
    if (closed) {
      return;
    }
    vertx.setTimer(
        delay,
        id ->
            ping()
                .onComplete(
                    ar -> {
                      if (closed) {
                        return;
                      }
                      if (ar.succeeded()) {
                        recovered();
                      } else {
                        trouble = describe(ar.cause());
                        schedule(Math.min(maxRetryMillis, delay * 2));
                      }
                    }));
  }

  private synchronized void recovered() {
    probing = false;
    trouble = null;
    succeeded();
    log.info("{}: reconnected to {}", component, where);
  }

  private Future<Void> ping() {
    Promise<Void> done = Promise.promise();
    long timer =
        vertx.setTimer(
            pingTimeoutMillis,
            id ->
                done.tryFail(
                    new TimeoutException("no answer to PING within " + pingTimeoutMillis + "ms")));
    try {
      redis
          .send(Request.cmd(Command.PING))
          .onComplete(
              ar -> {
                vertx.cancelTimer(timer);
                if (ar.succeeded()) {
                  done.tryComplete();
                } else {
                  done.tryFail(ar.cause());
                }
              });
    } catch (RuntimeException e) {
      vertx.cancelTimer(timer);
      done.tryFail(e);
    }
    return done.future();
  }

  private String describe(Throwable cause) {
    String m = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    return "cannot reach " + where + ": " + redact.apply(m) + ", reconnecting";
  }
}
