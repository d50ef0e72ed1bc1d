package io.tandem.components.redis;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pooled Vert.x Redis client that knows whether the server is reachable: every command gets a
 * deadline ({@code readTimeout}, Dapr's key, default 3 s), so nothing waits forever on a dead
 * server, and a watchdog PINGs the server, backing off between {@code redisMinRetryInterval} and
 * {@code redisMaxRetryInterval} while it is unreachable. {@link #trouble()} says what is wrong
 * until a PING succeeds again. The pool itself reconnects on the next command.
 */
public final class RedisLink implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("tandem.components.redis");
  private static final Duration HEALTHY_CHECK = Duration.ofSeconds(1);

  private final String component;
  private final RedisSettings settings;
  private final Duration timeout;
  private final Vertx vertx;
  private final boolean ownsVertx;
  private final Redis client;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile String trouble;
  private volatile long timer = -1;
  private Duration backoff;

  private RedisLink(
      String component, RedisSettings settings, Duration timeout, Vertx vertx, boolean ownsVertx) {
    this.component = component;
    this.settings = settings;
    this.timeout = timeout;
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.client = Redis.createClient(vertx, settings.toOptions());
    this.backoff = settings.minRetryInterval();
  }

  /**
   * Reads the metadata, connects and PINGs once (blocking the calling init thread up to the dial
   * timeout plus the read timeout), then starts the watchdog. A server that does not answer fails
   * init, as in Dapr.
   */
  public static RedisLink open(ComponentMetadata md, ComponentContext context) {
    RedisSettings settings = RedisSettings.from(md);
    Duration timeout = md.getDuration("readTimeout", Duration.ofSeconds(3));
    if (timeout.isNegative() || timeout.isZero()) {
      // Dapr's "-1" means no timeout; we keep a generous bound so that nothing hangs forever
      timeout = Duration.ofSeconds(30);
    }
    Optional<Vertx> shared = context.shared(Vertx.class);
    Vertx vertx = shared.orElseGet(Vertx::vertx);
    RedisLink link = new RedisLink(md.name(), settings, timeout, vertx, shared.isEmpty());
    try {
      link.send(Request.cmd(Command.PING))
          .toCompletableFuture()
          .get(settings.dialTimeout().plus(timeout).toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      link.close();
      throw new ComponentException(
          ComponentException.Reason.FAILURE,
          "component " + md.name() + ": cannot reach " + settings + ": " + link.describe(e),
          e);
    }
    link.schedule(HEALTHY_CHECK);
    LOG.info("component {}: connected to {}", md.name(), settings);
    return link;
  }

  public RedisSettings settings() {
    return settings;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** A new, unconnected client with the same options, for a dedicated connection. */
  public Redis newClient() {
    return Redis.createClient(vertx, settings.toOptions());
  }

  public Duration timeout() {
    return timeout;
  }

  /** What is wrong with the server right now, or empty. */
  public Optional<String> trouble() {
    return Optional.ofNullable(trouble);
  }

  /**
   * Sends one command; completes on a Vert.x event loop. Fails with a {@link ComponentException}
   * when the server answers with an error, cannot be reached, or does not answer in time.
   */
  public CompletionStage<Response> send(Request request) {
    CompletableFuture<Response> out = new CompletableFuture<>();
    if (closed.get()) {
      out.completeExceptionally(
          new ComponentException(
              ComponentException.Reason.FAILURE, "component " + component + " is closed"));
      return out;
    }
    long deadline =
        vertx.setTimer(
            timeout.toMillis(),
            id ->
                out.completeExceptionally(
                    unreachable(
                        "no answer from " + settings + " within " + timeout.toMillis() + " ms",
                        null)));
    client
        .send(request)
        .onComplete(
            ar -> {
              vertx.cancelTimer(deadline);
              if (ar.succeeded()) {
                out.complete(ar.result());
              } else if (ar.cause() instanceof Response) {
                // an error reply: the server is there, the command was refused
                out.completeExceptionally(
                    ComponentException.failure(
                        "component " + component + ": " + describe(ar.cause()), ar.cause()));
              } else {
                out.completeExceptionally(unreachable(describe(ar.cause()), ar.cause()));
              }
            });
    return out;
  }

  private ComponentException unreachable(String why, Throwable cause) {
    noteTrouble("cannot reach " + settings + ": " + why + "; reconnecting");
    return ComponentException.failure("component " + component + ": " + why, cause);
  }

  /** Records a connection problem and makes the watchdog probe soon. */
  public void noteTrouble(String what) {
    if (closed.get()) {
      return;
    }
    if (trouble == null) {
      LOG.warn("component {}: {}", component, what);
      trouble = what;
      schedule(settings.minRetryInterval());
    }
  }

  private synchronized void schedule(Duration delay) {
    if (closed.get()) {
      return;
    }
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    timer = vertx.setTimer(Math.max(1, delay.toMillis()), id -> probe());
  }

  private void probe() {
    if (closed.get()) {
      return;
    }
    long deadline = timeout.toMillis();
    CompletableFuture<Response> ping = new CompletableFuture<>();
    long t =
        vertx.setTimer(deadline, id -> ping.completeExceptionally(new Exception("PING timed out")));
    client
        .send(Request.cmd(Command.PING))
        .onComplete(
            ar -> {
              vertx.cancelTimer(t);
              if (ar.succeeded()) {
                ping.complete(ar.result());
              } else {
                ping.completeExceptionally(ar.cause());
              }
            });
    ping.whenComplete(
        (ok, err) -> {
          Duration next;
          synchronized (this) {
            if (err == null) {
              if (trouble != null) {
                LOG.info("component {}: reconnected to {}", component, settings);
              }
              trouble = null;
              backoff = settings.minRetryInterval();
              next = HEALTHY_CHECK;
            } else {
              String what = "cannot reach " + settings + ": " + describe(err) + "; reconnecting";
              if (trouble == null) {
                LOG.warn("component {}: {}", component, what);
              }
              trouble = what;
              next = backoff;
              Duration doubled = backoff.multipliedBy(2);
              backoff =
                  doubled.compareTo(settings.maxRetryInterval()) > 0
                      ? settings.maxRetryInterval()
                      : doubled;
            }
          }
          schedule(next);
        });
  }

  /** The innermost cause's message, with the password masked should the client have quoted it. */
  public String describe(Throwable t) {
    String m = rootMessage(t);
    return settings.password().isEmpty() ? m : m.replace(settings.password(), "***");
  }

  /** Whether {@code t} (or a cause) is an error reply of the server, rather than a lost link. */
  public static boolean isErrorReply(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof Response) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    String m = c.getMessage();
    return m == null || m.isBlank() ? c.getClass().getSimpleName() : m;
  }

  /** Sends several commands, each as its own {@link #send}. */
  public CompletionStage<List<Response>> sendAll(List<Request> requests) {
    @SuppressWarnings("unchecked")
    CompletableFuture<Response>[] all =
        requests.stream().map(r -> send(r).toCompletableFuture()).toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(all)
        .thenApply(v -> java.util.Arrays.stream(all).map(CompletableFuture::join).toList());
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    synchronized (this) {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
    }
    client.close();
    if (ownsVertx) {
      vertx.close();
    }
  }
}
