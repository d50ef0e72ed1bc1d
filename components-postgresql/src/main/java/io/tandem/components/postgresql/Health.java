package io.tandem.components.postgresql;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Whether a connection to the server works, as {@link io.tandem.components.Component#trouble()}
 * shows it. A failure that looks like a lost server starts probing, with a back-off from 250 ms to
 * 5 s, until a probe succeeds; a probe also runs every few seconds while all is well, so an outage
 * is noticed without traffic. Reading {@link #trouble()} is a volatile read.
 */
public final class Health {
  static final Duration MIN_RETRY = Duration.ofMillis(250);
  static final Duration MAX_RETRY = Duration.ofSeconds(5);

  private final Vertx vertx;
  private final String label;
  private final Logger log;
  private final Supplier<Future<?>> probe;
  private final AtomicReference<String> trouble = new AtomicReference<>();
  private final AtomicBoolean probing = new AtomicBoolean();
  private volatile boolean closed;
  private volatile long periodic = -1;

  /**
   * @param label names the component in messages ({@code state.postgresql mystore})
   * @param probe one round trip to the server, failing when it cannot be made
   */
  public Health(Vertx vertx, String label, Logger log, Supplier<Future<?>> probe) {
    this.vertx = vertx;
    this.label = label;
    this.log = log;
    this.probe = probe;
  }

  /** Probes every {@code interval} from now on. */
  public void start(Duration interval) {
    periodic = vertx.setPeriodic(interval.toMillis(), id -> probeNow());
  }

  public Optional<String> trouble() {
    return Optional.ofNullable(trouble.get());
  }

  /**
   * An operation failed: when the failure is about the connection, report it and probe; when it
   * timed out, probe.
   */
  public void failed(Throwable failure) {
    if (closed || !PgErrors.isConnectionProblem(failure)) {
      return;
    }
    // a statement may be slow without anything being wrong: then only the probe decides
    if (!(io.tandem.components.Completions.unwrap(failure) instanceof TimeoutFailure)) {
      report(PgErrors.describe(failure));
    }
    probeNow();
  }

  /** An operation reached the server. */
  public void succeeded() {
    if (trouble.get() != null) {
      clear();
    }
  }

  /** Reports {@code problem} as the trouble (a lost LISTEN connection, say). */
  public void report(String problem) {
    String message = label + ": " + problem + "; reconnecting";
    String before = trouble.getAndSet(message);
    if (before == null) {
      log.warn("{}", message);
    }
  }

  /** Clears the trouble. */
  public void clear() {
    if (trouble.getAndSet(null) != null) {
      log.info("{}: the database is reachable again", label);
    }
  }

  /** Starts a probe unless one is running. */
  public void probeNow() {
    if (closed || !probing.compareAndSet(false, true)) {
      return;
    }
    attempt(0);
  }

  private void attempt(int n) {
    if (closed) {
      probing.set(false);
      return;
    }
    Future<?> f;
    try {
      f = probe.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onComplete(
        ar -> {
          if (closed) {
            probing.set(false);
          } else if (ar.succeeded()) {
            clear();
            probing.set(false);
          } else {
            report(PgErrors.describe(ar.cause()));
            long delay = Math.min(MAX_RETRY.toMillis(), MIN_RETRY.toMillis() << Math.min(n, 10));
            try {
              vertx.setTimer(delay, id -> attempt(n + 1));
            } catch (IllegalStateException e) {
              probing.set(false); // Vert.x is closing
            }
          }
        });
  }

  public void close() {
    closed = true;
    long id = periodic;
    if (id >= 0) {
      try {
        vertx.cancelTimer(id);
      } catch (IllegalStateException e) {
        // Vert.x already closed
      }
    }
  }
}
