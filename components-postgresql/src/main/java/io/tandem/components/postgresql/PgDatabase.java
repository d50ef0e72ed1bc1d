package io.tandem.components.postgresql;

import io.tandem.components.Completions;
import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * A component's pool of connections to one PostgreSQL database, on the sidecar's Vert.x when it
 * lends one (else on a small Vert.x of its own), with the component's time limit on every
 * operation, failures turned into {@link ComponentException}s, and its {@link Health}.
 */
public final class PgDatabase implements AutoCloseable {
  /** How often the server is probed while all is well. */
  static final Duration PROBE_INTERVAL = Duration.ofSeconds(5);

  /** How long init waits for the server to answer at all. */
  public static final Duration INIT_CONNECT_LIMIT = Duration.ofSeconds(4);

  private final String label;
  private final PgSettings settings;
  private final Vertx vertx;
  private final boolean ownVertx;
  private final Pool pool;
  private final Health health;
  private volatile boolean closed;

  private PgDatabase(String label, PgSettings settings, Vertx vertx, boolean ownVertx, Logger log) {
    this.label = label;
    this.settings = settings;
    this.vertx = vertx;
    this.ownVertx = ownVertx;
    this.pool =
        PgBuilder.pool()
            .with(settings.poolOptions(label))
            .connectingTo(settings.connectOptions())
            .using(vertx)
            .build();
    this.health =
        new Health(
            vertx,
            label,
            log,
            () -> withTimeout(pool.query("SELECT 1").execute(), settings.timeout(), "probe"));
  }

  /**
   * Creates the pool (no connection is made yet) and starts probing the server in the background.
   *
   * @param label names the component in messages and logs: {@code state.postgresql mystore}
   */
  public static PgDatabase open(
      String label, PgSettings settings, ComponentContext context, Logger log) {
    Optional<Vertx> shared = context.shared(Vertx.class);
    Vertx vertx =
        shared.orElseGet(
            () ->
                Vertx.vertx(
                    new VertxOptions()
                        .setEventLoopPoolSize(2)
                        .setWorkerPoolSize(1)
                        .setInternalBlockingPoolSize(1)));
    PgDatabase db;
    try {
      db = new PgDatabase(label, settings, vertx, shared.isEmpty(), log);
    } catch (RuntimeException e) {
      if (shared.isEmpty()) {
        vertx.close();
      }
      throw e;
    }
    db.health.start(PROBE_INTERVAL);
    if (!settings.connection().ignoredKeys().isEmpty()) {
      log.warn(
          "{}: connection settings without effect here, ignored: {}",
          label,
          settings.connection().ignoredKeys());
    }
    return db;
  }

  public Vertx vertx() {
    return vertx;
  }

  public Pool pool() {
    return pool;
  }

  public PgSettings settings() {
    return settings;
  }

  public Health health() {
    return health;
  }

  /** Options for a connection of its own (a LISTEN connection); they hold the password. */
  public PgConnectOptions connectOptions() {
    return settings.connectOptions();
  }

  public Optional<String> trouble() {
    return health.trouble();
  }

  /**
   * Runs {@code operation} on the pool within the component's time limit. Its failure becomes a
   * {@link ComponentException} (one it raised itself passes through unchanged) and feeds the
   * health.
   *
   * @param what names the operation in messages: {@code get}, {@code transaction}...
   */
  public <T> CompletionStage<T> call(String what, Function<Pool, Future<T>> operation) {
    return run(what, operation).toCompletionStage();
  }

  /** {@link #call}, as a Vert.x future. */
  public <T> Future<T> run(String what, Function<Pool, Future<T>> operation) {
    if (closed) {
      return Future.failedFuture(
          new ComponentException(ComponentException.Reason.FAILURE, label + " is closed"));
    }
    Future<T> f;
    try {
      f = operation.apply(pool);
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    return withTimeout(f, settings.timeout(), what)
        .transform(
            ar -> {
              if (ar.succeeded()) {
                health.succeeded();
                return Future.succeededFuture(ar.result());
              }
              health.failed(ar.cause());
              return Future.failedFuture(failure(what, ar.cause()));
            });
  }

  /** The {@link ComponentException} the caller sees for {@code cause}. */
  public ComponentException failure(String what, Throwable cause) {
    Throwable t = Completions.unwrap(cause);
    if (t instanceof ComponentException ce) {
      return ce;
    }
    String message =
        PgErrors.isConnectionProblem(t)
            ? label + ": " + what + " failed, the database is unavailable: " + PgErrors.describe(t)
            : label + ": " + what + " failed: " + PgErrors.describe(t);
    return new ComponentException(ComponentException.Reason.FAILURE, message, t);
  }

  /** {@code f}, failed with a timeout if it has not completed within {@code limit}. */
  public <T> Future<T> withTimeout(Future<T> f, Duration limit, String what) {
    if (f.isComplete()) {
      return f;
    }
    Promise<T> p = Promise.promise();
    long timer;
    try {
      timer =
          vertx.setTimer(
              limit.toMillis(),
              id ->
                  p.tryFail(
                      new TimeoutFailure(
                          label + ": " + what + " timed out after " + limit.toMillis() + " ms")));
    } catch (IllegalStateException e) {
      return f; // Vert.x is closing
    }
    f.onComplete(
        ar -> {
          vertx.cancelTimer(timer);
          if (ar.succeeded()) {
            p.tryComplete(ar.result());
          } else {
            p.tryFail(ar.cause());
          }
        });
    return p.future();
  }

  /**
   * Waits for {@code f} on the calling (worker) thread, for {@link
   * io.tandem.components.Component#init}: at most the component's time limit.
   */
  public <T> T await(Future<T> f, String what) throws InterruptedException {
    return await(f, what, settings.timeout().plusSeconds(1));
  }

  /**
   * Checks at init that the server answers, waiting at most {@link #INIT_CONNECT_LIMIT} (or the
   * component's time limit when shorter): under the runtime's default {@code initTimeout} (5 s), so
   * that an unreachable server is reported with this component's own reason.
   */
  public void awaitConnected() throws InterruptedException {
    Duration limit =
        settings.timeout().compareTo(INIT_CONNECT_LIMIT) < 0
            ? settings.timeout()
            : INIT_CONNECT_LIMIT;
    await(
        withTimeout(run("connecting", p -> p.query("SELECT 1").execute()), limit, "connecting"),
        "connecting",
        limit.plusSeconds(1));
  }

  private <T> T await(Future<T> f, String what, Duration limit) throws InterruptedException {
    try {
      return f.toCompletionStage()
          .toCompletableFuture()
          .get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw failure(what, e.getCause());
    } catch (TimeoutException e) {
      throw new TimeoutFailure(
          label + ": " + what + " timed out after " + limit.toMillis() + " ms");
    }
  }

  /** Closes the pool, and the Vert.x if it is this component's own. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    health.close();
    Future<Void> poolClosed = pool.close();
    if (Context.isOnEventLoopThread()) {
      // no waiting on an event loop; and a Vert.x closed from its own event loop could not
      // complete a future chained to its close, so none is
      if (ownVertx) {
        poolClosed.onComplete(ar -> vertx.close());
      }
      return;
    }
    awaitQuietly(poolClosed);
    if (ownVertx) {
      awaitQuietly(vertx.close());
    }
  }

  private static void awaitQuietly(Future<Void> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // closing is best effort
    }
  }
}
