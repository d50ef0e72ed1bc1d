package io.tandem.components.redis;

import io.tandem.components.Completions;
import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pooled connection every Redis component keeps to its server, and what it knows about the
 * server's health; {@code state.redis}, {@code pubsub.redis}, {@code lock.redis} and {@code
 * configuration.redis} all send their commands through one of these.
 *
 * <ul>
 *   <li>Vert.x: the sidecar's ({@code ComponentContext.shared(Vertx.class)}) when it offers one,
 *       else one of the link's own, closed with it.
 *   <li>Every command has a deadline: {@code readTimeout} unless the caller gives another, none
 *       when the user asked for none.
 *   <li>A failure that means the server cannot be used (no answer in time, a lost connection, or a
 *       reply such as {@code LOADING}) puts the link in trouble: {@link #trouble()} says so,
 *       commands fail at once instead of waiting, and a probe {@code PING}s with the back-off of
 *       {@link RedisSettings#retryDelay} until the server answers, which clears the trouble. An
 *       error reply (a refused command) is not trouble.
 *   <li>While healthy and idle, a heartbeat {@code PING}s every second (only when nothing answered
 *       in the last second), so a server that went away is noticed without traffic.
 * </ul>
 *
 * <p>Dedicated connections (pub/sub readers, keyspace subscriptions) come from {@link #newClient};
 * their owners watch them and retry with the same back-off.
 */
public final class RedisLink implements AutoCloseable {
  private static final Logger DEFAULT_LOG = LoggerFactory.getLogger("tandem.components.redis");
  private static final long HEARTBEAT_MILLIS = 1000;

  private final String component;
  private final RedisSettings settings;
  private final Logger log;
  private final Vertx vertx;
  private final boolean ownsVertx;
  private final UnaryOperator<RedisOptions> tune;
  private final Redis client;
  private final Duration waitLimit;

  private volatile String trouble;
  private volatile boolean closed;
  private volatile long lastAnswerNanos = System.nanoTime();
  private volatile boolean heartbeatInFlight;
  // guarded by this
  private boolean probing;
  private int failedProbes;
  private long heartbeatTimer = -1;
  private long probeTimer = -1;

  private RedisLink(
      String component,
      RedisSettings settings,
      Logger log,
      Vertx vertx,
      boolean ownsVertx,
      UnaryOperator<RedisOptions> tune) {
    this.component = component;
    this.settings = settings;
    this.log = log;
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.tune = tune;
    Duration read =
        settings.readTimeout() != null
            ? settings.readTimeout()
            : RedisSettings.DEFAULT_READ_TIMEOUT;
    this.waitLimit = settings.dialTimeout().plus(read);
    checkClientCertificate();
    this.client = Redis.createClient(vertx, options());
  }

  /** A client certificate that cannot be read fails init now, not at the first connection. */
  private void checkClientCertificate() {
    settings
        .clientCertificate()
        .ifPresent(
            pem -> {
              try {
                pem.getKeyManagerFactory(vertx);
              } catch (Exception e) {
                throw ComponentException.invalid(
                    component
                        + ": metadata 'clientCert' and 'clientKey' are not a PEM certificate and"
                        + " private key that can be read: "
                        + describe(e));
              }
            });
  }

  /**
   * {@link #open(String, RedisSettings, ComponentContext, Logger, UnaryOperator)} with the
   * connection metadata of {@code md}, naming the component "component NAME".
   */
  public static RedisLink open(ComponentMetadata md, ComponentContext context) {
    return open("component " + md.name(), RedisSettings.from(md), context, DEFAULT_LOG, o -> o);
  }

  /**
   * Connects and PINGs once, blocking the calling init thread up to {@link #waitLimit()}, then
   * starts the heartbeat. A server that does not answer fails init, as in Dapr.
   *
   * @param component how messages and log lines name the component, e.g. "state store orders"
   * @param tune changes to the client options, for this pool and every {@link #newClient}
   */
  public static RedisLink open(
      String component,
      RedisSettings settings,
      ComponentContext context,
      Logger log,
      UnaryOperator<RedisOptions> tune) {
    Optional<Vertx> shared = context.shared(Vertx.class);
    Vertx vertx = shared.orElseGet(Vertx::vertx);
    RedisLink link;
    try {
      link = new RedisLink(component, settings, log, vertx, shared.isEmpty(), tune);
    } catch (RuntimeException e) {
      if (shared.isEmpty()) {
        vertx.close();
      }
      throw e;
    }
    try {
      link.firstPing();
    } catch (RuntimeException e) {
      link.close();
      throw e;
    }
    link.startHeartbeat();
    log.info("{}: connected to {}", component, settings);
    return link;
  }

  private void firstPing() {
    long ms = waitLimit.toMillis();
    try {
      client
          .send(Request.cmd(Command.PING))
          .toCompletionStage()
          .toCompletableFuture()
          .get(ms, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw ComponentException.failure(
          component + ": cannot reach " + settings + ": " + describe(e.getCause()), null);
    } catch (TimeoutException e) {
      throw ComponentException.failure(
          component + ": cannot reach " + settings + ": no answer within " + ms + "ms", null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ComponentException.failure(
          component + ": interrupted while connecting to " + settings, null);
    }
  }

  private RedisOptions options() {
    return tune.apply(settings.toOptions());
  }

  public RedisSettings settings() {
    return settings;
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * A new client with the link's options changed by {@code more}, for dedicated connections; its
   * owner closes it before the link.
   */
  public Redis newClient(UnaryOperator<RedisOptions> more) {
    return Redis.createClient(vertx, more.apply(options()));
  }

  /** A new client with the link's options, for dedicated connections. */
  public Redis newClient() {
    return newClient(o -> o);
  }

  /**
   * How long the link's own waits may take (the first PING, a probe, a subscription's
   * confirmation): {@code dialTimeout} plus {@code readTimeout} (plus 3 s when there is none).
   */
  public Duration waitLimit() {
    return waitLimit;
  }

  /** What is wrong with the server right now, or empty. Cheap: a volatile read. */
  public Optional<String> trouble() {
    return Optional.ofNullable(trouble);
  }

  // ---- sending ----------------------------------------------------------------------------------

  /**
   * Runs {@code work} on the pooled client under {@code deadline} ({@code null}: none) and keeps
   * track of the server's health. The future fails with what the client reported, with a {@link
   * TimeoutException} when the deadline passed, and at once with a {@link ComponentException}
   * saying what is wrong while the link is in trouble or closed.
   */
  public <T> Future<T> guard(Function<Redis, Future<T>> work, Duration deadline) {
    if (closed) {
      return Future.failedFuture(ComponentException.failure("the component is closed", null));
    }
    String t = trouble;
    if (t != null) {
      return Future.failedFuture(ComponentException.failure(t, null));
    }
    Promise<T> out = Promise.promise();
    long timer = -1;
    try {
      if (deadline != null) {
        long ms = Math.max(1, deadline.toMillis());
        timer =
            vertx.setTimer(
                ms,
                id -> {
                  TimeoutException late = new TimeoutException("no answer within " + ms + "ms");
                  if (out.tryFail(late)) {
                    lost(late);
                  }
                });
      }
      long deadlineTimer = timer;
      work.apply(client)
          .onComplete(
              ar -> {
                if (deadlineTimer >= 0) {
                  vertx.cancelTimer(deadlineTimer);
                }
                if (ar.succeeded()) {
                  lastAnswerNanos = System.nanoTime();
                  out.tryComplete(ar.result());
                  return;
                }
                Throwable err = ar.cause();
                if (!isConnectionLoss(err)) {
                  lastAnswerNanos = System.nanoTime();
                } else if (!out.future().isComplete()) {
                  lost(err);
                }
                out.tryFail(err);
              });
    } catch (RuntimeException e) {
      // Vert.x is closing, or the client refused the command
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      out.tryFail(e);
    }
    return out.future();
  }

  /** Sends one command under {@code readTimeout}; see {@link #guard}. */
  public Future<Response> call(Request request) {
    return guard(c -> c.send(request), settings.readTimeout());
  }

  /** Sends one command under {@code deadline} ({@code null}: none); see {@link #guard}. */
  public Future<Response> call(Request request, Duration deadline) {
    return guard(c -> c.send(request), deadline);
  }

  /**
   * Sends one command under {@code readTimeout}; completes on a Vert.x event loop. Fails with a
   * {@link ComponentException} naming the component when the server answers with an error, cannot
   * be reached, or does not answer in time.
   */
  public CompletionStage<Response> send(Request request) {
    if (closed) {
      return CompletableFuture.failedFuture(
          ComponentException.failure(component + " is closed", null));
    }
    CompletableFuture<Response> out = new CompletableFuture<>();
    call(request)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                out.complete(ar.result());
              } else {
                Throwable err = ar.cause();
                // an error reply stays the cause, so callers can tell what Redis said
                out.completeExceptionally(
                    ComponentException.failure(
                        component + ": " + describe(err), isErrorReply(err) ? err : null));
              }
            });
    return out;
  }

  /** Sends several commands, each as its own {@link #send}. */
  public CompletionStage<List<Response>> sendAll(List<Request> requests) {
    @SuppressWarnings("unchecked")
    CompletableFuture<Response>[] all =
        requests.stream().map(r -> send(r).toCompletableFuture()).toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(all)
        .thenApply(v -> Arrays.stream(all).map(CompletableFuture::join).toList());
  }

  // ---- what failures mean -----------------------------------------------------------------------

  /**
   * Whether {@code t} (or a cause) is the server answering with an error, as opposed to no answer.
   * (The client reports a lost connection and an unreadable answer with the same type as Redis's
   * errors, as {@code CONNECTION_CLOSED} and {@code ILLEGAL_STATE ...}: those are not answers.)
   */
  public static boolean isErrorReply(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof Response) {
        String m = String.valueOf(c.getMessage());
        return !m.startsWith("CONNECTION_CLOSED") && !m.startsWith("ILLEGAL_STATE");
      }
    }
    return false;
  }

  /**
   * Whether {@code t} means the server cannot be used right now: no answer (a lost connection, a
   * deadline passed), or an answer saying it cannot serve yet ({@code LOADING}, {@code MASTERDOWN},
   * {@code CLUSTERDOWN}). A full pool is load, not a lost server.
   */
  public static boolean isConnectionLoss(Throwable t) {
    Throwable c = Completions.unwrap(t);
    if (isErrorReply(c)) {
      String m = String.valueOf(c.getMessage());
      return m.startsWith("LOADING") || m.startsWith("MASTERDOWN") || m.startsWith("CLUSTERDOWN");
    }
    return !(c instanceof ConnectionPoolTooBusyException);
  }

  /** The innermost cause's message, with the password blotted out should the client quote it. */
  public String describe(Throwable t) {
    if (t == null) {
      return "unknown error";
    }
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    String m = c.getMessage();
    return settings.redact(m == null || m.isBlank() ? c.getClass().getSimpleName() : m);
  }

  // ---- health -----------------------------------------------------------------------------------

  private String troubleFrom(Throwable cause) {
    return "cannot reach " + settings + ": " + describe(cause) + "; reconnecting";
  }

  /** The server cannot be used: report it and probe until it answers. */
  private synchronized void lost(Throwable cause) {
    if (closed) {
      return;
    }
    String was = trouble;
    trouble = troubleFrom(cause);
    if (was == null) {
      log.warn("{}: {}", component, trouble);
    }
    if (!probing) {
      probing = true;
      failedProbes = 0;
      scheduleProbe(settings.retryDelay(1));
    }
  }

  private synchronized void scheduleProbe(Duration delay) {
    if (closed) {
      return;
    }
    try {
      probeTimer = vertx.setTimer(Math.max(1, delay.toMillis()), id -> probe());
    } catch (IllegalStateException | RejectedExecutionException e) {
      probing = false; // Vert.x is closing
    }
  }

  private void probe() {
    ping()
        .onComplete(
            ar -> {
              synchronized (this) {
                probeTimer = -1;
                if (closed) {
                  return;
                }
                if (ar.succeeded()) {
                  probing = false;
                  trouble = null;
                  lastAnswerNanos = System.nanoTime();
                  log.info("{}: reconnected to {}", component, settings);
                } else {
                  trouble = troubleFrom(ar.cause());
                  failedProbes++;
                  scheduleProbe(settings.retryDelay(failedProbes + 1));
                }
              }
            });
  }

  private synchronized void startHeartbeat() {
    if (!closed) {
      heartbeatTimer = vertx.setPeriodic(HEARTBEAT_MILLIS, id -> heartbeat());
    }
  }

  private void heartbeat() {
    if (closed
        || trouble != null
        || heartbeatInFlight
        || System.nanoTime() - lastAnswerNanos < HEARTBEAT_MILLIS * 1_000_000L) {
      return;
    }
    heartbeatInFlight = true;
    ping()
        .onComplete(
            ar -> {
              heartbeatInFlight = false;
              if (ar.succeeded()) {
                lastAnswerNanos = System.nanoTime();
              } else {
                lost(ar.cause());
              }
            });
  }

  /** A PING on the pool, bounded by {@link #waitLimit()}; any failure counts. */
  private Future<Void> ping() {
    Promise<Void> done = Promise.promise();
    long ms = waitLimit.toMillis();
    try {
      long timer =
          vertx.setTimer(
              ms,
              id -> done.tryFail(new TimeoutException("no answer to PING within " + ms + "ms")));
      client
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
    } catch (IllegalStateException | RejectedExecutionException e) {
      done.tryFail(e);
    }
    return done.future();
  }

  // ---- closing ----------------------------------------------------------------------------------

  /**
   * Stops the heartbeat and the probe and closes the pool, and the link's own Vert.x if it has one
   * (waiting up to 5 s for it, unless called on a Vert.x thread).
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      try {
        if (heartbeatTimer >= 0) {
          vertx.cancelTimer(heartbeatTimer);
        }
        if (probeTimer >= 0) {
          vertx.cancelTimer(probeTimer);
        }
      } catch (IllegalStateException | RejectedExecutionException e) {
        // Vert.x is closing
      }
    }
    client.close();
    if (ownsVertx) {
      Future<Void> done = vertx.close();
      if (!Context.isOnVertxThread()) {
        try {
          done.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
          log.warn("{}: its Vert.x instance did not close cleanly: {}", component, e.toString());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
