package io.tandem.components.postgresql.configuration;

import io.tandem.components.ComponentException;
import io.tandem.components.postgresql.Health;
import io.tandem.components.postgresql.PgDatabase;
import io.tandem.components.postgresql.PgErrors;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.pgclient.PgConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;

/**
 * The one connection a configuration store keeps for {@code LISTEN}, shared by all its watches.
 * Opened at the first subscription; when lost, reopened with a back-off (250 ms to 5 s) for as long
 * as a watch remains, and every channel is listened to again. While it is down, {@link #trouble()}
 * says so.
 *
 * <p>All its state lives on one Vert.x context: every method hops there first.
 */
final class NotificationListener {
  interface Handler {
    /** A notification arrived on {@code channel}. Runs on the listener's context. */
    void onNotification(String channel, String payload);

    /** The connection was lost and is back, listening again: changes may have been missed. */
    void onReconnected();
  }

  private final PgDatabase db;
  private final Context context;
  private final Handler handler;
  private final Health health;
  private final Logger log;
  private final String label;

  private final Map<String, Set<Watch>> channels = new HashMap<>();
  private final Set<String> listening = new HashSet<>();
  private final Map<String, List<Promise<Void>>> pending = new HashMap<>();
  private PgConnection conn;
  private boolean connecting;
  private boolean everConnected;
  private int attempt;
  private boolean closed;

  NotificationListener(PgDatabase db, String label, Handler handler, Logger log) {
    this.db = db;
    this.label = label;
    this.handler = handler;
    this.log = log;
    this.context = db.vertx().getOrCreateContext();
    // reported and cleared by this listener as its connection comes and goes; never probed
    this.health =
        new Health(db.vertx(), label + " (LISTEN connection)", log, () -> Future.succeededFuture());
  }

  Optional<String> trouble() {
    return health.trouble();
  }

  /** Adds {@code watch}; completes once its channel is listened to. */
  Future<Void> add(Watch watch) {
    Promise<Void> listened = Promise.promise();
    context.runOnContext(
        v -> {
          if (closed) {
            listened.fail(
                new ComponentException(ComponentException.Reason.FAILURE, label + " is closed"));
            return;
          }
          String channel = watch.channel();
          channels.computeIfAbsent(channel, c -> new LinkedHashSet<>()).add(watch);
          if (conn != null && listening.contains(channel)) {
            listened.complete();
            return;
          }
          boolean inFlight = pending.containsKey(channel);
          pending.computeIfAbsent(channel, c -> new ArrayList<>()).add(listened);
          if (conn == null) {
            connect();
          } else if (!inFlight) {
            listen(conn, channel);
          }
        });
    return db.withTimeout(listened.future(), db.settings().timeout(), "subscribe")
        .onFailure(err -> remove(watch));
  }

  /** Removes {@code watch}; the channel is unlistened when it was the last one on it. */
  void remove(Watch watch) {
    context.runOnContext(
        v -> {
          String channel = watch.channel();
          Set<Watch> set = channels.get(channel);
          if (set == null || !set.remove(watch) || !set.isEmpty()) {
            return;
          }
          channels.remove(channel);
          if (conn != null && listening.remove(channel)) {
            conn.query("UNLISTEN " + quote(channel))
                .execute()
                .onFailure(
                    err ->
                        log.debug("{}: UNLISTEN {} failed: {}", label, channel, err.getMessage()));
          }
          if (channels.isEmpty()) {
            health.clear();
          }
        });
  }

  /** The watches on {@code channel}, for delivery; call on the listener's context. */
  List<Watch> watches(String channel) {
    Set<Watch> set = channels.get(channel);
    return set == null ? List.of() : List.copyOf(set);
  }

  /** Every watch; call on the listener's context. */
  List<Watch> allWatches() {
    List<Watch> all = new ArrayList<>();
    channels.values().forEach(all::addAll);
    return all;
  }

  Context context() {
    return context;
  }

  private void connect() {
    if (connecting || closed || conn != null) {
      return;
    }
    connecting = true;
    PgConnection.connect(db.vertx(), db.connectOptions())
        .onComplete(
            ar ->
                context.runOnContext(
                    v -> {
                      connecting = false;
                      if (ar.failed()) {
                        connectFailed(ar.cause());
                      } else if (closed) {
                        ar.result().close();
                      } else {
                        connected(ar.result());
                      }
                    }));
  }

  private void connected(PgConnection c) {
    conn = c;
    attempt = 0;
    boolean reconnected = everConnected;
    everConnected = true;
    c.notificationHandler(
        n -> context.runOnContext(v -> handler.onNotification(n.getChannel(), n.getPayload())));
    c.closeHandler(v -> context.runOnContext(x -> lost(c)));
    List<Future<Void>> all = new ArrayList<>();
    for (String channel : channels.keySet()) {
      all.add(listen(c, channel));
    }
    Future.all(all)
        .onComplete(
            ar ->
                context.runOnContext(
                    v -> {
                      if (ar.succeeded() && conn == c) {
                        health.clear();
                        if (reconnected) {
                          log.info("{}: LISTEN connection restored", label);
                          handler.onReconnected();
                        }
                      }
                    }));
  }

  private Future<Void> listen(PgConnection c, String channel) {
    return c.query("LISTEN " + quote(channel))
        .execute()
        .<Void>mapEmpty()
        .onComplete(
            ar ->
                context.runOnContext(
                    v -> {
                      if (conn != c) {
                        return; // lost meanwhile: the next connection listens again
                      }
                      List<Promise<Void>> waiting = pending.remove(channel);
                      if (ar.succeeded()) {
                        listening.add(channel);
                        if (waiting != null) {
                          waiting.forEach(Promise::tryComplete);
                        }
                        return;
                      }
                      ComponentException e = db.failure("LISTEN " + channel, ar.cause());
                      if (waiting != null) {
                        waiting.forEach(p -> p.tryFail(e));
                      }
                      if (PgErrors.isConnectionProblem(ar.cause())) {
                        c.close();
                      }
                    }));
  }

  private void connectFailed(Throwable cause) {
    ComponentException e = db.failure("opening the LISTEN connection", cause);
    // subscriptions waiting for this connection fail now rather than at their time limit
    pending.values().forEach(list -> list.forEach(p -> p.tryFail(e)));
    pending.clear();
    if (channels.isEmpty()) {
      return;
    }
    health.report("cannot connect: " + PgErrors.describe(cause));
    retryLater();
  }

  private void lost(PgConnection c) {
    if (conn != c) {
      return;
    }
    conn = null;
    listening.clear();
    if (closed || channels.isEmpty()) {
      return;
    }
    health.report("connection lost");
    db.health().probeNow();
    retryLater();
  }

  private void retryLater() {
    long delay =
        Math.min(
            Duration.ofSeconds(5).toMillis(),
            Duration.ofMillis(250).toMillis() << Math.min(attempt, 10));
    attempt++;
    try {
      db.vertx().setTimer(delay, id -> context.runOnContext(v -> connect()));
    } catch (IllegalStateException e) {
      // Vert.x is closing
    }
  }

  /** Closes the connection; the future completes once it is closed. */
  Future<Void> close() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(
        v -> {
          closed = true;
          health.close();
          ComponentException e =
              new ComponentException(ComponentException.Reason.FAILURE, label + " is closed");
          pending.values().forEach(list -> list.forEach(p -> p.tryFail(e)));
          pending.clear();
          channels.clear();
          if (conn != null) {
            PgConnection c = conn;
            conn = null;
            c.close().onComplete(ar -> done.tryComplete());
          } else {
            done.tryComplete();
          }
        });
    return done.future();
  }

  /** Checked channel names only reach here; quoting keeps their case, as pg_notify sees it. */
  static String quote(String channel) {
    return '"' + channel.replace("\"", "\"\"") + '"';
  }
}
